"""Faults: a worker exception on one input, an output directory that cannot be written, a full
disk. The run goes on where it can, fails clearly where it cannot, and never leaves a corrupt or
partial file where readers look. (SIGKILL at random moments: scripts/kill_test.py.)"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main

REPO = Path(__file__).resolve().parent.parent


def dump(n: int, marker: str = "") -> str:
    return (f"Cyclists wait at the level crossing {n}\n"
            f"Cyclists wait as the barrier lowers.Mara Holt/Rail Desk\n"
            f"  • The crossing gets a footbridge next year.\n\n"
            f"Council engineers counted {n + 40} cyclists an hour at crossing {n} {marker}during the survey.\n\n"
            f"The footbridge at crossing {n} will cost less than the tunnel first proposed.\n")


def write_inputs(directory: Path, count: int, *, boom: int | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (directory / f"c{n:03d}.txt").write_text(dump(n, "EXPLODE " if n == boom else ""))
    return directory


def run_in_process(argv: list[str], capsys) -> tuple[int, str, BaseException | None]:
    """(exit code as the CLI process would have it, stderr, the exception that escaped main)."""
    escaped = None
    try:
        code = main(argv)
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else 1
    except Exception as err:  # noqa: BLE001 - the interpreter would print a traceback and exit 1
        code, escaped = 1, err
    err_text = capsys.readouterr().err
    if escaped is not None:
        err_text += "".join(traceback.format_exception(escaped))
    return code, err_text, escaped


def _visible_parquet(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.parquet")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(output).parts))


def test_worker_exception_becomes_internal_error_reject(tmp_path, monkeypatch, capsys, cli):
    inputs = write_inputs(tmp_path / "in", 6, boom=3)
    import transforms.beam as beam_module

    real = beam_module.ingest_file

    def flaky(data, uri, *args, **kwargs):
        if b"EXPLODE" in data:
            raise RuntimeError("injected worker failure")
        return real(data, uri, *args, **kwargs)

    monkeypatch.setattr(beam_module, "ingest_file", flaky)
    output = tmp_path / "out"
    code, err, escaped = run_in_process(["run", "--input", str(inputs), "--output", str(output),
                                         "--progress", "off"], capsys)
    assert code == 0 and escaped is None, err[-2000:]
    rejects = cli.rows(output, "rejects")
    assert [(Path(r["source_uri"]).name, r["reason"]) for r in rejects] == [("c003.txt", "internal_error")]
    assert "RuntimeError: injected worker failure" in rejects[0]["detail"]
    assert sorted(Path(r["source_uri"]).name for r in cli.rows(output, "articles")) == [
        f"c{n:03d}.txt" for n in range(6) if n != 3]
    summary = json.loads((output / "run.json").read_text())
    assert summary["reconciled"] is True and summary["rejects_by_reason"] == {"internal_error": 1}


@pytest.fixture()
def under_a_file(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file\n")
    return blocker


def test_output_under_a_regular_file_fails_without_output(tmp_path, capsys, under_a_file):
    """As root, permissions do not stop a write; a path under a regular file does."""
    inputs = write_inputs(tmp_path / "in", 3)
    for output in (under_a_file / "out", under_a_file):
        code, err, _ = run_in_process(["run", "--input", str(inputs), "--output", str(output),
                                       "--progress", "off"], capsys)
        assert code != 0
        assert str(output) in err or "Not a directory" in err
        assert under_a_file.read_text() == "a regular file\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "not-a-directory"]


def test_output_under_a_regular_file_is_a_clear_usage_error(tmp_path, capsys, under_a_file):
    inputs = write_inputs(tmp_path / "in", 3)
    code, err, escaped = run_in_process(["run", "--input", str(inputs), "--output", str(under_a_file / "out"),
                                         "--progress", "off"], capsys)
    assert escaped is None and "Traceback" not in err
    assert code == 2
    assert "--output" in err and str(under_a_file / "out") in err


_DISK_FULL = r'''
set -u
mount -t tmpfs -o size=256k tmpfs "$MNT" || exit 99
cp -a "$PRE" "$MNT/out"
"$PY" -m pipeline run --input "$BIG" --output "$MNT/out" --progress off > "$WORK/big.out" 2> "$WORK/big.err"
echo $? > "$WORK/big.code"
cp -a "$MNT/out" "$WORK/after"
'''


def _incompressible_inputs(directory: Path, count: int) -> Path:
    import random

    rng = random.Random(5)
    directory.mkdir(parents=True)
    for n in range(count):
        paragraphs = [" ".join(f"w{rng.getrandbits(40):x}" for _ in range(100)) + "." for _ in range(4)]
        (directory / f"big{n:03d}.txt").write_text("\n\n".join(paragraphs) + "\n")
    return directory


@pytest.fixture(scope="module")
def disk_full(tmp_path_factory):
    """A first run commits into a 256 KiB tmpfs (mounted in a user+mount namespace); a second, larger
    run fills it up. Returns (exit code, stderr, committed output before, output after)."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], check=False).returncode != 0:
        pytest.skip("unprivileged user+mount namespaces are not available: cannot mount a small tmpfs")
    root = tmp_path_factory.mktemp("disk_full")
    pre = root / "pre"
    assert main(["run", "--input", str(write_inputs(root / "small", 3)), "--output", str(pre),
                 "--progress", "off"]) == 0
    mnt = root / "mnt"
    mnt.mkdir()
    env = {**os.environ, "MNT": str(mnt), "PRE": str(pre), "PY": sys.executable, "WORK": str(root),
           "BIG": str(_incompressible_inputs(root / "big", 150)), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", _DISK_FULL], env=env, cwd=root,
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode == 99:
        pytest.skip(f"mounting a tmpfs failed: {proc.stderr[-300:]}")
    return int((root / "big.code").read_text()), (root / "big.err").read_text(), pre, root / "after"


def test_disk_full_fails_and_keeps_the_committed_output(disk_full):
    """The run fails with the OS error, and readers still see the first run's output, whole."""
    code, err, pre, after = disk_full
    assert code != 0
    assert "No space left on device" in err
    visible = [p.relative_to(after) for p in _visible_parquet(after)]
    assert visible and visible == [p.relative_to(pre) for p in _visible_parquet(pre)]
    for path in _visible_parquet(after):
        pq.read_table(path)
        assert path.read_bytes() == (pre / path.relative_to(after)).read_bytes()
    assert (after / "run.json").read_text() == (pre / "run.json").read_text()


def test_disk_full_error_is_one_clear_line(disk_full):
    _, err, _, _ = disk_full
    assert "Traceback" not in err
    assert err.strip().startswith("article-ingest: error:") and "No space left on device" in err


_CAFE = ("Corner cafe reopens\n\nThe cafe on the corner reopened on Monday after six months of repairs "
         "to its roof and its kitchen.\n\nRegulars queued from seven in the morning.\n")


def _articles(out: Path) -> list[dict]:
    import pyarrow.dataset as ds

    return ds.dataset(out / "articles", partitioning="hive").to_table(
        columns=["source_uri", "title", "article_id"]).to_pylist()


def test_a_file_name_that_is_not_utf8_is_read_and_replaced_like_any_other(tmp_path, capsys):
    # Before: 'UnicodeEncodeError: surrogates not allowed' failed the whole run, every run.
    landing = tmp_path / "in"
    landing.mkdir()
    (landing / "plain.txt").write_text(dump(1))
    odd = os.path.join(os.fsencode(landing), b"caf\xe9.txt")
    with open(odd, "wb") as handle:
        handle.write(_CAFE.encode())
    out = tmp_path / "out"
    argv = ["run", "--input", str(landing), "--output", str(out), "--incremental"]
    assert main(argv) == 0
    uris = sorted(row["source_uri"] for row in _articles(out))
    assert uris == [str(landing / "caf\\xe9.txt"), str(landing / "plain.txt")]
    # A changed input's record replaces its old one, under the escaped name too.
    with open(odd, "ab") as handle:
        handle.write(b"\nThe kitchen opens on Friday.\n")
    os.utime(odd, (1_900_000_000, 1_900_000_000))
    assert main(argv) == 0
    rows = [row for row in _articles(out) if "caf" in row["source_uri"]]
    assert len(rows) == 1
    # A purge names it as the shell does, undecoded (before: a UnicodeEncodeError traceback).
    assert main(["purge", str(out), "--source-uri", os.fsdecode(odd)]) == 0
    assert [row["source_uri"] for row in _articles(out)] == [str(landing / "plain.txt")]


def test_a_lone_surrogate_in_a_jsonl_field_is_stored_escaped(tmp_path):
    landing = tmp_path / "in"
    landing.mkdir()
    text = "The harbour crane will be ready by June, two months later than the board planned."
    (landing / "a.jsonl").write_text(json.dumps({"text": text, "title": "Crane \ud800 delayed"}) + "\n")
    out = tmp_path / "out"
    assert main(["run", "--input", str(landing), "--output", str(out)]) == 0
    (row,) = _articles(out)
    assert row["title"] == "Crane \\ud800 delayed"


@pytest.mark.parametrize("delay", [0.2, 1.0])  # in start-up; mid-run
@pytest.mark.parametrize("sig, code, said", [("SIGINT", 130, "interrupted"),
                                             ("SIGTERM", 143, "terminated (SIGTERM)"),
                                             ("SIGHUP", 129, "terminated (SIGHUP)")])
def test_ctrl_c_or_sigterm_is_one_line_and_its_exit_code(tmp_path, delay, sig, code, said):
    # Before: a traceback during start-up, and mid-run 'the run failed ... KeyboardInterrupt'
    # with exit code 1. SIGTERM (`kill`, `docker stop`) killed the run without a word and
    # left its temporary files; as a container's process 1 it was ignored.
    import signal
    import time

    (tmp_path / "in").mkdir()
    (tmp_path / "tmp").mkdir()
    for n in range(2000):
        (tmp_path / "in" / f"d{n:04d}.txt").write_text(dump(n))
    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root), "TMPDIR": str(tmp_path / "tmp")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    child.send_signal(getattr(signal, sig))
    _, err = child.communicate(timeout=60)
    if child.returncode == 0:
        pytest.skip("the run ended before the signal")
    if child.returncode < 0:  # died of the signal itself: before the command line's handler
        pytest.skip("the signal came before Python reached the command line's handler")
    assert child.returncode == code, err
    assert err.strip().splitlines()[-1] == f"article-ingest: {said}; nothing was committed"
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "articles").exists()
    assert list((tmp_path / "tmp").iterdir()) == []  # its temporary files are gone


def test_a_non_utf8_name_among_neighbours_is_replaced_and_reread_as_a_copy(tmp_path):
    # Review findings: the escaped name sorts elsewhere than its key, so a row group was skipped
    # (two rows for the changed input), and a copy under such a name was never read again.
    landing = tmp_path / "in"
    landing.mkdir()
    (landing / "caf.txt").write_text(dump(1))
    (landing / "cafa.txt").write_text(dump(2))
    odd = os.path.join(os.fsencode(landing), b"caf\xe9.txt")
    with open(odd, "wb") as handle:
        handle.write(_CAFE.encode())
    (landing / "a-copy.txt").write_text(_CAFE)  # the same article, kept (its name sorts first)
    out = tmp_path / "out"
    argv = ["run", "--input", str(landing), "--output", str(out), "--incremental"]

    def check():
        by_uri = {}
        for row in _articles(out):
            by_uri.setdefault(Path(row["source_uri"]).name, []).append(row["article_id"])
        assert all(len(ids) == 1 for ids in by_uri.values()), by_uri
        return by_uri

    assert main(argv) == 0
    assert "caf\\xe9.txt" not in check()  # a duplicate of a-copy.txt
    for n, target in enumerate((os.fsencode(landing / "a-copy.txt"), odd)):
        with open(target, "ab") as handle:
            handle.write(f"\nThe kitchen opens on day {n}.\n".encode())
        os.utime(target, (1_900_000_000 + n, 1_900_000_000 + n))
        assert main(argv) == 0
        # The changed input has its new record only; the copy under the odd name was read
        # again and holds the article the kept input no longer does.
        assert "caf\\xe9.txt" in check()


def test_an_input_directory_whose_name_is_not_utf8_commits_and_records_the_run(tmp_path):
    # Before: the run record could not be written, so the commit never finished, and every
    # later run on the output failed finishing it.
    landing = os.path.join(os.fsencode(tmp_path), b"in\xe9")
    os.mkdir(landing)
    with open(os.path.join(landing, b"a.txt"), "w", encoding="utf-8") as handle:
        handle.write(dump(1))
    out = tmp_path / "out"
    argv = ["run", "--input", os.fsdecode(landing), "--output", str(out), "--incremental"]
    assert main(argv) == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["input"].startswith(os.fsdecode(landing)) and record["articles"] == 1
    assert not (out / "_staging").exists() or not list((out / "_staging").iterdir())
    with open(os.path.join(landing, b"b.txt"), "w", encoding="utf-8") as handle:
        handle.write(dump(2))
    assert main(argv) == 0
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["articles"] == 1
    assert len(_articles(out)) == 2


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_report_that_cannot_be_written_leaves_the_run_s_exit_code(tmp_path):
    # A cron job's log on a full disk. Before: a traceback and exit 1, after the run had
    # committed, so that the scheduler took committed work for failed.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(dump(1))
    root = Path(__file__).resolve().parents[1]
    with open("/dev/full", "w") as full:
        child = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--input", str(tmp_path / "in"),
             "--output", str(tmp_path / "out")],
            cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=full, stderr=subprocess.PIPE, text=True,
            timeout=120)
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr
    assert "cannot write the report to standard output" in child.stderr
    assert len(_articles(tmp_path / "out")) == 1


@pytest.mark.parametrize("closed", [1, 2])
def test_a_run_started_with_stdout_or_stderr_closed_completes(tmp_path, closed):
    # '>&-' or '2>&-' in a cron line. Before: the run committed, then exit 1 (a traceback).
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(dump(1))
    root = Path(__file__).resolve().parents[1]
    child = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=120,
        preexec_fn=lambda: os.close(closed))
    assert child.returncode == 0 and "Traceback" not in child.stderr, child.stderr
    assert len(_articles(tmp_path / "out")) == 1


def test_an_interrupt_while_the_graph_is_built_leaves_no_beam_temp_dir(tmp_path, monkeypatch):
    # Beam's Pipeline makes a temporary directory that only its run() removes. Before: a
    # Ctrl-C or SIGTERM while the graph was built (the start-up case of the signal test
    # above, on a loaded machine) left it behind.
    import tempfile

    import pipeline.run as run_module

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(dump(1))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt("SIGTERM")

    monkeypatch.setattr(run_module, "build_pipeline", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")])
    assert [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith("beam-pipeline-temp")] == []
