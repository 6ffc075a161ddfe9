"""A run whose inputs and output live on an object store (gs://, s3://) takes other code
paths: no local directories, a paged prefix listing, SQLite files copied to and from the
launcher. `fakeremote://` (tests/_remote_fs.py) is such a store, kept in a local folder."""
from __future__ import annotations

import json

from _dumps import dump, rows, write
from _remote_fs import SCHEME

from pipeline.options import IngestOptions
from pipeline.run import run
from pipeline.storage.state import committed_inputs


def _run(tmp_path, *flags):
    return run(IngestOptions(["--input", f"{SCHEME}{tmp_path}/in/", "--output", f"{SCHEME}{tmp_path}/out",
                              *flags]))


def test_incremental_runs_against_an_object_store(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1))
    write(tmp_path / "in" / "sub", "b.txt", dump(2))
    write(tmp_path / "in", "empty.txt", "")
    first = _run(tmp_path, "--incremental")
    assert (first["files_matched"], first["articles"], first["rejects"]) == (3, 2, 1)
    out = tmp_path / "out"
    assert sorted(r["source_uri"] for r in rows(out / "articles")) == [
        f"{SCHEME}{tmp_path}/in/a.txt", f"{SCHEME}{tmp_path}/in/sub/b.txt"]
    assert (out / "_state" / "state.sqlite").exists() and not list((out / "_staging").glob("*"))

    write(tmp_path / "in", "c.txt", dump(3))
    write(tmp_path / "in", "a-again.txt", dump(1, publisher="Another Paper"))
    second = _run(tmp_path, "--incremental")
    assert (second["files_processed"], second["files_unchanged"]) == (2, 3)
    assert (second["articles"], second["duplicates"]) == (1, 1)
    [duplicate] = rows(out / "duplicates")
    assert duplicate["source_uri"].endswith("a-again.txt") and duplicate["kept_source_uri"] is None
    assert len(committed_inputs(f"{SCHEME}{out}")) == 5
    assert json.loads((out / "run.json").read_text())["run_id"] == second["run_id"]
    assert second["reconciled"]
