"""One writer per output: a second writer fails with one line; a killed holder's lock is taken over."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipeline.cli import main
from pipeline.storage.lock import LOCK, LockHeld, writer_lock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _holder(output, seconds: float = 60.0) -> subprocess.Popen:
    """Another process that takes OUTPUT's lock, says so on stdout, then sleeps."""
    code = textwrap.dedent(f"""
        import sys, time
        from pipeline.storage.lock import writer_lock
        with writer_lock({str(output)!r}, command="holder"):
            print("locked", flush=True)
            time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_fails_naming_the_holder(tmp_path):
    holder = _holder(tmp_path)
    try:
        with pytest.raises(LockHeld) as err:
            with writer_lock(str(tmp_path)):
                pass
        assert f"pid {holder.pid}" in str(err.value)
        assert "holder" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holders_lock_is_taken_over(tmp_path):
    holder = _holder(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (tmp_path / LOCK).exists()  # the file stays behind; the kernel dropped the lock
    with writer_lock(str(tmp_path)):
        assert f'"pid": {os.getpid()}' in (tmp_path / LOCK).read_text()


def test_waiting_writer_gets_the_lock_when_it_is_released(tmp_path):
    holder = _holder(tmp_path, seconds=0.5)
    try:
        started = time.monotonic()
        with writer_lock(str(tmp_path), wait=30):
            waited = time.monotonic() - started
        assert waited < 30
    finally:
        holder.wait()


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    with writer_lock(str(tmp_path)):
        with writer_lock(str(tmp_path)):
            pass
        # still held by us after the inner block: another process is refused
        probe = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(f"""
                from pipeline.storage.lock import LockHeld, writer_lock
                try:
                    with writer_lock({str(tmp_path)!r}):
                        print("got it")
                except LockHeld:
                    print("refused")
            """)], cwd=ROOT, capture_output=True, text=True, check=True)
        assert probe.stdout.strip() == "refused"


def test_run_against_a_locked_output_exits_4_with_one_line(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.txt").write_text("A pier at dusk\nThe pier was lit for the festival.\n\n"
                                 "The town lit the pier for the summer festival on Friday.\n",
                                 encoding="utf-8")
    out = tmp_path / "out"
    holder = _holder(out)
    try:
        code = main(["run", "--input", str(inbox / "*.txt"), "--output", str(out),
                     "--progress", "off"])
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 4
    assert len(err) == 1 and "is being written by" in err[0]
    assert not (out / "articles").exists()
