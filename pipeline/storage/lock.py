"""One writer per output: runs, watches, `compact` and `purge` take OUTPUT/_lock first.

The lock is an advisory `flock` on OUTPUT/_lock, held for as long as the writer runs. The
kernel releases it when the holding process ends, however it ends (SIGKILL, OOM, a crash),
so a lock left behind by a killed process is simply taken over by the next writer: there
is no stale-lock timeout to tune. The file also holds who took it (pid, host, command,
time), which is what the error line shows to the second writer.

A second writer fails at once with `LockHeld` (exit code 4 from the command line), or,
with `wait` seconds, retries until then. Within one process the lock is re-entrant, so a
watch that holds it can run its batches through the same code as a scheduled run.

Only local outputs are locked: object stores (gs://, s3://) have no such primitive that
Beam's filesystems expose; one writer there is the scheduler's job (docs/reliability.md).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import threading
import time

from pipeline.storage.state import is_local

__all__ = ["LOCK", "LockHeld", "still_held", "writer_lock"]

LOCK = "_lock"
_INFO_BYTES = 512

_held: dict[str, int] = {}  # real path of a locked output -> re-entry depth, this process
_fds: dict[str, int] = {}  # real path of a locked output -> the descriptor holding its lock
_guard = threading.Lock()


class LockHeld(Exception):
    """Another process writes to this output; the message says which."""

    exit_code = 4


def _holder(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            info = json.load(handle)
        return (f"pid {info.get('pid')} on {info.get('host')} ({info.get('command')}) "
                f"since {info.get('since')}")
    except (OSError, ValueError):
        return "another process"


def _try_lock(fd: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextlib.contextmanager
def writer_lock(output: str, *, wait: float = 0.0, command: str = "run"):
    """Hold OUTPUT's writer lock for the duration of the block.

    Raises LockHeld when another process holds it and `wait` seconds pass without it
    being released. Remote outputs are not locked (see the module's docstring)."""
    if not is_local(output):
        yield
        return
    os.makedirs(output, exist_ok=True)
    key = os.path.realpath(output)
    with _guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    path = os.path.join(output, LOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockHeld(f"{output} is being written by {_holder(path)}; "
                               "only one run, watch, compact or purge may write to it at a time")
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "command": " ".join([os.path.basename(sys.argv[0]), command]).strip(),
                "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        # Padded to a fixed size instead of truncated: the file is only ever overwritten.
        os.pwrite(fd, json.dumps(info).encode()[:_INFO_BYTES].ljust(_INFO_BYTES), 0)
        with _guard:
            _held[key], _fds[key] = 1, fd
        try:
            yield
        finally:
            with _guard:
                del _held[key], _fds[key]
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def still_held(output: str) -> bool:
    """Whether the lock this process holds on OUTPUT still guards it: its `_lock` file is the
    one locked. Deleting the output's contents under a long-running writer (a watch) removes
    that file; a new writer would then lock a new one and write beside it. True where this
    process holds no lock on OUTPUT, or OUTPUT is remote."""
    if not is_local(output):
        return True
    key = os.path.realpath(output)
    with _guard:
        fd = _fds.get(key)
    if fd is None:
        return True
    try:
        on_disk = os.stat(os.path.join(output, LOCK))
    except OSError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)
