"""`compact`: a partition's small files merged into few, with identical records, committed
like a run (killed at any moment: as it was, or fully compacted once recovered)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from _dumps import dump, write

from pipeline.cli import main
from pipeline.options import IngestOptions
from pipeline.run import run
from pipeline.storage.commit import recover
from pipeline.storage.compact import _tier, compact, plan_compaction
from pipeline.storage.lock import writer_lock

DATASETS = ("articles", "rejects", "duplicates")


def _files(out: Path, dataset: str) -> dict[str, int]:
    """Visible Parquet files per partition directory."""
    counts: dict[str, int] = {}
    for path in (out / dataset).rglob("*.parquet"):
        if not any(part.startswith(("_", ".")) for part in path.relative_to(out).parts):
            counts[path.parent.name] = counts.get(path.parent.name, 0) + 1
    return counts


def _records(out: Path) -> dict[str, list[dict]]:
    """Every row of every dataset, sorted, every column (the file's, not the partition's)."""
    import pyarrow.parquet as pq

    found = {}
    for dataset in DATASETS:
        rows = []
        for path in (out / dataset).rglob("*.parquet"):
            if not any(part.startswith(("_", ".")) for part in path.relative_to(out).parts):
                rows += [{**r, "_dir": path.parent.name} for r in pq.read_table(path).to_pylist()]
        found[dataset] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return found


@pytest.fixture()
def small_files(tmp_path) -> Path:
    """An output grown by four incremental runs: articles in two publisher partitions, rejects,
    and duplicates, several small files of each."""
    out = tmp_path / "out"
    publishers = ["Pier Bulletin", "Coast Weekly"]
    for batch in range(4):
        for k in range(3):
            n = batch * 3 + k
            write(tmp_path / "in", f"d{n:02d}.txt", dump(n, publisher=publishers[n % 2]))
        write(tmp_path / "in", f"empty{batch}.txt", "")  # a reject each run
        write(tmp_path / "in", f"copy{batch}.txt", dump(batch * 3, publisher="Shore Times"))  # a duplicate
        run(IngestOptions(["--input", str(tmp_path / "in"), "--output", str(out), "--incremental",
                           "--partition-by", "publisher"]))
    assert all(n >= 3 for n in _files(out, "articles").values())
    assert sum(_files(out, "rejects").values()) == 4 and sum(_files(out, "duplicates").values()) == 4
    return out


def test_compact_keeps_every_record_and_reduces_the_files(small_files):
    out = small_files
    before, run_json = _records(out), (out / "run.json").read_text()
    assert main(["compact", str(out)]) == 0
    assert _records(out) == before  # every column, ids included, and the same partitions
    assert all(n == 1 for d in DATASETS for n in _files(out, d).values())
    # state.json lists exactly the files on disk, so incremental runs go on from here.
    state = json.loads((out / "_state" / "state.json").read_text())
    for dataset in DATASETS:
        listed = sorted(str(p.relative_to(out)) for p in (out / dataset).rglob("*.parquet"))
        assert state["files"][dataset] == listed
    # Recorded in the history, but run.json stays the last ingest run.
    assert (out / "run.json").read_text() == run_json
    [record] = [json.loads(p.read_text()) for p in (out / "_runs").glob("*.json")
                if json.loads(p.read_text()).get("command") == "compact"]
    assert record["files_before"]["rejects"] == 4 and record["files_after"]["rejects"] == 1
    assert record["rows"]["duplicates"] == 4
    assert not (out / "_staging").exists()
    # Nothing left to merge: a second compact does nothing and records nothing.
    assert compact(str(out))["files_after"] == {d: 0 for d in DATASETS}
    summary = run(IngestOptions(["--input", str(out.parent / "in"), "--output", str(out), "--incremental",
                                 "--partition-by", "publisher"]))
    assert summary["files_processed"] == 0


def test_compact_killed_mid_commit_is_rolled_forward_with_identical_records(small_files):
    out = small_files
    before = _records(out)

    def die(step):
        if step == "moved:1":
            raise KeyboardInterrupt  # as a kill: the commit stops here

    with pytest.raises(KeyboardInterrupt):
        compact(str(out), hook=die)
    # Two merged files moved in, no small file deleted yet: records are doubled, never lost.
    during = _records(out)
    assert all(len(during[d]) >= len(before[d]) for d in DATASETS)
    [staged] = list((out / "_staging").iterdir())
    assert (staged / "_manifest.json").exists()

    assert recover(str(out)) == [(staged.name, "rolled_forward")]
    assert _records(out) == before
    assert all(n == 1 for d in DATASETS for n in _files(out, d).values())


def test_compact_failing_before_its_manifest_leaves_the_dataset_as_it_was(small_files, monkeypatch):
    import pipeline.storage.compact as compact_module

    out = small_files
    before, files = _records(out), {d: _files(out, d) for d in DATASETS}
    real, calls = compact_module._merge, []

    def merge_then_fail(*args):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args)

    monkeypatch.setattr(compact_module, "_merge", merge_then_fail)
    with pytest.raises(OSError):
        compact(str(out))
    assert _records(out) == before and {d: _files(out, d) for d in DATASETS} == files
    # What it staged is gone at once (before: it held the disk's space until the next writer).
    assert not (out / "_staging").exists() and recover(str(out)) == []


def test_compact_exits_4_while_another_writer_holds_the_lock(small_files):
    # Another process's lock is simulated by taking the flock from a second descriptor.
    import fcntl
    import os

    fd = os.open(small_files / "_lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert main(["compact", str(small_files)]) == 4
    finally:
        os.close(fd)
    with writer_lock(str(small_files)):  # re-entrant in-process, as a watch's compaction is
        assert compact(str(small_files))["partitions"] > 0


def test_tiered_selection_leaves_a_file_bigger_than_twice_the_smaller_ones():
    small = [(f"f{i}", 10) for i in range(4)]
    assert [r for r, _ in _tier(small + [("big", 80)])] == ["f0", "f1", "f2", "f3", "big"]
    assert [r for r, _ in _tier(small + [("big", 81)])] == ["f0", "f1", "f2", "f3"]


def test_well_sized_files_are_left_alone(small_files):
    assert plan_compaction(str(small_files), target_bytes=1) == []
    assert plan_compaction(str(small_files), min_files=100) == []
