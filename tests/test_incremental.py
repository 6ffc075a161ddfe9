"""--incremental: only new or changed inputs are processed; state, history and run ids."""
from __future__ import annotations

import json

import pytest
from _dumps import content, dump, rows, write

from pipeline.options import IngestOptions
from pipeline.run import RunFailed, UsageError, run
from pipeline.storage.state import committed_inputs


def _run(tmp_path, *flags: str) -> dict:
    options = IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"), *flags])
    return run(options)


def _articles(tmp_path) -> list[dict]:
    return sorted(rows(tmp_path / "out" / "articles"), key=lambda r: r["source_uri"])


def test_incremental_rerun_processes_only_new_and_changed_inputs(tmp_path):
    for n in range(4):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    first = _run(tmp_path, "--incremental")
    assert (first["files_processed"], first["articles"], first["mode"]) == (4, 4, "incremental")

    write(tmp_path / "in", "a4.txt", dump(4), mtime=1_700_000_000)            # new
    write(tmp_path / "in", "a1.txt", dump(11), mtime=1_700_000_500)           # changed
    second = _run(tmp_path, "--incremental")
    assert second["files_matched"] == 5
    assert second["files_processed"] == 2 and second["files_unchanged"] == 3
    assert second["articles"] == 2 and second["reconciled"]

    articles = _articles(tmp_path)
    # Replaced: the first version of a1.txt is gone, its new version took its place.
    assert len(articles) == 5
    assert second["replaced"] == {"inputs": 1, "reread": 0, "articles": 1, "rejects": 0, "duplicates": 0,
                                  "kept": 0}
    assert {r["run_id"] for r in articles} == {first["run_id"], second["run_id"]}
    by_run = {r["source_uri"].rsplit("/", 1)[-1] for r in articles if r["run_id"] == second["run_id"]}
    assert by_run == {"a1.txt", "a4.txt"}
    assert "Tuesday" in next(r["body"] for r in articles if r["source_uri"].endswith("a1.txt"))

    third = _run(tmp_path, "--incremental")
    assert third["files_processed"] == 0 and third["articles"] == 0
    assert len(_articles(tmp_path)) == 5


def test_full_refresh_starts_over_and_gives_identical_records(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    first = _run(tmp_path, "--incremental")
    before = [content(r) for r in _articles(tmp_path)]
    again = _run(tmp_path, "--incremental", "--full-refresh")
    assert again["files_processed"] == 3 and again["mode"] == "full"
    after = _articles(tmp_path)
    assert [content(r) for r in after] == before          # ids and content identical
    assert {r["run_id"] for r in after} == {again["run_id"]} != {first["run_id"]}


def test_run_without_incremental_replaces_the_dataset(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    write(tmp_path / "in", "a1.txt", dump(1))
    _run(tmp_path)
    (tmp_path / "in" / "a1.txt").unlink()
    summary = _run(tmp_path)
    assert [r["source_uri"].rsplit("/", 1)[-1] for r in _articles(tmp_path)] == ["a0.txt"]
    assert summary["articles"] == 1


def test_history_state_and_run_json(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    first = _run(tmp_path, "--incremental")
    write(tmp_path / "in", "a1.txt", dump(1))
    second = _run(tmp_path, "--incremental")
    out = tmp_path / "out"
    history = sorted(p.stem for p in (out / "_runs").glob("*.json"))
    assert history == sorted([first["run_id"], second["run_id"]])
    latest = json.loads((out / "run.json").read_text())
    assert latest["run_id"] == second["run_id"] and latest["status"] == "succeeded"
    state = json.loads((out / "_state" / "state.json").read_text())
    assert state["last_run_id"] == second["run_id"]
    assert sorted(p.rsplit("/", 1)[-1] for p in committed_inputs(str(out))) == ["a0.txt", "a1.txt"]
    assert sorted(r["run_id"] for r in rows(out / "articles")) == sorted([first["run_id"], second["run_id"]])
    assert not list((out / "_staging").glob("*"))


def test_reject_run_id_is_set(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    write(tmp_path / "in", "empty.txt", "")
    summary = _run(tmp_path)
    rejects = rows(tmp_path / "out" / "rejects")
    assert [(r["reason"], r["run_id"]) for r in rejects] == [("empty", summary["run_id"])]


def test_max_reject_rate_fails_the_run_and_commits_nothing(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    _run(tmp_path, "--incremental")
    write(tmp_path / "in", "e1.txt", "")
    write(tmp_path / "in", "e2.txt", "\n\n")
    write(tmp_path / "in", "a2.txt", dump(2))
    with pytest.raises(RunFailed) as failed:
        _run(tmp_path, "--incremental", "--max-reject-rate", "0.5")
    assert failed.value.exit_code == 3
    assert failed.value.summary["rejects"] == 2 and failed.value.summary["inputs"] == 3
    out = tmp_path / "out"
    assert rows(out / "rejects") == [] and len(rows(out / "articles")) == 1
    assert not (out / "_staging").exists()  # the discarded run leaves no empty staging directory
    assert json.loads((out / "_runs" / f"{failed.value.summary['run_id']}.json").read_text())["status"] \
        == "failed: reject rate"
    # Nothing was committed, so a run with a laxer limit picks the same inputs up.
    summary = _run(tmp_path, "--incremental", "--max-reject-rate", "0.7")
    assert summary["files_processed"] == 3 and summary["rejects"] == 2


def test_full_refresh_without_incremental_is_a_usage_error(tmp_path):
    write(tmp_path / "in", "a0.txt", dump(0))
    with pytest.raises(UsageError, match="--full-refresh"):
        _run(tmp_path, "--full-refresh")


def test_the_state_knows_an_input_however_its_path_is_spelled(tmp_path, monkeypatch):
    # 'in', './in/' and the absolute path are one directory: the second and third runs read nothing.
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    monkeypatch.chdir(tmp_path)
    first = run(IngestOptions(["--input", "in", "--output", "out", "--incremental"]))
    assert first["files_processed"] == 3
    for spelling in ("./in/", str(tmp_path / "in" / "." / "*")):
        again = run(IngestOptions(["--input", spelling, "--output", "out", "--incremental"]))
        assert (again["files_processed"], again["files_unchanged"]) == (0, 3), spelling
    assert {r["source_uri"] for r in rows(tmp_path / "out" / "articles")} == {
        str(tmp_path / "in" / f"a{n}.txt") for n in range(3)}


def _parquet_files(directory) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*.parquet"))


def test_a_dataset_with_no_rows_is_one_empty_file_of_its_schema_until_rows_come(tmp_path):
    import duckdb
    import pyarrow.parquet as pq

    from pipeline.storage.state import load_state
    from schemas.record import ARTICLE_SCHEMA, DUPLICATE_SCHEMA

    write(tmp_path / "in", "blank.txt", "\n\n   \n")
    first = _run(tmp_path, "--incremental")
    out = tmp_path / "out"
    assert (first["articles"], first["rejects"]) == (0, 1)
    date = first["run_id"][:4] + "-" + first["run_id"][4:6] + "-" + first["run_id"][6:8]
    stand_in = f"ingest_date={date}/part-empty-{first['run_id']}.parquet"
    assert _parquet_files(out / "articles") == [stand_in]
    assert _parquet_files(out / "duplicates") == [stand_in]
    table = pq.read_table(out / "articles" / stand_in)
    assert table.num_rows == 0 and table.schema.names == ARTICLE_SCHEMA.names
    assert table.schema.metadata == ARTICLE_SCHEMA.metadata
    empty_schema = table.schema
    assert pq.read_schema(out / "duplicates" / stand_in).names == DUPLICATE_SCHEMA.names
    # A query over the dataset's files finds no rows, instead of no files.
    query = (f"SELECT count(*), min(ingest_date) "
             f"FROM read_parquet('{out}/articles/**/*.parquet', hive_partitioning = true)")
    assert duckdb.sql(query).fetchall() == [(0, None)]

    write(tmp_path / "in", "a1.txt", dump(1))
    second = _run(tmp_path, "--incremental")
    assert second["articles"] == 1
    files = _parquet_files(out / "articles")
    assert len(files) == 1 and "part-empty-" not in files[0]    # the stand-in is gone
    assert pq.read_schema(out / "articles" / files[0]).equals(empty_schema, check_metadata=True)
    assert _parquet_files(out / "duplicates") == [stand_in]     # still no duplicate: kept
    assert load_state(str(out)).files["articles"] == [f"articles/{files[0]}"]
    assert len(_articles(tmp_path)) == 1


def test_a_full_refresh_that_leaves_no_article_leaves_an_empty_dataset(tmp_path):
    write(tmp_path / "in", "a1.txt", dump(1))
    _run(tmp_path, "--incremental")
    write(tmp_path / "in", "a1.txt", "   \n")
    again = _run(tmp_path, "--incremental", "--full-refresh")
    assert (again["articles"], again["rejects"]) == (0, 1)
    files = _parquet_files(tmp_path / "out" / "articles")
    assert [f.rsplit("/", 1)[-1] for f in files] == [f"part-empty-{again['run_id']}.parquet"]
    assert _articles(tmp_path) == []


def test_an_input_that_could_not_be_read_is_read_again_by_the_next_incremental_run(tmp_path, monkeypatch):
    # A permission fixed with chmod, a file gone for a moment: its size and mtime are what they
    # were, so before, every later incremental run skipped it and its reject stood for good.
    from transforms import beam

    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    real = beam._read

    def denied(uri, limit):
        if uri.endswith("a1.txt"):
            raise PermissionError(13, "Permission denied", uri)
        return real(uri, limit)

    monkeypatch.setattr(beam, "_read", denied)
    first = _run(tmp_path, "--incremental")
    assert (first["articles"], first["rejects_by_reason"]) == (2, {"unreadable": 1})
    monkeypatch.setattr(beam, "_read", real)

    second = _run(tmp_path, "--incremental")
    assert (second["files_processed"], second["files_unchanged"], second["articles"]) == (1, 2, 1)
    assert len(_articles(tmp_path)) == 3
    assert rows(tmp_path / "out" / "rejects") == []  # its reject replaced by its article
    third = _run(tmp_path, "--incremental")
    assert third["files_processed"] == 0


@pytest.mark.parametrize("name", ["state.json", "state.sqlite"])
def test_a_state_file_that_cannot_be_read_is_named_and_a_full_refresh_starts_over(tmp_path, name):
    for n in range(2):
        write(tmp_path / "in", f"a{n}.txt", dump(n), mtime=1_700_000_000)
    _run(tmp_path, "--incremental")
    (tmp_path / "out" / "_state" / name).write_text("not a state\n")
    # Before: 'StopIteration: 0' or 'DatabaseError: file is not a database', naming no file.
    with pytest.raises(Exception) as caught:
        _run(tmp_path, "--incremental")
    from pipeline.run import root_cause

    said = root_cause(caught.value)
    assert said.startswith("StateError: ") and f"_state/{name} cannot be read" in said
    assert "--full-refresh" in said
    again = _run(tmp_path, "--incremental", "--full-refresh")
    assert again["articles"] == 2 and len(_articles(tmp_path)) == 2
    assert _run(tmp_path, "--incremental")["files_processed"] == 0
