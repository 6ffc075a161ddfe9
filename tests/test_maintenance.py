"""Records stay right when inputs change and when the pipeline changes: replace on change,
no article vanishing, deleted inputs, --reprocess-stale, purge, --keep-runs."""
from __future__ import annotations

import json
import os
import sqlite3

import pytest
from _dumps import body, content, dump, rows, write

import pipeline.storage.commit as commit_module
from pipeline.cli import main
from pipeline.options import IngestOptions
from pipeline.purge import PurgeError, purge
from pipeline.run import UsageError, run
from pipeline.storage.state import state_db_path
from schemas import reasons


def _run(tmp_path, *flags: str) -> dict:
    return run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"),
                              "--incremental", *flags]))


def _dataset(tmp_path, name: str) -> list[dict]:
    return sorted(rows(tmp_path / "out" / name), key=lambda r: (r["source_uri"], r.get("article_id") or ""))


def _name(row: dict) -> str:
    return row["source_uri"].rsplit("/", 1)[-1]


def _committed_ids(tmp_path) -> set[str]:
    con = sqlite3.connect(state_db_path(str(tmp_path / "out")))
    try:
        return {i for (i,) in con.execute("SELECT article_id FROM ids")}
    finally:
        con.close()


def _jsonl(*texts: str | None) -> str:
    """A JSONL file: one line per text; None makes a line with no text field (a reject)."""
    return "".join(json.dumps({"text": t, "title": "Harbour news"} if t is not None else {"title": "no text"})
                   + "\n" for t in texts)


def _text(n: int) -> str:
    return "\n\n".join(body(n))


# Replace on change ------------------------------------------------------------------------

def test_a_changed_jsonl_input_replaces_all_its_rows_and_nothing_else(tmp_path):
    write(tmp_path / "in", "feed.jsonl", _jsonl(_text(1), _text(2), None, _text(7)), mtime=1_700_000_000)
    write(tmp_path / "in", "other.txt", dump(2), mtime=1_700_000_000)   # a copy of line 2's article
    write(tmp_path / "in", "keep.txt", dump(3), mtime=1_700_000_000)
    _run(tmp_path)
    before = {name: _dataset(tmp_path, name) for name in ("articles", "rejects", "duplicates")}
    # Before: the JSONL file holds 3 articles, 1 reject and the kept copy of other.txt's article.
    assert sorted(_name(r) for r in before["articles"]) == [
        "feed.jsonl#line=1", "feed.jsonl#line=2", "feed.jsonl#line=4", "keep.txt"]
    assert [(_name(r), r["reason"]) for r in before["rejects"]] == [("feed.jsonl#line=3", reasons.MISSING_FIELD)]
    assert [(_name(r), r["kept_source_uri"].rsplit("/", 1)[-1]) for r in before["duplicates"]] == [
        ("other.txt", "feed.jsonl#line=2")]
    old_ids = {r["article_id"] for r in before["articles"] if "feed.jsonl" in r["source_uri"]}

    # The file is rewritten: line 1 changed, the reject and two articles are gone.
    write(tmp_path / "in", "feed.jsonl", _jsonl(_text(5)), mtime=1_700_000_100)
    summary = _run(tmp_path)
    assert summary["replaced"] == {"inputs": 1, "reread": 1, "articles": 3, "rejects": 1, "duplicates": 1,
                                   "kept": 0}
    articles = _dataset(tmp_path, "articles")
    assert sorted(_name(r) for r in articles) == ["feed.jsonl#line=1", "keep.txt", "other.txt"]
    assert "plank row 5 " in next(r["body"] for r in articles if _name(r) == "feed.jsonl#line=1")  # body(5)
    assert _dataset(tmp_path, "rejects") == [] and _dataset(tmp_path, "duplicates") == []
    # other.txt, whose copy was the kept one, was read again and now holds the article.
    assert {r["article_id"] for r in articles if _name(r) == "other.txt"} <= old_ids
    # The old ids left the state, except the one other.txt now carries.
    assert _committed_ids(tmp_path) == {r["article_id"] for r in articles}
    # keep.txt was not touched: same record, same run.
    unchanged = [r for r in before["articles"] if _name(r) == "keep.txt"]
    assert [r for r in articles if _name(r) == "keep.txt"] == unchanged


def test_no_article_vanishes_when_its_kept_copy_changes(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1), mtime=1_700_000_000)
    write(tmp_path / "in", "b.txt", dump(1, publisher="Coast Weekly"), mtime=1_700_000_000)  # same body
    write(tmp_path / "in", "c.txt", dump(1, publisher="Shore Times"), mtime=1_700_000_000)
    first = _run(tmp_path)
    [kept] = _dataset(tmp_path, "articles")
    assert _name(kept) == "a.txt" and first["duplicates"] == 2

    write(tmp_path / "in", "a.txt", dump(4), mtime=1_700_000_100)   # a.txt no longer holds it
    second = _run(tmp_path)
    assert (second["replaced"]["reread"], second["replaced"]["kept"]) == (2, 0)
    articles = {_name(r): r for r in _dataset(tmp_path, "articles")}
    # The article is still there: b.txt, the smallest of the other copies, holds it now.
    assert sorted(articles) == ["a.txt", "b.txt"]
    assert articles["b.txt"]["article_id"] == kept["article_id"]
    assert articles["b.txt"]["publisher"] == "Coast Weekly"
    assert [(_name(r), _name({"source_uri": r["kept_source_uri"]})) for r in _dataset(tmp_path, "duplicates")] \
        == [("c.txt", "b.txt")]
    assert kept["article_id"] in _committed_ids(tmp_path)


def test_an_article_whose_other_copies_were_deleted_keeps_its_old_record(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1), mtime=1_700_000_000)
    write(tmp_path / "in", "b.txt", dump(1), mtime=1_700_000_000)
    _run(tmp_path)
    [kept] = _dataset(tmp_path, "articles")
    (tmp_path / "in" / "b.txt").unlink()      # cleaned out of the landing area
    write(tmp_path / "in", "a.txt", dump(4), mtime=1_700_000_100)
    summary = _run(tmp_path)
    assert (summary["replaced"]["reread"], summary["replaced"]["kept"]) == (0, 1)
    articles = _dataset(tmp_path, "articles")
    # b.txt's duplicate row still points at an article that has a record: a.txt's old one.
    assert kept in articles and len(articles) == 2
    assert [_name(r) for r in _dataset(tmp_path, "duplicates")] == ["b.txt"]


def test_deleted_inputs_keep_their_records(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    before = _dataset(tmp_path, "articles")
    (tmp_path / "in" / "a1.txt").unlink()
    summary = _run(tmp_path)
    assert summary["files_matched"] == 2 and summary["files_processed"] == 0 and "replaced" not in summary
    assert _dataset(tmp_path, "articles") == before


def test_a_replacement_rewrites_only_the_files_holding_the_changed_input(tmp_path):
    for batch in range(3):   # three runs, three article files
        write(tmp_path / "in", f"a{batch}.txt", dump(batch), mtime=1_700_000_000)
        write(tmp_path / "in", f"b{batch}.txt", dump(batch + 10), mtime=1_700_000_000)
        _run(tmp_path)
    files = sorted((tmp_path / "out" / "articles").rglob("*.parquet"))
    stamps = {f: os.stat(f).st_mtime_ns for f in files}
    assert len(files) == 3
    write(tmp_path / "in", "a1.txt", dump(21), mtime=1_700_000_100)
    summary = _run(tmp_path)
    assert summary["replaced"]["articles"] == 1
    after = sorted((tmp_path / "out" / "articles").rglob("*.parquet"))
    untouched = [f for f in files if f in after and os.stat(f).st_mtime_ns == stamps[f]]
    assert len(untouched) == 2   # the third was rewritten without a1.txt's old row
    assert sorted(_name(r) for r in _dataset(tmp_path, "articles")) == [
        "a0.txt", "a1.txt", "a2.txt", "b0.txt", "b1.txt", "b2.txt"]


def test_a_replacement_killed_mid_commit_is_rolled_forward(tmp_path, monkeypatch):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    write(tmp_path / "in", "a1.txt", dump(11), mtime=1_700_000_100)
    real, moved = commit_module._move, []

    def dying_move(src, dst):
        real(src, dst)
        moved.append(dst)
        raise KeyboardInterrupt("killed after the first move")

    monkeypatch.setattr(commit_module, "_move", dying_move)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path)
    monkeypatch.setattr(commit_module, "_move", real)
    assert moved
    again = _run(tmp_path)      # recovers the killed commit first, then has nothing to do
    assert again["files_processed"] == 0
    articles = _dataset(tmp_path, "articles")
    assert sorted(_name(r) for r in articles) == ["a0.txt", "a1.txt", "a2.txt"]
    assert "Tuesday" in next(r["body"] for r in articles if _name(r) == "a1.txt")
    assert _committed_ids(tmp_path) == {r["article_id"] for r in articles}


# Reprocessing after an upgrade --------------------------------------------------------------

def _rules_without_read_more(tmp_path) -> str:
    path = tmp_path / "rules.toml"
    path.write_text('[[boilerplate]]\nname = "read_original_on"\nenabled = false\n', encoding="utf-8")
    return str(path)


def test_reprocess_stale_replaces_records_made_by_other_rules(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    before = _dataset(tmp_path, "articles")
    rules = _rules_without_read_more(tmp_path)
    # Before: other rules alone do not re-read unchanged inputs.
    plain = _run(tmp_path, "--rules", rules)
    assert plain["files_processed"] == 0 and _dataset(tmp_path, "articles") == before
    # After: --reprocess-stale re-reads them all and replaces every record.
    summary = _run(tmp_path, "--rules", rules, "--reprocess-stale")
    assert summary["files_processed"] == 3 and summary["replaced"]["articles"] == 3
    after = _dataset(tmp_path, "articles")
    assert len(after) == 3
    assert {r["rules_fingerprint"] for r in after} == {summary["rules_fingerprint"]} \
        != {r["rules_fingerprint"] for r in before}
    # The rule that is off no longer strips the footer: new ids, and the old ones are gone.
    assert all("Read the original" in r["body"] for r in after)
    assert not {r["article_id"] for r in after} & {r["article_id"] for r in before}
    assert _committed_ids(tmp_path) == {r["article_id"] for r in after}
    assert _run(tmp_path, "--rules", rules, "--reprocess-stale")["files_processed"] == 0


def test_reprocess_stale_picks_inputs_another_release_processed(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    before = {_name(r): r for r in _dataset(tmp_path, "articles")}
    con = sqlite3.connect(state_db_path(str(tmp_path / "out")))   # as if an older release wrote a1.txt
    with con:
        con.execute("UPDATE inputs SET version = '0.0.1' WHERE CAST(path AS TEXT) LIKE '%a1.txt'")
    con.close()
    summary = _run(tmp_path, "--reprocess-stale")
    assert summary["files_processed"] == 1 and summary["replaced"]["inputs"] == 1
    after = {_name(r): r for r in _dataset(tmp_path, "articles")}
    assert after["a1.txt"]["run_id"] == summary["run_id"]
    assert content(after["a1.txt"]) == content(before["a1.txt"])   # same code and rules: same record
    assert after["a0.txt"] == before["a0.txt"] and after["a2.txt"] == before["a2.txt"]


def test_reprocess_stale_without_incremental_is_a_usage_error(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    with pytest.raises(UsageError, match="--reprocess-stale"):
        run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"),
                           "--reprocess-stale"]))


# purge --------------------------------------------------------------------------------------

def test_purge_by_source_uri_removes_the_record_and_it_stays_out(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    target = str(tmp_path / "in" / "a1.txt")
    [gone] = [r for r in _dataset(tmp_path, "articles") if r["source_uri"] == target]
    record = purge(str(tmp_path / "out"), source_uris=[target])
    assert record["removed"] == {"articles": 1, "rejects": 0, "duplicates": 0}
    assert record["removed_records"] == [{"dataset": "articles", "source_uri": target,
                                          "article_id": gone["article_id"]}]
    history = json.loads((tmp_path / "out" / "_runs" / f"{record['run_id']}.json").read_text())
    assert history["command"] == "purge" and history["source_uris"] == [target]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["run_id"] != record["run_id"]
    assert sorted(_name(r) for r in _dataset(tmp_path, "articles")) == ["a0.txt", "a2.txt"]
    assert gone["article_id"] not in _committed_ids(tmp_path)
    # An unchanged input is not read again: the article does not come back.
    assert _run(tmp_path)["files_processed"] == 0
    # A changed input is read again, and the takedown sticks: a 'purged' reject, no record.
    write(tmp_path / "in", "a1.txt", dump(1) + "\n", mtime=1_700_000_200)
    summary = _run(tmp_path)
    assert summary["files_processed"] == 1 and summary["rejects_by_reason"] == {reasons.PURGED: 1}
    assert sorted(_name(r) for r in _dataset(tmp_path, "articles")) == ["a0.txt", "a2.txt"]
    [reject] = _dataset(tmp_path, "rejects")
    assert reject["reason"] == reasons.PURGED and record["run_id"] in reject["detail"]


def test_runs_after_a_purge_that_none_of_their_articles_is_on_go_on(tmp_path):
    # The purge list is checked on every later run; a run none of whose articles is on it
    # commits as any other (it used to fail on its empty list of 'purged' rejects).
    write(tmp_path / "in", "a0.txt", dump(0))
    _run(tmp_path)
    purge(str(tmp_path / "out"), article_ids=["0123456789abcdef0123456789abcdef"])  # matches nothing
    write(tmp_path / "in", "a1.txt", dump(1))
    incremental = _run(tmp_path)
    full = run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out")]))
    for summary in (incremental, full):
        assert summary["status"] == "succeeded" and summary["rejects"] == 0
    assert sorted(_name(r) for r in _dataset(tmp_path, "articles")) == ["a0.txt", "a1.txt"]


def test_purge_by_article_id_removes_every_copy_and_keeps_new_ones_out(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1), mtime=1_700_000_000)
    write(tmp_path / "in", "b.txt", dump(1), mtime=1_700_000_000)
    write(tmp_path / "in", "c.txt", dump(2), mtime=1_700_000_000)
    _run(tmp_path)
    article_id = next(r["article_id"] for r in _dataset(tmp_path, "articles") if _name(r) == "a.txt")
    record = purge(str(tmp_path / "out"), article_ids=[article_id])
    assert record["removed"] == {"articles": 1, "rejects": 0, "duplicates": 1}
    assert [_name(r) for r in _dataset(tmp_path, "articles")] == ["c.txt"]
    assert _dataset(tmp_path, "duplicates") == []
    # A new input with the same article later: a 'purged' reject, not a record.
    write(tmp_path / "in", "d.txt", dump(1, publisher="Tide News"))
    summary = _run(tmp_path)
    assert summary["articles"] == 0 and summary["rejects_by_reason"] == {reasons.PURGED: 1}
    # Even a full refresh keeps it out.
    full = _run(tmp_path, "--full-refresh")
    assert full["articles"] == 1 and full["rejects_by_reason"] == {reasons.PURGED: 3}


def test_purge_of_an_input_file_removes_all_its_records(tmp_path):
    write(tmp_path / "in", "feed.jsonl", _jsonl(_text(1), None, _text(2)), mtime=1_700_000_000)
    write(tmp_path / "in", "keep.txt", dump(3), mtime=1_700_000_000)
    _run(tmp_path)
    record = purge(str(tmp_path / "out"), source_uris=[str(tmp_path / "in" / "feed.jsonl")])
    assert record["removed"] == {"articles": 2, "rejects": 1, "duplicates": 0}
    assert [_name(r) for r in _dataset(tmp_path, "articles")] == ["keep.txt"]
    assert _dataset(tmp_path, "rejects") == []


def test_purge_killed_mid_commit_is_finished_by_the_next_writer(tmp_path, monkeypatch):
    for n in range(2):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)
    real = commit_module._delete

    def dying_delete(path):
        real(path)
        raise KeyboardInterrupt("killed while deleting")

    monkeypatch.setattr(commit_module, "_delete", dying_delete)
    with pytest.raises(KeyboardInterrupt):
        purge(str(tmp_path / "out"), source_uris=[str(tmp_path / "in" / "a0.txt")])
    monkeypatch.setattr(commit_module, "_delete", real)
    assert list((tmp_path / "out" / "_staging").iterdir())   # the manifest is there
    _run(tmp_path)
    assert [_name(r) for r in _dataset(tmp_path, "articles")] == ["a1.txt"]
    assert any(json.loads(p.read_text()).get("command") == "purge" for p in (tmp_path / "out" / "_runs").iterdir())


def test_a_purge_failing_before_its_commit_removes_what_it_staged(tmp_path, monkeypatch):
    import pipeline.purge as purge_module

    for n in range(2):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(purge_module, "stage_empty_datasets", disk_full)  # after the datasets are staged
    with pytest.raises(OSError):
        purge(str(tmp_path / "out"), source_uris=[str(tmp_path / "in" / "a0.txt")])
    # Before: the staged files held the space until the next writer discarded them.
    assert not (tmp_path / "out" / "_staging").exists()
    assert sorted(_name(r) for r in _dataset(tmp_path, "articles")) == ["a0.txt", "a1.txt"]


def test_purge_command_line(tmp_path, capsys):
    write(tmp_path / "in", "a.txt", dump(1))
    _run(tmp_path)
    article_id = _dataset(tmp_path, "articles")[0]["article_id"]
    assert main(["purge", str(tmp_path / "out"), "--article-id", article_id]) == 0
    assert "purged 1 article, 0 reject and 0 duplicate rows" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        main(["purge", str(tmp_path / "out")])
    assert usage.value.code == 2
    assert main(["purge", str(tmp_path / "nothing"), "--article-id", article_id]) == 2
    assert "holds no committed run" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # not an article_id: refused, not silently matched to nothing
        main(["purge", str(tmp_path / "out"), "--article-id", "nothex"])
    assert usage.value.code == 2 and "32 hex digits: not 'nothex'" in capsys.readouterr().err
    with pytest.raises(PurgeError):
        purge(str(tmp_path / "out"))


# Run history --------------------------------------------------------------------------------

def test_keep_runs_bounds_the_run_history(tmp_path):
    ids = []
    for n in range(4):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
        ids.append(_run(tmp_path, "--keep-runs", "2")["run_id"])
    kept = {p.stem for p in (tmp_path / "out" / "_runs").glob("*.json")}
    assert kept == set(ids[-2:])   # the two newest (ids of one second do not sort by time)
    assert json.loads((tmp_path / "out" / "run.json").read_text())["run_id"] == ids[-1]
    record = purge(str(tmp_path / "out"), source_uris=["nothing-there"], keep_runs=1)
    assert [p.stem for p in (tmp_path / "out" / "_runs").glob("*.json")] == [record["run_id"]]
    with pytest.raises(UsageError, match="--keep-runs"):
        _run(tmp_path, "--keep-runs", "0")


def test_records_written_before_schema_v3_are_replaced_too(tmp_path):
    import pyarrow.parquet as pq

    from pipeline.storage.remove import source_file_of

    assert source_file_of("/in/feed.jsonl#line=3") == "/in/feed.jsonl"
    assert source_file_of("/in/a.zip!/b.tar.gz!/c.txt") == "/in/a.zip"
    assert source_file_of("/in/crawl.warc.gz#record=urn:uuid:1") == "/in/crawl.warc.gz"
    assert source_file_of("/in/plain #1.txt") == "/in/plain #1.txt"
    write(tmp_path / "in", "feed.jsonl", _jsonl(_text(1), _text(2)), mtime=1_700_000_000)
    write(tmp_path / "in", "keep.txt", dump(3), mtime=1_700_000_000)
    _run(tmp_path)
    for path in (tmp_path / "out" / "articles").rglob("*.parquet"):   # as an older release wrote them
        table = pq.read_table(path)
        pq.write_table(table.drop_columns(["source_file", "pipeline_version", "rules_fingerprint"]), path)
    write(tmp_path / "in", "feed.jsonl", _jsonl(_text(5)), mtime=1_700_000_100)
    summary = _run(tmp_path)
    assert summary["replaced"]["articles"] == 2
    names = sorted(_name(r) for r in rows(tmp_path / "out" / "articles"))
    assert names == ["feed.jsonl#line=1", "keep.txt"]


def test_run_history_pruning_keeps_the_newest_of_runs_started_in_one_second(tmp_path):
    from pipeline.storage.commit import prune_run_history

    runs = tmp_path / "out" / "_runs"
    runs.mkdir(parents=True)
    # Started in the same second: the random suffixes sort against the order of the runs.
    order = ["20261201T120000Z-ffff0000", "20261201T120000Z-aaaa0000", "20261201T120000Z-cccc0000",
             "20261201T115959Z-eeee0000"]
    for n, run_id in enumerate(order):
        (runs / f"{run_id}.json").write_text("{}")
        stamp = 1_700_000_000 + (n if n < 3 else -10)
        os.utime(runs / f"{run_id}.json", (stamp, stamp))
    deleted = prune_run_history(str(tmp_path / "out"), 2)
    assert sorted(deleted) == ["20261201T115959Z-eeee0000", "20261201T120000Z-ffff0000"]
    assert sorted(p.stem for p in runs.iterdir()) == ["20261201T120000Z-aaaa0000", "20261201T120000Z-cccc0000"]


def test_a_purge_that_empties_a_dataset_leaves_a_file_of_its_schema_where_it_was(tmp_path):
    write(tmp_path / "in", "a1.txt", dump(1), mtime=1_700_000_000)
    _run(tmp_path)
    out = tmp_path / "out"
    [before] = [p.relative_to(out / "articles") for p in (out / "articles").rglob("*.parquet")]
    record = purge(str(out), source_uris=[str(tmp_path / "in" / "a1.txt")])
    assert record["removed"]["articles"] == 1
    [after] = [p.relative_to(out / "articles") for p in (out / "articles").rglob("*.parquet")]
    assert after.parent == before.parent and after.name == f"part-empty-{record['run_id']}.parquet"
    assert _dataset(tmp_path, "articles") == []
