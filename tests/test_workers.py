"""The local runner's multi_processing workers, forked from the run's warm process
(pipeline/workers.py). Each case runs in a fresh interpreter: a warm process is forked only
while no other thread runs, and the test process has Beam's threads."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from _dumps import dump, rows, write

from pipeline import standin, workers
from pipeline.standin import WARM_WORKERS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")

# A launcher: the warm process runs a stand-in for Beam's SDK worker, which reports what it
# was given and then does what the stand-in's MODE asks. The test's code runs in the block.
LAUNCHER = """
import json, os, subprocess, sys, time
from pipeline import standin, workers
from pipeline.run import stand_in_command

def run_worker(argv):
    comm = open("/proc/self/comm").read().strip()
    print(json.dumps({"argv": argv, "cwd": os.getcwd(), "marker": os.environ.get("MARKER"), "comm": comm,
                      "pid": os.getpid(), "ppid": os.getppid(),
                      "warm": workers.WARM_WORKERS in os.environ,
                      "warmed_up": [m in sys.modules for m in ("ftfy", "charset_normalizer")]}), flush=True)
    mode = os.environ.get("MODE")
    if mode == "exit":
        sys.exit(3)
    if mode == "exit-none":
        sys.exit()
    if mode == "raise":
        raise RuntimeError("the worker failed")
    if mode == "hang":
        time.sleep(120)

workers.run_worker = run_worker
STAND_IN = ["/bin/sh", "-c", stand_in_command() + " --worker_id w1"]  # as the local runner starts it
with workers.forked_workers() as warm:
    print(json.dumps({"started": warm, "launcher": os.getpid(), "ftfy": "ftfy" in sys.modules}), flush=True)
{body}
print("launcher done", flush=True)
"""


def _launch(body: str, tmp_path: Path, timeout: float = 120) -> list[str]:
    code = LAUNCHER.replace("{body}", textwrap.indent(textwrap.dedent(body), "    "))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, "TMP_PATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def _gone(pid: int, within: float = 15.0) -> bool:
    """The process has exited (a zombie counts as exited), within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_a_worker_is_forked_with_the_stand_ins_arguments_environment_directory_and_streams(tmp_path):
    lines = _launch("""
        done = subprocess.run(STAND_IN, capture_output=True, text=True, cwd=os.environ["TMP_PATH"],
                              env={**os.environ, "MARKER": "harbour"})
        print(json.dumps({"code": done.returncode, "out": done.stdout, "standin_err": done.stderr}))
    """, tmp_path)
    started, result = json.loads(lines[0]), json.loads(lines[1])
    assert started["started"] is True
    assert result["code"] == 0, result["standin_err"]
    worker = json.loads(result["out"])  # the worker wrote to the stand-in's own stdout
    assert worker["argv"][1:] == ["--worker_id", "w1"]
    assert worker["cwd"] == str(tmp_path) and worker["marker"] == "harbour"
    assert worker["warm"] is False  # the handshake's address is not passed on
    assert worker["argv"][0] == standin.__file__
    assert worker["comm"] == "article-worker"
    # What decoding imports at its first need, the warm process imported once for every
    # worker (the launcher did not).
    assert worker["warmed_up"] == [True, True] and started["ftfy"] is False
    # Forked from the warm process, itself forked from the launcher: not the stand-in.
    assert worker["ppid"] not in (started["launcher"], os.getpid())
    assert _gone(worker["ppid"])  # the warm process ended with the launcher's block
    assert lines[-1] == "launcher done"


@pytest.mark.parametrize(("mode", "code"), [("exit", 3), ("exit-none", 0), ("raise", 1)])
def test_the_stand_in_exits_with_the_workers_status(tmp_path, mode, code):
    lines = _launch(f"""
        done = subprocess.run(STAND_IN, capture_output=True, env={{**os.environ, "MODE": "{mode}"}})
        print(json.dumps({{"code": done.returncode}}))
    """, tmp_path)
    assert json.loads(lines[1]) == {"code": code}


def test_a_worker_whose_stand_in_is_killed_exits_too(tmp_path):
    lines = _launch("""
        stand_in = subprocess.Popen(STAND_IN, stdout=subprocess.PIPE, text=True,
                                    env={**os.environ, "MODE": "hang"})
        worker = json.loads(stand_in.stdout.readline())
        stand_in.kill()
        stand_in.wait()
        print(json.dumps(worker))
    """, tmp_path)
    worker = json.loads(lines[1])
    assert _gone(worker["pid"])


def test_the_warm_process_exits_when_the_launcher_is_killed(tmp_path):
    code = LAUNCHER.replace("{body}", textwrap.indent(textwrap.dedent("""
        done = subprocess.run(STAND_IN, capture_output=True, text=True)
        print(json.loads(done.stdout)["ppid"], flush=True)
        time.sleep(120)
    """), "    "))
    launcher = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                cwd=ROOT)
    try:
        assert json.loads(launcher.stdout.readline())["started"] is True
        warm = int(launcher.stdout.readline())
        assert not _gone(warm, within=0.2)
        launcher.send_signal(signal.SIGKILL)
        launcher.wait()
        assert _gone(warm)
    finally:
        launcher.kill()
        launcher.stdout.close()


def test_the_stand_in_needs_only_the_standard_library():
    """The stand-in Beam starts for each worker is on the run's critical path, so Python
    starts it isolated and without `site` (no site-packages, no project on the path): it
    imports nothing else, and nothing of this package."""
    code = ("import runpy, sys\n"
            f"runpy.run_path({standin.__file__!r}, run_name='stand_in')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pipeline', 'apache_beam', 'pyarrow', 'site')))\n")
    done = subprocess.run([sys.executable, *standin.STAND_IN_FLAGS, "-c", code], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.split() == ["[]"], done.stderr[-2000:]


def test_a_stand_in_without_the_runs_token_gets_no_worker(tmp_path):
    lines = _launch("""
        name = os.environ[workers.WARM_WORKERS].split()[0]
        print(json.dumps({"wrong": standin.hand_over(name + " not-the-token", ["x"]),
                          "right": standin.hand_over(os.environ[standin.WARM_WORKERS], ["x"])}))
    """, tmp_path)
    # The one worker that ran printed its line to this (the launcher's) stdout.
    assert json.loads(lines[-2]) == {"wrong": 1, "right": 0}
    assert sum('"argv"' in line for line in lines) == 1


def test_a_stand_in_started_with_a_closed_stream_is_not_handed_over(tmp_path):
    """Beam's worker started from a cron job with stdin closed: there is no stream to pass,
    so the stand-in runs the worker itself (hand_over says None)."""
    lines = _launch("""
        code = ("import os\\n"
                "os.close(0)\\n"
                "from pipeline import standin\\n"
                "print(standin.hand_over(os.environ[standin.WARM_WORKERS], ['x']))\\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(json.dumps({"out": done.stdout, "err": done.stderr}))
    """, tmp_path)
    result = json.loads(lines[1])
    assert result["out"] == "None\n", result["err"]
    assert not any('"argv"' in line for line in lines)


def test_no_warm_process_where_unix_sockets_fail(monkeypatch):
    class NoSockets:
        AF_UNIX = SOCK_SEQPACKET = 0

        def socket(self, *args):
            raise OSError(97, "Address family not supported by protocol")

    monkeypatch.delenv(WARM_WORKERS, raising=False)
    monkeypatch.setattr(workers, "available", lambda: True)
    monkeypatch.setattr(workers, "socket", NoSockets())
    with workers.forked_workers() as warm:
        assert warm is False and WARM_WORKERS not in os.environ


def test_a_stand_in_that_cannot_reach_a_warm_process_runs_the_worker_itself():
    assert standin.hand_over("article-ingest-nobody-listens some-token", ["x"]) is None


class _Exec(Exception):
    pass


@pytest.mark.parametrize("address", [None, "article-ingest-nobody-listens some-token"])
def test_a_stand_in_without_a_warm_process_becomes_the_full_worker_command(monkeypatch, address):
    """No warm process (not Linux, forking turned off) or none that answers: the stand-in
    replaces itself with `python -m pipeline.workers`, which runs Beam's worker; the
    unanswered address is not passed on."""
    seen = {}

    def execv(path, argv):
        seen.update(path=path, argv=argv, warm=os.environ.get(WARM_WORKERS))
        raise _Exec

    if address is None:
        monkeypatch.delenv(WARM_WORKERS, raising=False)
    else:
        monkeypatch.setenv(WARM_WORKERS, address)
    monkeypatch.setattr(standin.os, "execv", execv)
    monkeypatch.setattr(standin.sys, "argv", [standin.__file__, "--worker_id", "w7"])
    with pytest.raises(_Exec):
        standin.main()
    assert seen == {"path": sys.executable, "argv": [sys.executable, "-m", "pipeline.workers",
                                                     "--worker_id", "w7"], "warm": None}


def test_where_exec_would_start_a_new_process_the_stand_in_waits_for_the_worker(monkeypatch):
    """On Windows `os.execv` starts a new process and ends the caller, which Beam would take
    for its worker: the stand-in runs the full command instead and exits with its status."""
    import subprocess as subprocess_module
    monkeypatch.delenv(WARM_WORKERS, raising=False)
    monkeypatch.setattr(standin.os, "name", "nt")
    monkeypatch.setattr(subprocess_module, "call", lambda command: 5 if command[1:3] == [
        "-m", "pipeline.workers"] else 0)
    with pytest.raises(SystemExit) as exit_:
        standin.main()
    assert exit_.value.code == 5


def test_no_warm_process_when_turned_off(monkeypatch):
    monkeypatch.delenv(WARM_WORKERS, raising=False)
    monkeypatch.setenv(workers.FORK_WORKERS, "0")
    assert not workers.available()
    with workers.forked_workers() as warm:
        assert warm is False and WARM_WORKERS not in os.environ


def test_no_warm_process_while_other_threads_run(monkeypatch):
    monkeypatch.delenv(WARM_WORKERS, raising=False)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with workers.forked_workers() as warm:
            assert warm is False and WARM_WORKERS not in os.environ
    finally:
        stop.set()
        thread.join()


CLI_WITH_MARKS = """
import os, sys
from pipeline import workers
from pipeline.cli import main

marks, work = sys.argv[1], workers._work

def marked(conn, token):
    open(os.path.join(marks, str(os.getpid())), "w").close()
    return work(conn, token)

workers._work = marked
sys.exit(main(sys.argv[2:]))
"""


def test_the_command_line_forks_its_multi_processing_workers_with_the_same_records(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    for n in range(12):
        write(landing, f"d{n:02d}.txt", dump(n))
    write(landing, "empty.txt", "")
    marks = tmp_path / "marks"
    marks.mkdir()
    outputs = {}
    for name, flags in (("one", []), ("two", ["--direct_running_mode", "multi_processing",
                                               "--direct_num_workers", "2"])):
        outputs[name] = tmp_path / name
        done = subprocess.run(
            [sys.executable, "-c", CLI_WITH_MARKS, str(marks), "run", "--input", str(landing / "*"),
             "--output", str(outputs[name]), "--progress", "off", *flags],
            capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    assert len(list(marks.iterdir())) == 2  # both workers were forked, none started anew

    def records(out: Path, dataset: str) -> list[dict]:
        drop = ("ingested_at", "rejected_at", "run_id")
        return sorted(({k: v for k, v in r.items() if k not in drop} for r in rows(out / dataset)),
                      key=lambda r: r["source_uri"])

    for dataset in ("articles", "rejects"):
        assert records(outputs["two"], dataset) == records(outputs["one"], dataset)
    assert len(records(outputs["two"], "articles")) == 12


def test_a_watch_forks_the_workers_of_every_batch_from_one_warm_process(tmp_path):
    """Two batches, two forked workers each; when the watch ends, no worker is left."""
    landing, marks, out = tmp_path / "landing", tmp_path / "marks", tmp_path / "out"
    marks.mkdir()
    old = time.time() - 3600
    for n in range(4):
        write(landing, f"d{n}.txt", dump(n), mtime=old)
    watch = subprocess.Popen(
        [sys.executable, "-c", CLI_WITH_MARKS, str(marks), "run", "--watch", "--input", str(landing / "*"),
         "--output", str(out), "--trigger-interval", "0.1", "--settle", "0", "--progress", "off",
         "--watch-timeout", "30", "--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while len(list((out / "_runs").glob("*.json"))) < 1:
            assert watch.poll() is None and time.monotonic() < deadline, watch.communicate()
            time.sleep(0.05)
        for n in range(4, 7):
            write(landing, f"d{n}.txt", dump(n), mtime=old)
        while len(list((out / "_runs").glob("*.json"))) < 2:
            assert watch.poll() is None and time.monotonic() < deadline, watch.communicate()
            time.sleep(0.05)
        watch.send_signal(signal.SIGTERM)
        _, stderr = watch.communicate(timeout=60)
    finally:
        watch.kill()
    assert watch.returncode == 0, stderr
    forked = [int(mark.name) for mark in marks.iterdir()]
    assert len(forked) == 4
    assert all(_gone(pid) for pid in forked)
    assert sorted(Path(r["source_uri"]).name for r in rows(out / "articles")) == [f"d{n}.txt" for n in range(7)]
