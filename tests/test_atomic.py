"""A run killed (SIGKILL) while writing or while committing leaves no partial file visible,
and the next run completes the work."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from _dumps import content, dump, rows, write

from pipeline.options import IngestOptions
from pipeline.run import run
from pipeline.storage.commit import recover
from pipeline.storage.state import committed_inputs

ROOT = Path(__file__).resolve().parents[1]
PUBLISHERS = ["Pier Bulletin", "Coast Weekly", "Shore Times", "Tide News"]

# Runs the real CLI in a child process, with one step slowed down or made to kill the process,
# so the test can SIGKILL it at a known moment. Nothing in the product knows about this.
_SLOW_WRITER = """
import sys, time
import transforms.beam as beam_module
real, calls = beam_module.arrow_table, []
def slow(*args, **kwargs):
    calls.append(1)
    if len(calls) > 1:
        time.sleep(60)  # the test kills the process during this pause
    return real(*args, **kwargs)
beam_module.arrow_table = slow
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""
_DIE_MID_COMMIT = """
import os, signal, sys
import pipeline.storage.commit as commit_module
real, moved = commit_module._move, []
def move(src, dst):
    real(src, dst)
    moved.append(dst)
    if len(moved) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
commit_module._move = move
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _inputs(tmp_path: Path, count: int) -> None:
    for n in range(count):
        write(tmp_path / "in", f"a{n:03d}.txt", dump(n, publisher=PUBLISHERS[n % len(PUBLISHERS)]))
    write(tmp_path / "in", "empty.txt", "")


def _args(tmp_path: Path, *flags: str) -> list[str]:
    return ["run", "--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"),
            "--partition-by", "publisher", "--progress", "off", *flags]


def _options(tmp_path: Path, *flags: str) -> IngestOptions:
    return IngestOptions([a for a in _args(tmp_path, *flags)[1:] if a not in ("--progress", "off")])


def _child(script: str, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _visible_files(out: Path) -> list[Path]:
    return sorted(p for d in ("articles", "rejects", "duplicates") for p in (out / d).rglob("*")
                  if p.is_file())


def _all_readable(out: Path) -> None:
    for path in _visible_files(out):
        assert path.suffix == ".parquet" and not path.name.startswith((".", "_")), path
        pq.read_table(path)  # raises on a truncated or corrupt file


def _expected(tmp_path: Path) -> list[dict]:
    """The records of the same inputs from an uninterrupted run elsewhere."""
    other = tmp_path / "reference"
    run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(other),
                       "--partition-by", "publisher"]))
    return sorted((content(r) for r in rows(other / "articles")), key=lambda r: r["source_uri"])


def test_killed_while_writing_leaves_nothing_visible_and_the_next_run_completes(tmp_path):
    _inputs(tmp_path, 24)
    out = tmp_path / "out"
    child = _child(_SLOW_WRITER, _args(tmp_path, "--incremental"))
    deadline = time.monotonic() + 90
    while not list((out / "_staging").rglob("*.parquet")):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _visible_files(out) == []            # staged files are under _staging/ only
    assert not (out / "_state" / "state.json").exists() and not (out / "run.json").exists()

    summary = run(_options(tmp_path, "--incremental"))
    assert summary["files_processed"] == 25 and summary["reconciled"]
    assert not list((out / "_staging").glob("*"))   # the killed run's staging was discarded
    _all_readable(out)
    got = sorted((content(r) for r in rows(out / "articles")), key=lambda r: r["source_uri"])
    assert got == _expected(tmp_path)


def test_killed_mid_commit_is_rolled_forward_by_the_next_run(tmp_path):
    _inputs(tmp_path, 12)
    out = tmp_path / "out"
    child = _child(_DIE_MID_COMMIT, _args(tmp_path, "--incremental"))
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, stderr.decode()[-2000:]
    # Two files were moved into place before the kill: whole files, each readable.
    assert len(_visible_files(out)) == 2
    _all_readable(out)
    [staged] = list((out / "_staging").iterdir())
    assert (staged / "_manifest.json").exists()

    assert recover(str(out)) == [(staged.name, "rolled_forward")]
    assert not staged.exists()
    state = json.loads((out / "_state" / "state.json").read_text())
    assert len(committed_inputs(str(out))) == 13 and state["last_run_id"] == staged.name
    assert json.loads((out / "run.json").read_text())["run_id"] == staged.name
    _all_readable(out)
    got = sorted((content(r) for r in rows(out / "articles")), key=lambda r: r["source_uri"])
    assert got == _expected(tmp_path)

    # And a scheduled rerun finds nothing left to do.
    summary = run(_options(tmp_path, "--incremental"))
    assert summary["files_processed"] == 0


def test_recovery_removes_temp_files_a_killed_atomic_write_left(tmp_path):
    from pipeline.storage.commit import recover

    out = tmp_path / "out"
    (out / "_runs").mkdir(parents=True)
    (out / "_runs" / ".tmp-abc123").write_bytes(b"half a json")
    (out / ".tmp-def456").write_bytes(b"half a run.json")
    (out / "_runs" / "20260101T000000Z-1.json").write_text("{}")
    recover(str(out))
    assert not list(out.rglob(".tmp-*"))
    assert (out / "_runs" / "20260101T000000Z-1.json").exists()


def test_a_run_that_fails_before_its_commit_leaves_no_staged_files(tmp_path, monkeypatch):
    # A full disk or a bug after the job wrote its files: the staged files go at once, not at
    # the next writer's recovery (which took the failure for an interrupted run).
    import pipeline.run as run_module

    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    options = ["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out")]

    def full_disk(plan, db):
        assert list((tmp_path / "out" / "_staging").rglob("*.parquet"))  # the job had written its files
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_module, "_post_process", full_disk)
    try:
        run(IngestOptions(options))
    except OSError as err:
        assert err.errno == 28
    else:
        raise AssertionError("the run should have failed")
    assert not (tmp_path / "out" / "_staging").exists()
    assert not (tmp_path / "out" / "articles").exists()  # nothing was committed
    monkeypatch.undo()
    assert run(IngestOptions(options))["articles"] == 3


def test_a_commit_that_fails_after_its_manifest_says_it_is_committed(tmp_path, monkeypatch, capsys):
    # A full disk after the commit point: the records are visible and the next writer rolls
    # the commit forward. Before, the command line said 'nothing was committed'.
    import pipeline.storage.commit as commit_module
    from pipeline.cli import main

    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    argv = ["run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--incremental"]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commit_module, "save_state", full_disk)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "the run is committed, but its commit did not finish" in err and "nothing was committed" not in err
    monkeypatch.undo()
    assert main(argv) == 0  # rolls the commit forward, then finds nothing new
    assert len(rows(tmp_path / "out" / "articles")) == 3


def test_ctrl_c_after_the_commit_point_says_the_run_is_committed(tmp_path, monkeypatch, capsys):
    # Review finding: a Ctrl-C while files were moved into place said 'nothing was committed'.
    import pipeline.storage.commit as commit_module
    from pipeline.cli import interrupted_line, main

    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    argv = ["run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--incremental"]
    real_move = commit_module._move

    def interrupted(src, dst):
        real_move(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(commit_module, "_move", interrupted)
    with pytest.raises(KeyboardInterrupt) as exc:  # the command line's entry says it, exit 130
        main(argv)
    line = interrupted_line(exc.value)
    assert "interrupted: the run is committed" in line and "nothing was committed" not in line
    monkeypatch.undo()
    assert main(argv) == 0
    assert len(rows(tmp_path / "out" / "articles")) == 3


def test_run_ids_sort_by_start_time_within_a_second():
    # A watch may commit several batches in one second; their history is the directory listing.
    import datetime as dt

    from pipeline.storage.commit import new_run_id

    second = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.timezone.utc)
    starts = [second + dt.timedelta(milliseconds=ms) for ms in (990, 5, 120, 0, 500)]
    ids = [new_run_id(start) for start in starts]
    assert sorted(ids) == [new_id for _, new_id in sorted(zip(starts, ids))]
    assert ids[3].startswith("20261128T093000000Z-")
