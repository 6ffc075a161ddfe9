"""Live progress of a local run: a status line on a terminal, periodic log lines elsewhere.

Beam's local runner blocks in `pipeline.run()` and only reports its metrics at the end, so
progress travels another way. While `article-ingest run` runs a job locally it sets
`ARTICLE_INGEST_PROGRESS_DIR` to a fresh temporary directory and hands `note` to the run
(`run(options, on_count=note)`), whose ingest DoFn calls it for every counter it
increments. In a process where that variable is set, `note()` keeps running totals and
writes them atomically to `<dir>/<pid>.json`, at most every quarter second (a small thread
writes the last counts of a burst). A monitor thread in the CLI sums those files and shows
them.

Why files and not shared memory: the in-process runner runs the DoFn in the CLI's own
process, but `--direct_running_mode multi_processing` runs it in worker subprocesses, which
inherit the environment and so report too. Workers of a remote runner (Dataflow, Flink,
Spark) never have the variable: `note()` is a no-op there, and the CLI shows no live
display for such runners (their own UI shows the same Beam counters live).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "MODES",
    "Progress",
    "ProgressMonitor",
    "WatchDisplay",
    "choose_mode",
    "counted",
    "format_batch",
    "format_over_rate",
    "format_progress",
    "format_watch",
    "note",
    "read_progress",
]

ENV_VAR = "ARTICLE_INGEST_PROGRESS_DIR"
MODES = ("auto", "live", "log", "off")
_FLUSH_SECONDS = 0.25
_LIVE_REFRESH_SECONDS = 0.5

# ---------------------------------------------------------------------------------------
# Worker side: called from the DoFn, in whatever process runs it.


class _Tally:
    """Running totals of one process for one progress directory."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.counts = {"files": 0, "articles": 0, "rejects": 0}
        self.last_flush = 0.0
        self.dirty = False

    def flush(self) -> None:
        target = Path(self.directory) / f"{os.getpid()}.json"
        tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps(self.counts), encoding="utf-8")
            os.replace(tmp, target)
        except OSError:
            pass  # the run finished and removed the directory, or the disk is full: not our job
        self.last_flush = time.monotonic()
        self.dirty = False


def _flush_behind(tally: _Tally) -> None:
    """Writes the last counts of a burst that no later note() would write, until the run
    that owns the directory ends (it removes the directory) or another run starts."""
    while os.path.isdir(tally.directory):
        time.sleep(_FLUSH_SECONDS or 0.05)
        with _tally_lock:
            if _tally is not tally:
                return
            if tally.dirty:
                tally.flush()


_tally: _Tally | None = None
_tally_lock = threading.Lock()


def _progress_key(counter: str) -> str | None:
    if counter == "files_matched":
        return "files"
    if counter == "articles":
        return "articles"
    if counter.startswith("rejected:"):
        return "rejects"
    return None


def note(counter: str, n: int = 1) -> None:
    """Records a Beam counter increment for the live display; a no-op unless a local CLI run
    asked for progress (see the module docstring)."""
    key = _progress_key(counter)  # first: most counters are not shown (a rule's, a format's)
    if key is None:
        return
    directory = os.environ.get(ENV_VAR)
    if not directory:
        return
    global _tally
    with _tally_lock:
        if _tally is None or _tally.directory != directory:
            _tally = _Tally(directory)  # a new run in this process starts from zero
            threading.Thread(target=_flush_behind, args=(_tally,), name="article-ingest-progress-flush",
                             daemon=True).start()
        _tally.counts[key] += n
        _tally.dirty = True
        if time.monotonic() - _tally.last_flush >= _FLUSH_SECONDS or _tally.last_flush == 0.0:
            _tally.flush()


# ---------------------------------------------------------------------------------------
# CLI side: read the workers' files and show them.


@dataclasses.dataclass(frozen=True)
class Progress:
    files: int = 0
    articles: int = 0
    rejects: int = 0


def read_progress(directory: str | Path) -> Progress:
    """The totals of every worker process that reported into `directory` so far."""
    files = articles = rejects = 0
    for path in Path(directory).glob("*.json"):
        try:
            counts = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # replaced or removed while we read it; the next tick sees it
        files += int(counts.get("files", 0))
        articles += int(counts.get("articles", 0))
        rejects += int(counts.get("rejects", 0))
    return Progress(files, articles, rejects)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_progress(progress: Progress, elapsed: float) -> str:
    """One line: files read, articles written, rejects, rate and elapsed time."""
    rate = progress.files / elapsed if elapsed > 0 else 0.0
    return (
        f"{progress.files:,} files read · {progress.articles:,} articles · "
        f"{progress.rejects:,} rejects · {rate:,.1f} files/s · {_clock(elapsed)} elapsed"
    )


def choose_mode(requested: str, stream, local: bool) -> str:
    """'live', 'log' or 'off' for a run: `auto` means live on a terminal, log lines when the
    output goes to a file or a scheduler's log, and nothing for remote runners."""
    if requested == "off" or not local:
        return "off"
    if requested in ("live", "log"):
        return requested
    is_tty = getattr(stream, "isatty", lambda: False)()
    if is_tty and os.environ.get("TERM") != "dumb":
        return "live"
    return "log"


def write_quietly(stream, text: str) -> None:
    """Write and flush; a closed stream must never fail a run or a watch."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


class ProgressMonitor:
    """Context manager around a local run: sets up the progress directory and shows progress.

    mode: 'live' (a status line redrawn every `refresh` seconds), 'log' (a plain line every
    `interval` seconds) or 'off' (does nothing).
    """

    def __init__(self, mode: str, stream=None, interval: float = 30.0,
                 refresh: float = _LIVE_REFRESH_SECONDS) -> None:
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self.interval = refresh if mode == "live" else interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._directory: str | None = None
        self._previous_env: str | None = None
        self._started = 0.0

    def __enter__(self):
        if self.mode == "off":
            return self
        self._directory = tempfile.mkdtemp(prefix="article-ingest-progress-")
        self._previous_env = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self._directory
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="article-ingest-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.mode == "off":
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.mode == "live":
            self._write("\r\x1b[2K")  # the summary table replaces the status line
        if self._previous_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous_env
        shutil.rmtree(self._directory, ignore_errors=True)

    def current(self) -> Progress:
        return read_progress(self._directory) if self._directory else Progress()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            line = format_progress(self.current(), time.monotonic() - self._started)
            if self.mode == "live":
                width = shutil.get_terminal_size((100, 20)).columns
                self._write("\r\x1b[2K" + line[: max(width - 1, 20)])
            else:
                self._write(f"article-ingest: progress: {line}\n")

    def _write(self, text: str) -> None:
        write_quietly(self.stream, text)


# ---------------------------------------------------------------------------------------
# A watch (`run --watch`, pipeline/watch.py): a status line, or a log line per batch.


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 batch', '3 batches', '1,204 dumps'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def format_watch(status) -> str:
    """One line about a watch: batches committed, dumps and articles so far, backlog, and
    how long the last batch took from its trigger to its commit."""
    last = status.last_batch
    latency = f"last batch {counted(last['files'], 'dump')} in {last['seconds']:.1f} s" if last else "no batch yet"
    failing = f" · {status.failures_in_a_row} failed in a row" if status.failures_in_a_row else ""
    return (f"watching · {counted(status.batches, 'batch', 'batches')} · {counted(status.dumps, 'dump')} · "
            f"{counted(status.articles, 'article')} · backlog {status.backlog:,} · {latency}{failing}")


def format_batch(summary: dict, seconds: float, backlog: int) -> str:
    """The log line of one committed batch."""
    duplicates = summary.get("duplicates", 0)
    duplicates = sum(duplicates.values()) if isinstance(duplicates, dict) else int(duplicates or 0)
    return (f"batch {summary['run_id']} committed: {counted(summary['files_processed'], 'dump')}, "
            f"{counted(summary['articles'], 'article')}, {counted(duplicates, 'duplicate')}, "
            f"{counted(summary['rejects'], 'reject')} in {seconds:.2f} s; backlog {backlog:,}")


def format_over_rate(summary: dict, output: str) -> str:
    """The line of a watch's batch committed over --max-reject-rate (docs/streaming.md)."""
    by_reason = summary.get("rejects_by_reason", {})
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in by_reason.items())
    rejects, inputs = summary["rejects"], summary["inputs"]
    return (f"warning: batch {summary['run_id']} committed over --max-reject-rate: {rejects:,} of "
            f"{inputs:,} inputs rejected ({rejects / inputs:.1%}; {reasons}); see {output}/rejects/")


class WatchDisplay:
    """What a person sees of a watch: mode 'live' redraws a status line after every trigger,
    'log' prints a line per committed batch, 'off' no progress. Failures, and batches
    committed over --max-reject-rate, are a line in every mode: they are warnings and
    errors, not progress."""

    def __init__(self, mode: str, stream=None) -> None:
        self.mode = mode
        self.stream = stream if stream is not None else sys.stderr
        self._shown_failures = 0

    def __call__(self, status, summary: dict | None) -> None:
        lines = []
        if status.failures_in_a_row and status.failures_in_a_row != self._shown_failures:
            lines.append("article-ingest: " + status.failure_line())
        self._shown_failures = status.failures_in_a_row
        if summary is not None and self.mode == "log":
            lines.append("article-ingest: " + format_batch(summary, status.last_batch["seconds"],
                                                           status.backlog))
        if summary is not None and summary.get("over_max_reject_rate"):
            lines.append("article-ingest: " + format_over_rate(summary, status.output))
        if self.mode == "live":
            width = shutil.get_terminal_size((100, 20)).columns
            text = "".join("\r\x1b[2K" + line + "\n" for line in lines)
            self._write(text + "\r\x1b[2K" + format_watch(status)[: max(width - 1, 20)])
        elif lines:
            self._write("".join(line + "\n" for line in lines))

    def message(self, text: str) -> None:
        """A line of its own (a signal received, the watch ending)."""
        if self.mode == "live":
            self._write("\r\x1b[2K" + text + "\n")
        elif self.mode == "log":
            self._write(text + "\n")

    def close(self) -> None:
        if self.mode == "live":
            self._write("\n")

    def _write(self, text: str) -> None:
        write_quietly(self.stream, text)
