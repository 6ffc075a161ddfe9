"""Shared test options and helpers.

- Slow tests (full-size hostile corpus, a FIFO that hangs the run, many property examples) run
  only with `pytest --run-slow`, so the default suite stays fast.
- The `cli` fixture runs `article-ingest` in a child process and watches it: exit code, peak
  memory (wait4), and an audit log (PEP 578 hooks) of every file it writes, renames or removes
  and every socket it connects; it can inject faults (a file deleted after matching, a worker
  exception). `cli.rows(output, dataset)` reads a dataset's Parquet rows.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="Also run tests marked @pytest.mark.slow (minutes, GBs of scratch data).")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: minutes-long or GB-scale; skipped unless --run-slow is given")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _scratch_under_pytest(tmp_path_factory):
    """The temporary files of the tests, of Beam (a Pipeline that is built but never run
    leaves its temp directory) and of every child process go under pytest's own temporary
    directory, which pytest prunes, not into the system's."""
    scratch = str(tmp_path_factory.mktemp("scratch"))
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = scratch
    yield
    if saved[0] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved[0]
    tempfile.tempdir = saved[1]


# ---------------------------------------------------------------------------------------------
# Running the CLI in a child process, watched: exit code, peak memory (wait4), and an audit log
# of every file written and every socket opened (Python's audit hooks, PEP 578).
REPO = Path(__file__).resolve().parent.parent

# Runs in the child: installs the audit hook, applies the requested fault injections, runs the CLI.
_CHILD = r'''
import json, os, sys
log_fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
inject = json.loads(sys.argv[2])
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# event -> (index of a path argument, index of its dir_fd argument or None), per path argument.
_PATH_EVENTS = {"os.rename": ((0, 2), (1, 3)), "os.remove": ((0, 1),), "os.mkdir": ((0, 2),),
                "os.rmdir": ((0, 1),), "os.symlink": ((1, 2),), "os.link": ((0, 2), (1, 3)),
                "os.truncate": ((0, None),), "os.chmod": ((0, 2),), "os.chown": ((0, 3),),
                "shutil.rmtree": ((0, 1),), "shutil.copyfile": ((1, None),), "shutil.move": ((1, None),),
                "os.utime": ((0, 3),)}

def _path(value, dir_fd=None):
    if not isinstance(value, (str, bytes, os.PathLike)):
        return repr(value)
    value = os.fsdecode(value)
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(value):
        return os.path.normpath(os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), value))
    return os.path.abspath(value)

def _log(record):
    os.write(log_fd, (json.dumps(record) + "\n").encode())

def _hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and not isinstance(path, int):
            _log({"event": "write", "paths": [_path(path)]})
    elif event in _PATH_EVENTS:
        paths = [_path(args[i], args[fd] if fd is not None and fd < len(args) else None)
                 for i, fd in _PATH_EVENTS[event] if i < len(args)]
        _log({"event": event, "paths": paths})
    elif event == "socket.connect":
        _log({"event": event, "family": int(getattr(args[0], "family", -1)), "address": repr(args[1])})
    elif event == "socket.getaddrinfo":
        _log({"event": event, "address": repr(args[:2])})

sys.addaudithook(_hook)
if inject.get("delete_after_match"):
    import pipeline.run as run_module
    victim = inject["delete_after_match"]
    real_match = run_module._matched_files
    def matched_then_deleted(pattern):
        found = list(real_match(pattern))
        if os.path.exists(victim):
            os.remove(victim)
            _log({"event": "injected:deleted", "paths": [victim]})
        return found
    run_module._matched_files = matched_then_deleted
if inject.get("fail_on"):
    import transforms.beam as beam_module
    real_ingest = beam_module.ingest_file
    needle = inject["fail_on"].encode()
    def flaky(data, uri, *args, **kwargs):
        if needle in data:
            raise RuntimeError("injected worker failure")
        return real_ingest(data, uri, *args, **kwargs)
    beam_module.ingest_file = flaky
from pipeline.cli import main
sys.exit(main(sys.argv[3:]))
'''


@dataclasses.dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    max_rss_bytes: int
    audit: list[dict]
    seconds: float

    def events(self, *names: str) -> list[dict]:
        return [e for e in self.audit if e["event"] in names]


def run_cli_watched(argv: list[str], workdir: Path, *, inject: dict | None = None,
                    timeout: float = 600, env: dict | None = None) -> CliRun:
    """Runs `article-ingest ARGV` in a child process with cwd WORKDIR/cwd (an empty directory)."""
    workdir.mkdir(parents=True, exist_ok=True)
    cwd = workdir / "cwd"
    cwd.mkdir(exist_ok=True)
    audit_path, out_path, err_path = workdir / "audit.jsonl", workdir / "stdout.txt", workdir / "stderr.txt"
    audit_path.write_text("")
    scratch = workdir / "tmp"  # the child's TMPDIR: Beam and tempfile write their scratch here
    scratch.mkdir(exist_ok=True)
    child_env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "TMPDIR": str(scratch), **(env or {})}
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(audit_path), json.dumps(inject or {}), *argv],
                                cwd=cwd, stdout=out, stderr=err, env=child_env)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    audit = [json.loads(line) for line in audit_path.read_text().splitlines() if line.strip()]
    return CliRun(proc.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
                  usage.ru_maxrss * 1024, audit, time.monotonic() - started)


def read_rows(output: Path, dataset: str) -> list[dict]:
    """Every row of OUTPUT/DATASET/**/*.parquet (hidden files and directories left out)."""
    import pyarrow.parquet as pq

    rows: list[dict] = []
    base = output / dataset
    for directory, subdirs, files in os.walk(base):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(("_", ".")))
        for name in sorted(files):
            if name.endswith(".parquet") and not name.startswith(("_", ".")):
                rows += pq.read_table(Path(directory) / name).to_pylist()
    return rows


class CliTools:
    """What the `cli` fixture gives: `run` (run_cli_watched) and `rows` (read_rows)."""

    run = staticmethod(run_cli_watched)
    rows = staticmethod(read_rows)


@pytest.fixture(scope="session")
def cli():
    return CliTools
