"""The `article-ingest` command line (also `python -m pipeline`)."""
from __future__ import annotations

import argparse
import contextlib
import copy
import difflib
import errno
import logging
import os
import re
import signal
import stat
import sys

from pipeline import stop_signals, version
from pipeline.startup import QUIET_WORKERS, import_beam

__all__ = ["main"]

_RUN_HELP = """\
Reads dump files (one article per file), strips boilerplate, splits each article into its
parts and writes OUTPUT/articles/*.parquet, OUTPUT/rejects/*.parquet and OUTPUT/run.json.

Any Beam pipeline option is accepted as well and passed to Beam, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
  --direct_running_mode multi_processing --direct_num_workers 2
With no --runner the job runs on Beam's in-process local runner, fully offline.
--streaming with a runner that streams (Dataflow, Flink, Prism) starts a streaming job
instead: see docs/streaming-runners.md.
"""


def _quiet_logging(verbose: bool) -> None:
    """Beam logs a great deal, some of it at import time; users see it only with -v (the
    local runner's worker processes too: pipeline/startup.py)."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    os.environ[QUIET_WORKERS] = "0" if verbose else "1"
    if not verbose:
        logging.getLogger().setLevel(logging.ERROR)
        logging.getLogger("article_ingest").setLevel(logging.WARNING)
        # Beam logs a worker's failure at ERROR before raising it; the CLI reports it once.
        logging.getLogger("apache_beam").setLevel(logging.CRITICAL)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows each flag in its dashed spelling only (--max-file-bytes), though the underscore
    twin (--max_file_bytes) is accepted too."""

    def _format_action_invocation(self, action):
        strings = action.option_strings
        shown = [s for s in strings if "_" not in s or s.replace("_", "-") not in strings]
        if shown != strings:
            action = copy.copy(action)
            action.option_strings = shown
        return super()._format_action_invocation(action)


class _Parser(argparse.ArgumentParser):
    """argparse, as a command-line tool's user wants it: no abbreviated flags (Beam, which
    gets the same command line, does not expand them), and an error is one line, with the
    closest valid flag when one was mistyped, instead of the whole usage."""

    def __init__(self, *args, **kwargs):
        self.flags: dict[str, str] = {}  # every accepted spelling -> the one to suggest
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def add_argument(self, *args, **kwargs):
        action = super().add_argument(*args, **kwargs)
        _record_flags(self.flags, action.option_strings)
        return action

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {self.explain(message)}\n")

    def explain(self, message: str, known: dict[str, str] | None = None) -> str:
        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return message
        unknown = message[len(prefix):].split()
        return unrecognized(unknown, {**self.flags, **(known or {})})


def _record_flags(flags: dict[str, str], option_strings) -> None:
    longs = [s for s in option_strings if s.startswith("--")]
    if not longs:
        return
    dashed = next((s for s in longs if "_" not in s), longs[0])
    for spelling in longs:
        flags[spelling] = dashed


def unrecognized(unknown: list[str], flags: dict[str, str]) -> str:
    """'unrecognized argument --inptu (did you mean --input?)': for the first unknown flag."""
    flagged = [a for a in unknown if a.startswith("-")]
    first = flagged[0] if flagged else unknown[0] if unknown else ""
    rest = len(flagged) - 1
    text = f"unrecognized argument {first}" + (f" (and {rest} more)" if rest > 0 else "")
    match = difflib.get_close_matches(first.split("=", 1)[0], list(flags), n=1, cutoff=0.6)
    return text + (f" (did you mean {flags[match[0]]}?)" if match else "")


def _ingest_parser() -> argparse.ArgumentParser:
    from pipeline.options import IngestOptions

    parser = _Parser(prog="article-ingest run", description=_RUN_HELP)
    IngestOptions._add_argparse_args(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="Show Beam's own log lines.")
    parser.add_argument("--runner", help="Any Beam runner name; default: local and offline.")
    parser.add_argument(
        "--progress",
        choices=("auto", "live", "log", "off"),
        default="auto",
        help="Progress while a local run runs: 'live' redraws a status line, 'log' prints a "
        "plain line every --progress-interval seconds, 'off' neither. Default 'auto': live on "
        "a terminal, log lines otherwise (cron, CI, a redirected stderr). Runners other than "
        "the local one show their progress in their own UI.",
    )
    parser.add_argument(
        "--progress-interval",
        "--progress_interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="Seconds between progress log lines (--progress log). Default: 30.",
    )
    _add_watch_args(parser)
    return parser


def _add_watch_args(parser: argparse.ArgumentParser) -> None:
    """`run --watch` (docs/streaming.md): flags of the launcher's loop, not of the pipeline."""
    from pipeline.options import non_negative_seconds, positive_int

    group = parser.add_argument_group("continuous ingestion (docs/streaming.md)")
    group.add_argument(
        "--watch", action="store_true", default=False,
        help="Keep running: every --trigger-interval seconds ingest the new and changed inputs "
        "as one micro-batch, committed as an --incremental run (implied). Ends on SIGTERM or "
        "SIGINT (after the batch in flight) or --watch-timeout.")
    group.add_argument(
        "--trigger-interval", "--trigger_interval", type=_trigger_seconds, default=10.0, metavar="SECONDS",
        help="Seconds from one trigger to the next (fractions allowed, at least 0.1). Default: 10.")
    group.add_argument(
        "--settle", type=non_negative_seconds, default=2.0, metavar="SECONDS",
        help="A file modified less than this long ago waits for a later trigger (producers that "
        "write in place). Default: 2; 0 when every producer renames complete files into place.")
    group.add_argument(
        "--max-files-per-trigger", "--max_files_per_trigger", type=positive_int, default=None, metavar="N",
        help="At most N files a batch, the first in path order; the rest is the backlog, worked "
        "off batch after batch. Default: unlimited.")
    group.add_argument(
        "--watch-timeout", "--watch_timeout", type=non_negative_seconds, default=None, metavar="SECONDS",
        help="End the watch after this long, as SIGTERM does (tests, cron-bounded jobs).")
    group.add_argument(
        "--max-batch-failures", "--max_batch_failures", type=positive_int, default=5, metavar="N",
        help="Exit 1 after N failed batches in a row (each is retried at the next trigger). "
        "Default: 5.")
    group.add_argument(
        "--compact-at", "--compact_at", type=int, default=None, metavar="N",
        help="Compact a partition between batches once it holds N small files of a dataset "
        "(0: never). Default: 16.")
    for action in group._group_actions:  # a group's flags bypass _Parser.add_argument
        _record_flags(parser.flags, action.option_strings)
    # The flags of the watch's loop, refused in a run without --watch.
    parser.watch_only = {flag for action in group._group_actions for flag in action.option_strings} - {"--watch"}


def _beam_parser():
    """A parser of every Beam option, recording each flag it accepts."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    class BeamFlags(_BeamArgumentParser):
        def __init__(self):
            self.flags: dict[str, str] = {}
            super().__init__(allow_abbrev=False)

        def add_argument(self, *args, **kwargs):
            action = super().add_argument(*args, **kwargs)
            _record_flags(self.flags, action.option_strings)
            return action

        def error(self, message):  # the caller says it in one line, not under Beam's usage
            raise BeamFlagError(message)

    parser = BeamFlags()
    for cls in _all_option_classes():
        cls._add_argparse_args(parser)
    return parser


class BeamFlagError(Exception):
    """A bad value for one of Beam's own flags ('--direct_running_mode bogus')."""


def _unknown_flags(beam_args: list[str], parser) -> list[str]:
    """Flags that neither this tool nor any Beam options class knows (typos, mostly)."""
    _, unknown = parser.parse_known_args(beam_args)
    return [a for a in unknown if a.startswith("-")]


def _import_runner_options(runner: str | None) -> None:
    """A runner named by module path (Beam's Dask runner) defines its options in its module:
    import it so that its flags (--dask_client_address) are known, not refused as typos."""
    if runner and "." in runner:
        import importlib

        try:
            importlib.import_module(runner.rsplit(".", 1)[0])
        except ImportError:
            pass  # Beam reports a runner it cannot load


def _all_option_classes():
    from apache_beam.options.pipeline_options import PipelineOptions

    seen, stack = [], list(PipelineOptions.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return seen


# Flags of the CLI itself, not of the pipeline: removed before the rest goes to Beam.
_CLI_FLAGS_WITH_VALUE = ("--progress", "--progress-interval", "--progress_interval",
                         "--trigger-interval", "--trigger_interval", "--settle",
                         "--max-files-per-trigger", "--max_files_per_trigger",
                         "--watch-timeout", "--watch_timeout",
                         "--max-batch-failures", "--max_batch_failures", "--compact-at", "--compact_at")


def _without_cli_flags(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-v", "--verbose", "--watch"):
            continue
        elif arg in _CLI_FLAGS_WITH_VALUE:
            skip = True
        elif arg.split("=", 1)[0] in _CLI_FLAGS_WITH_VALUE:
            continue
        else:
            kept.append(arg)
    return kept


def _run_command(argv: list[str]) -> int:
    _quiet_logging("-v" in argv or "--verbose" in argv)
    import_beam()
    from pipeline.cli.progress import ProgressMonitor, choose_mode, note
    from pipeline.cli.summary import print_summary
    from pipeline.options import (
        LOCAL_RUNNERS,
        IngestOptions,
        UsageError,
        local_worker_processes,
        require_temp_dir,
    )
    from pipeline.run import RunFailed, root_cause, run
    from pipeline.storage.commit import CommitUnfinished
    from pipeline.storage.lock import LockHeld
    from pipeline.workers import forked_workers

    parser = _ingest_parser()
    args, beam_args = parser.parse_known_args(argv)
    _import_runner_options(args.runner)
    beam = _beam_parser()
    try:
        unknown = _unknown_flags(beam_args, beam)
    except BeamFlagError as err:  # before: Beam's usage of some 200 lines, as '__main__.py'
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    if unknown:
        parser.exit(2, f"{parser.prog}: error: {unrecognized(unknown, {**beam.flags, **parser.flags})}\n")
    if args.progress_interval <= 0:
        parser.error("--progress-interval must be a positive number of seconds")
    if not args.watch and (given := next((a.split("=", 1)[0] for a in argv
                                          if a.split("=", 1)[0] in parser.watch_only), None)):
        parser.error(f"{given} only applies to --watch (a run without it ingests once and ends)")
    options = IngestOptions(_without_cli_flags(argv))
    requested = "log" if args.verbose and args.progress == "auto" else args.progress
    mode = choose_mode(requested, sys.stderr, local=args.runner in LOCAL_RUNNERS)
    # Before any thread starts: the warm process that forks the workers is a copy of this one.
    warm = forked_workers() if local_worker_processes(options) else contextlib.nullcontext()
    if args.watch:
        with warm:
            return _watch(parser, args, options, mode)
    try:
        require_temp_dir()  # before the progress display makes its directory there
        with warm, ProgressMonitor(mode, sys.stderr, interval=args.progress_interval):
            summary = run(options, on_count=None if mode == "off" else note)
    except UsageError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    except LockHeld as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return err.exit_code
    except RunFailed as err:
        print_summary(err.summary, sys.stdout)
        print(f"article-ingest: run failed: {err}", file=sys.stderr)
        return err.exit_code
    except CommitUnfinished as err:
        if args.verbose:
            raise
        print(f"article-ingest: error: the run is committed, but its commit did not finish ({err}); "
              "the next run on this output finishes it", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - a failed run is one clear line; -v shows the traceback
        if args.verbose:
            raise
        if root_cause(err).startswith("KeyboardInterrupt"):  # Ctrl-C or SIGTERM, which Beam wraps
            print(f"article-ingest: {_stopped_by()}; nothing was committed", file=sys.stderr)
            return _interrupted_code()
        print(f"article-ingest: error: the run failed, nothing was committed: {root_cause(err)} "
              "(run again with -v for the traceback)", file=sys.stderr)
        return 1
    if summary.get("mode") == "streaming":
        print(f"streaming job {summary['job_id'] or summary['run_id']} on {summary['runner']}: "
              f"{summary['state']}; writing {summary['output']}")
        return 0
    print_summary(summary, sys.stdout)
    return 0


def _watch(parser: argparse.ArgumentParser, args, options, mode: str) -> int:
    """`run --watch`: the loop of pipeline/watch.py with a status line and signal handling."""
    import threading

    from apache_beam.options.pipeline_options import StandardOptions

    from pipeline.cli.progress import WatchDisplay, counted
    from pipeline.options import LOCAL_RUNNERS, UsageError, stream_flags
    from pipeline.run import root_cause
    from pipeline.storage.compact import AUTO_COMPACT_FILES
    from pipeline.storage.lock import LockHeld
    from pipeline.watch import WatchFailed, WatchSettings, handle_signals, watch

    if args.runner not in LOCAL_RUNNERS:
        parser.error("--watch runs its batches on the local runner; a streaming runner takes "
                     "--streaming instead (docs/streaming-runners.md)")
    if options.full_refresh:
        parser.error("--full-refresh cannot be combined with --watch (a watch only appends)")
    if options.view_as(StandardOptions).streaming or stream_flags(options):
        parser.error("--watch runs micro-batches on the local runner; --streaming and its flags "
                     "are for runners that stream (docs/streaming-runners.md)")
    if args.compact_at is not None and args.compact_at < 0:
        parser.error("--compact-at must be 0 (never) or a number of files")
    settings = WatchSettings(
        trigger_interval=args.trigger_interval, settle=args.settle,
        max_files_per_trigger=args.max_files_per_trigger, timeout=args.watch_timeout,
        max_batch_failures=args.max_batch_failures,
        compact_at=AUTO_COMPACT_FILES if args.compact_at is None else args.compact_at)
    display = WatchDisplay(mode, sys.stderr)
    stop = threading.Event()

    def stopping(name: str) -> None:
        display.message(f"article-ingest: {name}: stopping after the batch in flight "
                        "(send it again to abandon that batch)")

    try:
        with handle_signals(stop, stopping):
            status = watch(options, settings, stop=stop, on_trigger=display)
    except (UsageError, LockHeld) as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, UsageError) else err.exit_code
    except WatchFailed as err:
        display.close()
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        display.close()
        print("article-ingest: watch interrupted; the batch in flight was discarded or "
              "committed whole", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - e.g. an output it cannot write: one line, as in `run`
        if args.verbose:
            raise
        display.close()
        print(f"article-ingest: error: the watch failed: {root_cause(err)} (run again with -v for "
              "the traceback)", file=sys.stderr)
        return 1
    display.close()
    over = status.over_reject_rate
    over = f", {over:,} of them over --max-reject-rate" if over else ""
    print(f"watch stopped: {counted(status.batches, 'batch', 'batches')} committed{over}, "
          f"{counted(status.dumps, 'dump')}, {counted(status.articles, 'article')}, "
          f"{counted(status.duplicates, 'duplicate')}, {counted(status.rejects, 'reject')}; "
          f"backlog {status.backlog:,}")
    return 0


def _inspect_parser() -> argparse.ArgumentParser:
    from transforms.formats import FORMATS

    parser = _Parser(
        prog="article-ingest inspect",
        description="Show how one dump is split: every line labelled with the field it went to "
        "(title, alt, caption, credit, bullet, paragraph), 'boilerplate: RULE', or 'dropped: "
        "REASON'. Inputs in other formats (HTML, feeds, JSONL, WARC) show their record only.",
    )
    parser.add_argument("file", metavar="FILE", help="One dump file (any Beam filesystem path).")
    parser.add_argument("--json", action="store_true",
                        help="Print the record (article or reject row) as JSON instead.")
    parser.add_argument("--rules", default=None,
                        help="A TOML rules file layered over the default rules, as in 'run'.")
    parser.add_argument("--format", dest="markup", default="auto", choices=FORMATS,
                        help="How to read the file, as in 'run'. Default: auto.")
    parser.add_argument("--jsonl-field", "--jsonl_field", dest="jsonl_field", action="append",
                        default=[], type=_jsonl_field_arg, metavar="FIELD=KEY",
                        help="Which JSON key fills a record field in JSONL inputs, as in 'run'.")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="Colour the labels: 'auto' on a terminal unless NO_COLOR is set.")
    return parser


def _jsonl_field_arg(value: str) -> tuple[str, str]:
    from transforms.context import parse_jsonl_field

    try:
        return parse_jsonl_field(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _use_color(choice: str, stream) -> bool:
    if choice != "auto":
        return choice == "always"
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ \
        and os.environ.get("TERM") != "dumb"


# Shortest --trigger-interval: each idle trigger lists --input and writes _watch.json; at 0
# a watch busy-looped (1,289 triggers and 7.5 s of CPU in 10 s).
_MIN_TRIGGER_SECONDS = 0.1


def _trigger_seconds(value: str) -> float:
    from pipeline.options import non_negative_seconds

    seconds = non_negative_seconds(value)
    if seconds < _MIN_TRIGGER_SECONDS:
        raise argparse.ArgumentTypeError(f"expected at least {_MIN_TRIGGER_SECONDS} seconds, got {value!r}")
    return seconds


def _read_file(path: str) -> bytes:
    if "://" in path:
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as handle:
            return handle.read()
    # Opened without blocking: the open of a FIFO with no writer would wait for one for good.
    # A pipe is then read to its end (`inspect /dev/stdin`, `inspect <(zcat a.gz)`; a FIFO no
    # one writes to reads as empty), at most _MAX_INSPECT_BYTES; a device is refused.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb", closefd=True) as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode):
            os.set_blocking(fd, True)
            data = handle.read(_MAX_INSPECT_BYTES + 1)
            if len(data) > _MAX_INSPECT_BYTES:
                raise OSError(errno.EFBIG, f"more than {_MAX_INSPECT_BYTES} bytes")
            return data
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            raise OSError(errno.EINVAL, "not a regular file (a device or socket)")
        return handle.read()


_MAX_INSPECT_BYTES = 50 * 1024 * 1024  # what a run reads of one file by default


def _inspect_command(argv: list[str]) -> int:
    _quiet_logging(False)
    from pipeline.cli.inspect import inspect_bytes, records_json, render
    from transforms.rules import RulesError, load_rules

    args = _inspect_parser().parse_args(argv)
    try:
        rules = load_rules(args.rules)
    except RulesError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    try:
        data = _read_file(args.file)
    except OSError as err:
        print(f"article-ingest: error: cannot read {args.file!r}: {err.strerror or err}", file=sys.stderr)
        return 2
    inspection = inspect_bytes(data, args.file, rules, args.markup, tuple(args.jsonl_field))
    from schemas.record import storable_text  # a file name or field that is not UTF-8, escaped

    if args.json:
        print(storable_text(records_json(inspection.outcomes, source_file=args.file, pipeline_version=version(),
                                         rules_fingerprint=rules.fingerprint)))
    else:
        sys.stdout.write(storable_text(render(inspection, color=_use_color(args.color, sys.stdout))))
    return 0


def _report_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="article-ingest report",
        description="Write one self-contained HTML file (no network needed to open it) about an "
        "output directory: articles per publisher and per day, word counts, captions, credits "
        "and bullets, boilerplate rules hit, rejects with examples, duplicates.",
    )
    parser.add_argument("directory", metavar="DIR", help="An output directory of 'run' (local).")
    parser.add_argument("--out", default=None, help="Where to write the HTML. Default: DIR/report.html")
    return parser


def _report_command(argv: list[str]) -> int:
    _quiet_logging(False)
    from pipeline.cli.report import ReportError, write_report

    args = _report_parser().parse_args(argv)
    try:
        import duckdb  # noqa: F401 - the report extra: checked before any work
        import matplotlib  # noqa: F401
    except ImportError as err:
        print(f"article-ingest: error: report needs {err.name}, in the report extra: "
              "pip install 'article-ingest[report]'", file=sys.stderr)
        return 2
    try:
        path = write_report(args.directory, args.out)
    except ReportError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an --out that cannot be written
        print(f"article-ingest: error: cannot write the report: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _compact_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="article-ingest compact",
        description="Rewrite each partition's small article, reject and duplicate files into few "
        "files of up to 128 MiB, with identical records. Commits as a run does (killed at any "
        "moment, the dataset is as it was or fully compacted once the next writer starts) and "
        "takes the output's writer lock (docs/maintenance.md).",
    )
    parser.add_argument("output", metavar="OUTPUT", help="An output directory of 'run'.")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="Wait this long for another writer (a run, a watch) to finish. "
                        "Default: fail at once.")
    return parser


def _compact_command(argv: list[str]) -> int:
    _quiet_logging(False)
    import_beam()
    from pipeline.storage.commit import CommitUnfinished
    from pipeline.storage.compact import compact
    from pipeline.storage.lock import LockHeld, writer_lock
    from pipeline.storage.state import is_local, read_bytes, state_path

    args = _compact_parser().parse_args(argv)
    if is_local(args.output) and not os.path.isdir(args.output):
        print(f"article-ingest: error: {args.output!r} is not a directory", file=sys.stderr)
        return 2
    if read_bytes(state_path(args.output.rstrip("/") or ".")) is None:
        # Not an output: taking its lock would leave a '_lock' file that runs read as input.
        print(f"article-ingest: error: {args.output!r} holds no committed run (no _state/state.json): "
              "nothing to compact", file=sys.stderr)
        return 2
    try:
        with writer_lock(args.output.rstrip("/") or ".", wait=args.wait, command="compact"):
            summary = compact(args.output)
    except (LockHeld, CommitUnfinished, OSError) as err:
        return _write_failure("compact", err)
    before, after = summary["files_before"], summary["files_after"]
    if before == after:
        print(f"nothing to compact in {args.output}")
        return 0
    parts = ", ".join(f"{d} {before[d]:,} -> {after[d]:,}" for d in before if before[d])
    print(f"compacted {sum(before.values()):,} files into {sum(after.values()):,} in "
          f"{summary['partitions']:,} partitions ({parts}); run {summary['run_id']}")
    return 0


def _write_failure(command: str, err: Exception) -> int:
    """The one line, and the exit code, of compact or purge that could not write its output:
    another writer holds it (4), its commit did not finish, or the output cannot be written
    (read-only, full: 1)."""
    from pipeline.storage.commit import CommitUnfinished
    from pipeline.storage.lock import LockHeld

    if isinstance(err, LockHeld):
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return err.exit_code
    if isinstance(err, CommitUnfinished):
        print(f"article-ingest: error: the {command} is committed, but its commit did not finish: {err}; "
              "the next run on this output finishes it", file=sys.stderr)
    else:
        print(f"article-ingest: error: {command} failed, nothing was changed: {err}", file=sys.stderr)
    return 1


def _purge_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="article-ingest purge",
        description="Remove records from an output directory, for a takedown or an erasure "
        "request: every articles, rejects and duplicates row of the given source_uri (a "
        "record's, or an input file's: all its records) or article_id. Atomic, recorded in "
        "OUTPUT/_runs/, and it sticks: later runs write a 'purged' reject instead of the "
        "record (docs/maintenance.md).",
    )
    parser.add_argument("output", metavar="OUTPUT", help="An output directory of 'run'.")
    parser.add_argument("--source-uri", dest="source_uris", action="append", default=[], metavar="URI",
                        help="A record's source_uri, or an input file: all its records (repeatable).")
    parser.add_argument("--article-id", dest="article_ids", action="append", default=[], metavar="ID",
                        help="An article_id: its record and every duplicates row (repeatable).")
    parser.add_argument("--keep-runs", "--keep_runs", dest="keep_runs", type=int, default=1000, metavar="N",
                        help="Keep at most N records in the run history. Default: 1000.")
    return parser


def _purge_command(argv: list[str]) -> int:
    _quiet_logging(False)
    import_beam()
    from pipeline.purge import PurgeError, purge
    from pipeline.storage.commit import CommitUnfinished
    from pipeline.storage.lock import LockHeld

    parser = _purge_parser()
    args = parser.parse_args(argv)
    if not args.source_uris and not args.article_ids:
        parser.error("give at least one --source-uri or --article-id")
    if bad := [i for i in args.article_ids if not re.fullmatch(r"[0-9a-f]{32}", i)]:
        parser.error(f"--article-id takes an article_id, 32 hex digits: not {bad[0]!r}")
    if args.keep_runs < 1:
        parser.error("--keep-runs must be at least 1")
    # A local path as runs store it, absolute ('land/a.txt' from the shell names the input
    # a run in any directory stored as '/data/land/a.txt').
    uris = [uri if "://" in uri or os.path.isabs(uri) else os.path.abspath(uri) for uri in args.source_uris]
    try:
        record = purge(args.output, source_uris=uris, article_ids=args.article_ids,
                       keep_runs=args.keep_runs)
    except PurgeError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    except (LockHeld, CommitUnfinished, OSError) as err:
        return _write_failure("purge", err)
    removed = record["removed"]
    print(f"purged {removed['articles']:,} article, {removed['rejects']:,} reject and "
          f"{removed['duplicates']:,} duplicate rows; recorded in "
          f"{record['output']}/_runs/{record['run_id']}.json")
    return 0


_COMMANDS = {
    "run": ("Run the ingest job (see 'article-ingest run --help').", _run_command),
    "inspect": ("Show how one dump is split, line by line.", _inspect_command),
    "report": ("Write an HTML quality report about an output directory.", _report_command),
    "compact": ("Merge each partition's small Parquet files (see 'article-ingest compact --help').",
                _compact_command),
    "purge": ("Remove records for a takedown or an erasure request (see 'article-ingest purge --help').",
              _purge_command),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _Parser(
        prog="article-ingest",
        description="Turn raw news-article dumps into clean, structured Parquet with Apache Beam.",
    )
    top.add_argument("-V", "--version", action="version", version=f"article-ingest {version()}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _) in _COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        top.print_help()
        return 0
    if argv[0] in ("-v", "--verbose") and argv[1:2] == ["run"]:
        argv[:2] = argv[1], argv[0]  # 'article-ingest -v run ...': run's own flag
    if argv[0] not in _COMMANDS:
        if argv[0].startswith("-"):
            top.parse_args(argv[:1])  # --version exits 0; an unknown flag is a usage error
        match = difflib.get_close_matches(argv[0], list(_COMMANDS), n=1)
        hint = f" (did you mean {match[0]}?)" if match else f" (choose from {', '.join(_COMMANDS)})"
        top.exit(2, f"article-ingest: error: unknown command {argv[0]!r}{hint}\n")
    return _COMMANDS[argv[0]][1](argv[1:])


def entry() -> None:
    """The console script and `python -m pipeline`: main(), then a fast exit (see exit_fast).

    Output piped into a reader that stops early (`inspect --json F | head`) ends the
    program quietly, as other command-line tools end, with 141 (128 + SIGPIPE)."""
    for stream in (sys.stdout, sys.stderr):
        # An ASCII terminal or locale (LC_ALL=C without Python's UTF-8 mode): a name or text
        # it cannot show is printed with backslash escapes, not a UnicodeEncodeError.
        if (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "") != "utf8" and hasattr(
                stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    if sys.stdout is None:  # started with stdout closed ('>&-'): what it prints goes nowhere
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the process's life
    if sys.stderr is None:  # likewise stderr ('2>&-')
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's life
    if sys.argv[1:2] != ["inspect"]:  # a report on stdout; inspect's output is its product
        sys.stdout = _ReportStream(sys.stdout)
    try:
        for signum in stop_signals():  # in the try: a signal right after is handled
            signal.signal(signum, _on_sigterm)
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        code = _closed_pipe()
    except KeyboardInterrupt as err:  # Ctrl-C: one line and 130 (128 + SIGINT), as shells expect
        with contextlib.suppress(OSError):  # a hung-up terminal (SIGHUP) takes no line
            print(interrupted_line(err), file=sys.stderr)
        code = _interrupted_code()
    exit_fast(code)


class _ReportStream:
    """Standard output for a command whose work is not its output (run, purge, compact): a
    report that cannot be written (a cron log on a full disk) says so in one line on stderr
    and is dropped, and the command's exit code stays its work's. A closed pipe still ends
    the command quietly (BrokenPipeError, see entry)."""

    def __init__(self, stream):
        self._stream = stream
        self._failed = False

    def _guard(self, call, *args):
        if self._failed:
            return None
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as err:
            self._failed = True
            with contextlib.suppress(OSError):
                print(f"article-ingest: cannot write the report to standard output ({err.strerror or err}); "
                      "the command's work is not affected", file=sys.stderr)
            return None

    def write(self, text: str) -> int:
        written = self._guard(self._stream.write, text)
        return len(text) if written is None else written

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


_terminated = 0  # the signal that stopped the command, if one did


def _on_sigterm(signum, frame) -> None:
    """SIGTERM (`kill`, `docker stop`, `systemctl stop`) and SIGHUP (a closed terminal or ssh
    session) stop a command as Ctrl-C does: what it staged is discarded, its temporary files
    removed, and it exits 128 + the signal's number (143, 129). Without a handler the process
    would die leaving its temporary files, and as a container's process 1 it would ignore
    SIGTERM. A watch takes both over while it runs, to end after the batch in flight."""
    global _terminated
    _terminated = signum
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _stopped_by() -> str:
    return f"terminated ({signal.Signals(_terminated).name})" if _terminated else "interrupted"


def _interrupted_code() -> int:
    return 128 + _terminated if _terminated else 130


def interrupted_line(err: KeyboardInterrupt) -> str:
    """What a Ctrl-C or SIGTERM says: before a commit's point nothing was committed; after
    it, the run is. Imports nothing: a Ctrl-C may have stopped an import half-way."""
    commit = sys.modules.get("pipeline.storage.commit")
    if commit is not None and isinstance(err, getattr(commit, "CommitInterrupted", ())):
        return (f"article-ingest: {_stopped_by()}: the run is committed, but its commit did not finish; "
                "the next run on this output finishes it")
    return f"article-ingest: {_stopped_by()}; nothing was committed"


def _closed_pipe() -> int:
    # What is left in stdout's buffer can go nowhere: point it at /dev/null, so that no
    # later flush fails again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def exit_fast(code: int) -> None:
    """Ends the process with `code` by a normal exit (sys.exit: exit handlers run, logging is
    flushed, thread pools finish, temporary files are removed), without the garbage
    collector's passes over every object Beam created: gc.freeze() takes them out of all
    later collections. After a small local run the exit then takes about 0.15 s instead of
    1.5 s (medians of 9, on a busy 2-core machine). Only for the process's last step: the run
    is committed and every file closed by then."""
    import gc

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it anyway
            pass
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
