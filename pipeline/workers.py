"""The local runner's `multi_processing` workers, forked from a warm process (Linux).

Beam starts each such worker as a new Python process, which imports Beam before it can take
work: about 0.7 CPU-seconds, which begin only once the command line has imported Beam and
built the job. A run with two workers spent its first 1.5 seconds or so starting up.

A run with `multi_processing` workers (`forked_workers`, from the command line) forks a
*warm process* first: a copy of the command line made after Beam is imported, before any
thread or connection exists. Beam's worker command still starts a process, but a small one,
the *stand-in* (pipeline/standin.py, which Python starts without `site`), that asks the warm
process for a worker and waits for it:

- the warm process forks a worker, which takes the stand-in's arguments, environment,
  working directory and standard streams, and runs Beam's SDK worker;
- the stand-in exits with the worker's exit status; a worker whose stand-in goes away
  (Beam stopped it, or the run was killed) exits too;
- the warm process exits when the command line does, or when it is killed.

The warm process listens on an abstract Unix socket (no file to clean up), accepts only
processes of the same user, and only with the run's token, both of which the stand-ins
inherit through Beam's environment. Where any of this is not available (not Linux, other
threads already running, a runner that is not local, or ARTICLE_INGEST_FORK_WORKERS=0 in
the environment), the stand-in becomes `python -m pipeline.workers`, which runs Beam's worker
itself, imported the quick way (pipeline/startup.py).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Iterator

from pipeline import stop_signals
from pipeline.standin import CODE, STREAMS, WARM_WORKERS
from pipeline.startup import run_worker

__all__ = ["FORK_WORKERS", "available", "forked_workers"]

_LOG = logging.getLogger("article_ingest.workers")

# Set to "0" in the environment, workers start as new processes (docs/troubleshooting.md).
FORK_WORKERS = "ARTICLE_INGEST_FORK_WORKERS"

_MAX_MESSAGE = 1 << 20  # the stand-in's argv and environment, as JSON


def available() -> bool:
    """Whether workers can be forked here: Linux (abstract sockets, fork after Beam's import),
    no other thread running yet (a fork copies only the calling thread), and not turned off
    with ARTICLE_INGEST_FORK_WORKERS=0."""
    return (sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1
            and os.environ.get(FORK_WORKERS) != "0")


@contextlib.contextmanager
def forked_workers() -> Iterator[bool]:
    """Within the block, the local runner's workers are forked from a warm process started
    here; yields whether it was started (if not, workers start the usual way)."""
    if not available() or WARM_WORKERS in os.environ:
        yield False
        return
    name = f"article-ingest-{os.getpid()}-{secrets.token_hex(8)}".encode()
    token = secrets.token_hex(16)
    try:
        pid, alive = _fork_warm_process(name, token)
    except OSError as err:  # no Unix sockets or no fork here (a sandbox): the usual way
        _LOG.debug("workers start as new processes: %s", err)
        yield False
        return
    os.environ[WARM_WORKERS] = f"{name.decode()} {token}"
    try:
        yield True
    finally:
        del os.environ[WARM_WORKERS]
        os.close(alive)
        os.waitpid(pid, 0)


def _fork_warm_process(name: bytes, token: str) -> tuple[int, int]:
    """Forks the warm process, listening on `name`; returns its pid and the end of the pipe
    whose closing stops it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        listener.bind(b"\0" + name)
        listener.listen(16)
        alive_r, alive_w = os.pipe()  # the warm process exits when this pipe closes
    except OSError:
        listener.close()
        raise
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        pid = os.fork()
    except OSError:
        listener.close()
        os.close(alive_r)
        os.close(alive_w)
        raise
    if pid == 0:  # the warm process
        code = 1
        try:
            os.close(alive_w)
            _serve(listener, alive_r, token)
            code = 0
        finally:
            os._exit(code)
    listener.close()
    os.close(alive_r)
    return pid, alive_w


def _serve(listener: socket.socket, alive: int, token: str) -> None:
    """The warm process: a worker for every stand-in that connects, until `alive` closes."""
    # Ctrl-C (or the watch's SIGTERM) stops the command line, and with it this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in stop_signals():
        signal.signal(signum, signal.SIG_DFL)
    _name_process("article-warm")
    from apache_beam.runners.worker import sdk_worker_main  # noqa: F401 - warm for every worker

    import transforms.beam  # noqa: F401 - the job's steps, which every worker unpickles
    from transforms.decode import warm_up

    warm_up()  # ftfy and charset_normalizer, once for every worker

    workers: set[int] = set()
    while True:
        ready, _, _ = select.select([listener, alive], [], [], 1.0)
        _reap(workers)
        if alive in ready:
            _reap(workers, wait=_LAST_WAIT_SECONDS)
            return
        if listener not in ready:
            continue
        try:
            conn, _ = listener.accept()
        except OSError:  # the stand-in gave up before it was accepted
            continue
        pid = os.fork() if _peer_uid(conn) == os.getuid() else -1
        if pid != 0:
            conn.close()
            if pid > 0:
                workers.add(pid)
            continue
        # The worker.
        code = 1
        try:
            listener.close()
            os.close(alive)
            # Not Ctrl-C: the command line decides what it stops (see pipeline/standin.py).
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            _name_process("article-worker")
            code = _work(conn, token)
        finally:
            os._exit(code)


# Workers have sent their status when the command line closes `alive`; this is how long the
# warm process waits for them to exit, so that their CPU time counts in the command line's.
_LAST_WAIT_SECONDS = 5.0


def _reap(workers: set[int], wait: float = 0.0) -> None:
    deadline = time.monotonic() + wait
    while workers:
        for pid in list(workers):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            workers.discard(pid)
        if not workers or time.monotonic() >= deadline:
            return
        time.sleep(0.01)


def _name_process(name: str) -> None:
    """The name `ps -o comm`, `top` and `pgrep` show (a fork keeps the command line's
    arguments, which `ps` shows otherwise)."""
    with contextlib.suppress(OSError):
        with open("/proc/self/comm", "w") as handle:
            handle.write(name)


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def _work(conn: socket.socket, token: str) -> int:
    """In a forked worker: take over the stand-in's streams, arguments, environment and
    working directory, run Beam's SDK worker, and send its exit status back."""
    message, fds, _, _ = socket.recv_fds(conn, _MAX_MESSAGE, len(STREAMS))
    request = json.loads(message)
    if not secrets.compare_digest(request.get("token", ""), token) or len(fds) != len(STREAMS):
        return 1
    for fd, target in zip(fds, STREAMS):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    _fresh_logging()
    # The stand-in only waits; if it goes away, so does this worker.
    threading.Thread(target=_exit_when_closed, args=(conn,), daemon=True).start()
    code = 0
    try:
        run_worker(sys.argv)
    except SystemExit as exit_:  # sys.exit(None) is success; sys.exit("message") is not
        code = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - as a new process would: the traceback, status 1
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(OSError):
        conn.sendall(CODE.pack(code))
    return code


def _fresh_logging() -> None:
    """Logging as a new process has it. The worker inherits the command line's handler and
    the levels it sets (pipeline/cli: _quiet_logging); kept, they would print the worker's
    records a second time (Beam's harness sends them to the runner, which logs them)."""
    logging.disable(logging.NOTSET)
    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    for name in ("apache_beam", "article_ingest"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def _exit_when_closed(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while conn.recv(1):
            pass
    os._exit(1)


if __name__ == "__main__":
    # What the stand-in (pipeline/standin.py) becomes where no warm process answers: Beam's
    # SDK worker in this process. The stand-in has already tried the hand-over.
    run_worker(sys.argv)
