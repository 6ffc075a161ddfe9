"""The launcher's input handling: a streamed match, the run's SQLite tables, the file list
workers read in chunks, the state database and deduplication decided in SQL."""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3

import pytest
from _dumps import dump, rows, write
from apache_beam.io.filesystems import FileSystems

from pipeline.dedupe import _losers, choose_kept
from pipeline.options import IngestOptions
from pipeline.run import run
from pipeline.storage.inputs import RunDb, beam_patterns, iter_matches, write_input_list
from pipeline.storage.state import apply_run, committed_inputs, state_db_path
from transforms.beam import _read_chunk


def _tree(root):
    for rel in ("a.txt", "b.md", "sub/c.txt", "sub/deeper/d.txt", ".hidden.txt"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"text of {rel}\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "e.txt").write_text("behind a directory link\n")
    os.symlink(root / "elsewhere", root / "linked-dir")
    os.symlink(root / "missing.txt", root / "dangling.txt")


@pytest.mark.parametrize("suffix", ["*", "*.txt", "**", "**.txt", "sub/*", "a.txt"])
def test_streamed_match_finds_what_beams_match_finds(tmp_path, suffix):
    _tree(tmp_path)
    pattern = f"{tmp_path}/{suffix}"
    beams = {m.path: m.size_in_bytes for m in FileSystems.match([pattern])[0].metadata_list}
    ours = {m.path: m.size_in_bytes for m in iter_matches(pattern)}
    # Beam's local match drops what it cannot stat; the streamed match keeps it, size 0.
    assert {p: s for p, s in ours.items() if not p.endswith("dangling.txt")} == beams
    assert (f"{tmp_path}/dangling.txt" in ours) == (suffix in ("*", "*.txt", "**", "**.txt"))
    assert not any("linked-dir" in p for p in ours)  # a symlinked directory is not descended


@pytest.mark.parametrize("suffix, found", [
    # '**/' matches no directory too, as a shell's globstar and Python's glob do; Beam's
    # own matcher needs one ('sub/c.txt' and deeper only).
    ("**/*.txt", ["a.txt", "sub/c.txt", "sub/deeper/d.txt", "elsewhere/e.txt", "dangling.txt", ".hidden.txt"]),
    ("sub/**/*.txt", ["sub/c.txt", "sub/deeper/d.txt"]),
    ("*.{txt,md}", ["a.txt", "b.md", "dangling.txt", ".hidden.txt"]),
    ("**/?.{md,txt}", ["a.txt", "b.md", "sub/c.txt", "sub/deeper/d.txt", "elsewhere/e.txt"]),
])
def test_globstar_matches_no_directory_and_braces_match_either(tmp_path, suffix, found):
    _tree(tmp_path)
    ours = sorted(m.path for m in iter_matches(f"{tmp_path}/{suffix}"))
    assert ours == sorted(f"{tmp_path}/{rel}" for rel in found)
    # The same files through Beam's own matcher (what --streaming polls), pattern by pattern.
    beams = {m.path for pattern in beam_patterns(f"{tmp_path}/{suffix}")
             for m in FileSystems.match([pattern])[0].metadata_list}
    assert beams == {path for path in ours if not path.endswith("dangling.txt")}


def test_streamed_match_of_a_relative_pattern(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert sorted(m.path for m in iter_matches("*.txt")) == [".hidden.txt", "a.txt", "dangling.txt"]
    assert sorted(m.path for m in iter_matches("sub/**")) == ["sub/c.txt", "sub/deeper/d.txt"]


def test_the_file_list_round_trips_through_chunks_in_path_order(tmp_path):
    names = [f"n{i:04d}.txt" for i in range(1200)] + ["line\nbreak.txt", "tab\there.txt",
                                                        b"bad-\xff-utf8.txt".decode("utf-8", "surrogateescape")]
    db = RunDb(str(tmp_path / "run.sqlite"))
    from apache_beam.io.filesystem import FileMetadata

    matches = [FileMetadata(f"/in/{name}", i, 1_700_000_000.123456789) for i, name in enumerate(names)]
    random.Random(3).shuffle(matches)
    assert db.add_matches(matches + matches[:5]) == len(names)  # a path matched twice counts once
    chunks = write_input_list(str(tmp_path / "list.jsonl"), db.todo(), len(names))
    assert len(chunks) == 241  # ceil(1203 / 256) = 5 files a chunk
    back = [m for chunk in chunks for m in _read_chunk(chunk)]
    assert [m.path for m in back] == sorted(m.path for m in matches)
    by_path = {m.path: m for m in matches}
    for m in back:
        assert m.size_in_bytes == by_path[m.path].size_in_bytes
        assert m.last_updated_in_seconds == 1_700_000_000.123457  # microseconds, as the state keeps
    db.close()


def test_unchanged_inputs_are_skipped_against_the_state_database(tmp_path):
    from apache_beam.io.filesystem import FileMetadata

    first = RunDb(str(tmp_path / "first.sqlite"))
    first.add_matches([FileMetadata("/in/a", 10, 1.0), FileMetadata("/in/b", 20, 2.0)])
    first.close()
    out = str(tmp_path / "out")
    apply_run(out, str(tmp_path / "first.sqlite"), replace=True)
    second = RunDb(str(tmp_path / "second.sqlite"))
    second.add_matches([FileMetadata("/in/a", 10, 1.0), FileMetadata("/in/b", 20, 2.5),
                        FileMetadata("/in/c", 5, 3.0)])
    assert second.skip_unchanged(state_db_path(out)) == 1
    assert [path for path, _, _ in second.todo()] == ["/in/b", "/in/c"]  # changed mtime, new
    second.close()
    apply_run(out, str(tmp_path / "second.sqlite"), replace=False)
    apply_run(out, str(tmp_path / "second.sqlite"), replace=False)  # applying twice changes nothing
    assert committed_inputs(out) == {"/in/a": (10, 1.0), "/in/b": (20, 2.5), "/in/c": (5, 3.0)}


def test_sql_dedupe_applies_the_choose_kept_rule(tmp_path):
    rng = random.Random(11)
    pairs = {(f"id{rng.randrange(40)}", f"/in/{rng.randrange(1000):04d}") for _ in range(300)}
    committed = {f"id{i}" for i in range(0, 40, 7)}
    con = sqlite3.connect(str(tmp_path / "run.sqlite"))
    con.execute("CREATE TABLE keys (article_id TEXT, source_uri BLOB, source_file BLOB, "
                "PRIMARY KEY (article_id, source_uri))")
    con.executemany("INSERT INTO keys VALUES (?, ?, ?)", [(i, u, u) for i, u in pairs])
    state = sqlite3.connect(str(tmp_path / "state.sqlite"))
    state.execute("CREATE TABLE ids (article_id TEXT PRIMARY KEY)")
    state.executemany("INSERT INTO ids VALUES (?)", [(i,) for i in committed])
    state.commit()
    state.close()
    got = sorted(row[:3] for row in _losers(con, str(tmp_path / "state.sqlite")).fetchall())
    want = []
    for article_id in sorted({i for i, _ in pairs}):
        group = [{"source_uri": u} for i, u in pairs if i == article_id]
        kept, dropped = choose_kept(group, article_id in committed)
        want += [(article_id, d["source_uri"], kept["source_uri"] if kept else None) for d in dropped]
    assert got == sorted(want)
    assert any(k is None for _, _, k in got) and any(k for _, _, k in got)


def test_a_run_leaves_no_working_files_in_the_output(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1))
    run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out")]))
    names = {p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert not any(n.endswith((".jsonl", "_run.sqlite")) or n.startswith("_staging") for n in names)
    assert "_state/state.sqlite" in names
    assert dt.datetime.fromisoformat(json.loads((tmp_path / "out" / "run.json").read_text())["started_at"])


def test_a_state_database_without_its_state_json_is_not_trusted(tmp_path):
    """Deleting _state/state.json starts the incremental history over, as it always did."""
    write(tmp_path / "in", "a.txt", dump(1))
    options = ["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"), "--incremental"]
    run(IngestOptions(options))
    os.unlink(tmp_path / "out" / "_state" / "state.json")
    summary = run(IngestOptions(options))
    assert (summary["files_processed"], summary["files_unchanged"]) == (1, 0)
    assert len(committed_inputs(str(tmp_path / "out"))) == 1


def _locked(monkeypatch, *locked):
    """os.scandir refusing `locked` directories, as it does a user without permission (the
    tests may run as root, whom no mode stops)."""
    import pipeline.storage.inputs as inputs

    real = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.path.normpath(os.fspath(path)) in {str(p) for p in locked}:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(inputs.os, "scandir", scandir)


@pytest.mark.parametrize("pattern, taken", [
    ("**", True), ("**/*.txt", True), ("*/*.txt", True), ("*.txt", False), ("**/*.md", True),
    ("other/**", False), ("[!_]*/*.txt", True), ("*/2024/*.txt", True), ("loc*/*", True),
    ("x*/*", False), ("*/*/*/*.txt", True)])
def test_a_directory_that_cannot_be_listed_is_matched_where_files_could_be(tmp_path, monkeypatch, pattern, taken):
    write(tmp_path / "in", "a.txt", dump(1))
    write(tmp_path / "in" / "locked", "b.txt", dump(2))
    _locked(monkeypatch, tmp_path / "in" / "locked")
    found = sorted(m.path for m in iter_matches(f"{tmp_path}/in/{pattern}"))
    expected = [str(tmp_path / "in" / "a.txt")] if pattern in ("**", "**/*.txt", "*.txt") else []
    assert found == sorted(expected + ([str(tmp_path / "in" / "locked")] if taken else []))


def test_a_subdirectory_that_cannot_be_listed_is_an_unreadable_reject(tmp_path, monkeypatch):
    # Before: skipped without a word, so a run without --incremental replaced the dataset
    # without its files' articles.
    write(tmp_path / "in", "a.txt", dump(1))
    write(tmp_path / "in" / "locked", "b.txt", dump(2))
    _locked(monkeypatch, tmp_path / "in" / "locked")
    summary = run(IngestOptions(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]))
    assert (summary["articles"], summary["rejects_by_reason"]) == (1, {"unreadable": 1})
    [reject] = rows(tmp_path / "out" / "rejects")
    assert reject["source_uri"] == str(tmp_path / "in" / "locked")
    assert reject["detail"].startswith("a directory that cannot be listed (PermissionError: Permission denied)")
    assert reject["size_bytes"] is None


def test_an_input_directory_that_cannot_be_listed_is_a_usage_error_saying_why(tmp_path, monkeypatch):
    from pipeline.run import UsageError

    write(tmp_path / "in", "a.txt", dump(1))
    _locked(monkeypatch, tmp_path / "in")
    with pytest.raises(UsageError, match="Permission denied"):  # before: 'matched no files'
        run(IngestOptions(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]))
