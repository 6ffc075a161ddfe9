"""`article-ingest run --watch`: continuous micro-batches over a landing area (docs/streaming.md).

The model is Spark Structured Streaming's file source: every --trigger-interval seconds the
watch takes the new and changed inputs and ingests them as one batch, which is an
`--incremental` run (pipeline/run.py) with its own run_id, committed atomically as a
scheduled run is. The watch holds the output's writer lock throughout, so a scheduled run
cannot commit in between; batches go through the lock re-entrantly.

What a trigger takes (pipeline/storage/inputs.py, `Selection`): not files still being
landed (a hidden or temporary name), not files modified less than --settle seconds ago,
and at most --max-files-per-trigger files, the first in path order. What it leaves is the
backlog; with files left over the limit the next batch starts at once.

Stopping: `stop` (set by SIGTERM/SIGINT in the CLI) or --watch-timeout ends the loop once
the batch in flight has committed (or failed and been discarded): a batch is never cut in
half. A SIGKILL at any moment is what the commit protocol is for: the next start rolls a
begun commit forward and discards a staged batch without a manifest, so the inputs of that
batch are processed again, once.

A failing batch is logged and retried at the next trigger; after --max-batch-failures
failures in a row the watch raises WatchFailed (exit code 1). A batch over --max-reject-rate
is not a failure here: retrying cannot change its inputs' rejects, so it is committed with
them and reported (counted in `over_reject_rate`), and the watch goes on. Each trigger writes
OUTPUT/_watch.json atomically (state, batches, backlog, last batch, time) for liveness
checks.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable

from pipeline import stop_signals
from pipeline.options import IngestOptions
from pipeline.run import RunFailed, root_cause, run_batch, validate
from pipeline.storage.commit import recover
from pipeline.storage.compact import AUTO_COMPACT_FILES, compact
from pipeline.storage.inputs import Selection
from pipeline.storage.lock import still_held, writer_lock
from pipeline.storage.state import write_atomic

__all__ = ["STATUS_FILE", "WatchFailed", "WatchSettings", "WatchStatus", "handle_signals", "watch"]

_LOG = logging.getLogger("article_ingest")

STATUS_FILE = "_watch.json"
_TICK = 0.1  # how often a sleeping watch looks at its stop flag


class WatchFailed(Exception):
    """Too many batches failed in a row; the message is the one line a supervisor shows."""

    exit_code = 1


@dataclasses.dataclass(frozen=True)
class WatchSettings:
    trigger_interval: float = 10.0
    settle: float = 2.0
    max_files_per_trigger: int | None = None
    timeout: float | None = None
    max_batch_failures: int = 5
    compact_at: int = AUTO_COMPACT_FILES  # small files a partition holds before compaction; 0: never


@dataclasses.dataclass
class WatchStatus:
    """What the status line and OUTPUT/_watch.json show."""

    input: str
    output: str
    pid: int
    started_at: str
    state: str = "starting"  # starting, running, stopped, failed, interrupted
    updated_at: str = ""
    triggers: int = 0
    batches: int = 0
    dumps: int = 0
    articles: int = 0
    duplicates: int = 0
    rejects: int = 0
    backlog: int = 0
    failures_in_a_row: int = 0
    over_reject_rate: int = 0  # batches committed over --max-reject-rate
    compactions: int = 0
    last_batch: dict | None = None
    last_error: str | None = None

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    def failure_line(self) -> str:
        """The line about the last failed batch: retried at the next trigger, unless it was
        the last one the watch allows."""
        retry = "not retried" if self.state == "failed" else "retried at the next trigger"
        return f"batch failed ({self.failures_in_a_row} in a row), {retry}: {self.last_error}"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _write_status(status: WatchStatus) -> None:
    status.updated_at = _now()
    data = json.dumps(status.to_json(), indent=2).encode("utf-8") + b"\n"
    try:
        write_atomic(f"{status.output}/{STATUS_FILE}", data)
    except OSError as err:  # a full disk must not end the watch: the batch itself will say so
        _LOG.warning("could not write %s: %s", STATUS_FILE, err)


def _deferred(summary: dict) -> tuple[int, int]:
    deferred = summary.get("files_deferred") or {}
    return int(deferred.get("unsettled", 0)), int(deferred.get("over_limit", 0))


def _record(status: WatchStatus, summary: dict, seconds: float) -> None:
    """Adds a committed batch to the totals."""
    duplicates = summary.get("duplicates", 0)
    duplicates = sum(duplicates.values()) if isinstance(duplicates, dict) else int(duplicates or 0)
    status.batches += 1
    status.dumps += int(summary.get("files_processed", 0))
    status.articles += int(summary.get("articles", 0))
    status.duplicates += duplicates
    status.rejects += int(summary.get("rejects", 0))
    over = bool(summary.get("over_max_reject_rate"))
    status.over_reject_rate += over
    status.last_batch = {"run_id": summary["run_id"], "files": summary.get("files_processed", 0),
                         "articles": summary.get("articles", 0), "duplicates": duplicates,
                         "rejects": summary.get("rejects", 0), "over_max_reject_rate": over,
                         "seconds": round(seconds, 3), "committed_at": _now()}


def _sleep_until(moment: float, stop: threading.Event, deadline: float | None) -> None:
    end = moment if deadline is None else min(moment, deadline)
    while not stop.is_set() and (remaining := end - time.monotonic()) > 0:
        time.sleep(min(_TICK, remaining))


def watch(options: IngestOptions, settings: WatchSettings, *, stop: threading.Event | None = None,
          on_trigger: Callable[[WatchStatus, dict | None], None] | None = None) -> WatchStatus:
    """Runs batches until `stop` is set or settings.timeout passes; returns the final status.

    `on_trigger(status, summary)` is called after every trigger: `summary` is the committed
    batch's summary, or None when the trigger committed nothing (idle or failed). Raises
    UsageError and LockHeld before the first batch (OSError when the output cannot be
    written), WatchFailed after too many failures."""
    options.incremental = True
    validate(options, watching=True)
    stop = stop or threading.Event()
    output = options.output.rstrip("/") or "."
    status = WatchStatus(input=options.input, output=output, pid=os.getpid(), started_at=_now())
    deadline = None if settings.timeout is None else time.monotonic() + settings.timeout
    with writer_lock(output, command="run --watch"):
        try:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                trigger = time.monotonic()
                if not still_held(output):
                    status.state = "failed"
                    _write_status(status)
                    raise WatchFailed(f"the watch stopped: {output}/_lock was removed or replaced while the "
                                      "watch held it (the output's contents deleted?); another writer could "
                                      "take the output beside it. Start the watch again")
                summary = _trigger(options, settings, status, stop)
                _write_status(status)
                if on_trigger is not None:
                    on_trigger(status, summary if summary and summary.get("run_id") else None)
                if status.state == "failed":
                    raise WatchFailed(f"the watch stopped: {status.failures_in_a_row} batches failed in a "
                                      f"row; the last failure: {status.last_error}")
                if summary and summary.get("run_id") and _deferred(summary)[1]:
                    continue  # a backlog over --max-files-per-trigger: the next batch at once
                _sleep_until(trigger + settings.trigger_interval, stop, deadline)
        except KeyboardInterrupt:
            # A second signal: the batch in flight is abandoned. Roll its commit forward if
            # it had begun, else discard it, so nothing is left for the next start to do.
            recover(output)
            status.state = "interrupted"
            _write_status(status)
            raise
    status.state = "stopped"
    _write_status(status)
    return status


def _trigger(options: IngestOptions, settings: WatchSettings, status: WatchStatus,
             stop: threading.Event) -> dict | None:
    """One trigger: a batch (or nothing to take), then compaction when it is due (not when
    the watch is stopping: the next start does it)."""
    status.triggers += 1
    status.state = "running"
    clock = time.monotonic()
    selection = Selection(options.input, settle=settings.settle, now=time.time(),
                          max_files=settings.max_files_per_trigger)
    try:
        summary = run_batch(options, selection)
    except RunFailed as err:
        return _failed(status, str(err), settings.max_batch_failures)
    except Exception as err:  # noqa: BLE001 - a failed batch is retried; its inputs were not committed
        if _interrupted(err):  # Beam may wrap a KeyboardInterrupt raised in its wait
            raise KeyboardInterrupt from err
        return _failed(status, root_cause(err), settings.max_batch_failures)
    status.failures_in_a_row = 0
    status.backlog = sum(_deferred(summary))
    if summary["status"] == "idle":
        return summary
    _record(status, summary, time.monotonic() - clock)
    if summary.get("over_max_reject_rate"):  # the CLI shows it (on_trigger), as a failure
        _LOG.info("batch %s committed over --max-reject-rate: %s of %s inputs rejected",
                  summary["run_id"], summary["rejects"], summary["inputs"])
    if settings.compact_at and not stop.is_set():
        try:
            result = compact(status.output, min_files=settings.compact_at, tiered=True)
        except Exception as err:  # noqa: BLE001 - compaction is housekeeping: never fatal
            _LOG.warning("compaction failed (the dataset is unchanged or rolled forward next "
                         "time): %s", root_cause(err))
        else:
            status.compactions += result["files_before"] != result["files_after"]
    return summary


def _interrupted(err: BaseException | None) -> bool:
    while err is not None:
        if isinstance(err, KeyboardInterrupt):
            return True
        err = err.__cause__ or err.__context__
    return False


def _failed(status: WatchStatus, reason: str, max_failures: int) -> None:
    """Counts a failed batch and drops what it staged (a commit it had begun is finished);
    the `max_failures`th in a row sets the state to "failed": the watch ends after it."""
    try:
        recover(status.output)
    except OSError as err:  # a full disk again: the next batch's start retries this
        _LOG.info("could not clean up the failed batch yet: %s", err)
    status.failures_in_a_row += 1
    status.last_error = reason
    if status.failures_in_a_row >= max_failures:
        status.state = "failed"
    # The CLI shows it (on_trigger); -v and library users see it in the log as well.
    _LOG.info("%s", status.failure_line())


@contextlib.contextmanager
def handle_signals(stop: threading.Event, on_stop: Callable[[str], None] | None = None):
    """SIGTERM, SIGINT and SIGHUP set `stop` (the watch ends after the batch in flight); a second
    one raises KeyboardInterrupt at once. Only the main thread can install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if on_stop is not None:
            on_stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, *stop_signals())}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
