"""The stand-in: the command the local runner starts for each `multi_processing` worker.

Beam starts a worker as a shell command; a run's workers are forked from its warm process
(pipeline/workers.py), and the command only has to ask for one and wait. It is this file,
run as `python -I -S <this file>` (STAND_IN_FLAGS; pipeline/run: _LocalRunner): isolated and
without `site`, Python starts in about a third of the time `python -m pipeline.workers`
takes, and that time is on a run's critical path, before any worker can take work. So this
module imports the standard library only, nothing of this package.

- With the run's warm process (WARM_WORKERS in the environment), it has the warm process fork
  a worker with its arguments, environment, working directory and standard streams
  (`hand_over`), and exits with the worker's status.
- Without one, or when it cannot be reached, it becomes `python -m pipeline.workers`
  (WORKER_MODULE), which runs Beam's SDK worker itself.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

__all__ = ["STAND_IN_FLAGS", "WARM_WORKERS", "WORKER_MODULE", "hand_over", "main"]

# "<socket name> <token>" of the run's warm process, in the environment stand-ins inherit.
WARM_WORKERS = "ARTICLE_INGEST_WARM_WORKERS"
# The module that runs Beam's worker where no warm process is (pipeline/workers.py).
WORKER_MODULE = "pipeline.workers"
# How the local runner starts this file: isolated (no user site, no PYTHON* variables, no
# script directory on the path) and without importing `site`.
STAND_IN_FLAGS = ("-I", "-S")

STREAMS = (0, 1, 2)
# The worker's exit status, sent back to the stand-in.
CODE = struct.Struct("!i")


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def hand_over(address: str, argv: list[str]) -> int | None:
    """Has the warm process at `address` fork a worker with this process's arguments,
    environment, working directory and streams, and returns its exit status; None if the
    warm process cannot be reached, or a standard stream is closed (the caller then runs the
    worker itself)."""
    name, _, token = address.partition(" ")
    if not all(_is_open(fd) for fd in STREAMS):  # e.g. started with stdin closed
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(b"\0" + name.encode())
    except OSError:
        conn.close()
        return None
    env = {key: value for key, value in os.environ.items() if key != WARM_WORKERS}
    request = json.dumps({"token": token, "argv": argv, "env": env, "cwd": os.getcwd()})
    with conn:
        socket.send_fds(conn, [request.encode()], list(STREAMS))
        received = b""
        while len(received) < CODE.size:
            chunk = conn.recv(CODE.size - len(received))
            if not chunk:
                return 1  # the worker died without a status
            received += chunk
    return CODE.unpack(received)[0]


def main() -> None:
    """A worker's command: forked from the run's warm process when there is one, else
    `python -m pipeline.workers` in this process's place."""
    # Ctrl-C reaches the whole process group: the command line decides (a watch finishes
    # the batch in flight), and a worker that died of it left Beam waiting for it for good.
    # An ignored signal stays ignored across the exec below.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    address = os.environ.pop(WARM_WORKERS, None)
    if address:
        code = hand_over(address, sys.argv)
        if code is not None:
            sys.exit(code)
    command = [sys.executable, "-m", WORKER_MODULE, *sys.argv[1:]]
    if os.name != "posix":  # no exec that keeps this process: run it, and pass its status on
        import subprocess

        sys.exit(subprocess.call(command))
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
