"""The `article-ingest` command line (also `python -m pipeline`)."""
from __future__ import annotations

import argparse
import logging
import sys

__all__ = ["main"]

_RUN_HELP = """\
Reads dump files (one article per file), strips boilerplate, splits each article into its
parts and writes OUTPUT/articles/*.parquet, OUTPUT/rejects/*.parquet and OUTPUT/run.json.

Any Beam pipeline option is accepted as well and passed to Beam, e.g.
  --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
  --direct_running_mode multi_processing --direct_num_workers 2
With no --runner the job runs on Beam's in-process local runner, fully offline.
"""


def _quiet_logging(verbose: bool) -> None:
    """Beam logs a great deal, some of it at import time; users see it only with -v."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger().setLevel(logging.ERROR)
        logging.getLogger("article_ingest").setLevel(logging.WARNING)
        # Beam logs a worker's failure at ERROR before raising it; the CLI reports it once.
        logging.getLogger("apache_beam").setLevel(logging.CRITICAL)


def _ingest_parser() -> argparse.ArgumentParser:
    from pipeline.options import IngestOptions

    parser = argparse.ArgumentParser(
        prog="article-ingest run",
        description=_RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    IngestOptions._add_argparse_args(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="Show Beam's own log lines.")
    parser.add_argument("--runner", help="Any Beam runner name; default: local and offline.")
    parser.add_argument(
        "--progress",
        choices=("auto", "live", "log", "off"),
        default="auto",
        help="Progress while a local run runs: 'live' redraws a status line, 'log' prints a "
        "plain line every --progress_interval seconds, 'off' neither. Default 'auto': live on "
        "a terminal, log lines otherwise (cron, CI, a redirected stderr). Runners other than "
        "the local one show their progress in their own UI.",
    )
    parser.add_argument(
        "--progress_interval",
        "--progress-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="Seconds between progress log lines (--progress log). Default: 30.",
    )
    return parser


def _unknown_flags(beam_args: list[str]) -> list[str]:
    """Flags that neither this tool nor any Beam options class knows (typos, mostly)."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in _all_option_classes():
        cls._add_argparse_args(parser)
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
_CLI_FLAGS_WITH_VALUE = ("--progress", "--progress_interval", "--progress-interval")


def _without_cli_flags(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-v", "--verbose"):
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
    from pipeline.options import LOCAL_RUNNERS, IngestOptions
    from pipeline.cli.progress import ProgressMonitor, choose_mode
    from pipeline.run import RunFailed, UsageError, run
    from pipeline.cli.summary import print_summary

    parser = _ingest_parser()
    args, beam_args = parser.parse_known_args(argv)
    _import_runner_options(args.runner)
    unknown = _unknown_flags(beam_args)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.progress_interval <= 0:
        parser.error("--progress_interval must be a positive number of seconds")
    options = IngestOptions(_without_cli_flags(argv))
    requested = "log" if args.verbose and args.progress == "auto" else args.progress
    mode = choose_mode(requested, sys.stderr, local=args.runner in LOCAL_RUNNERS)
    try:
        with ProgressMonitor(mode, sys.stderr, interval=args.progress_interval):
            summary = run(options)
    except UsageError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    except RunFailed as err:
        print_summary(err.summary, sys.stdout)
        print(f"article-ingest: run failed: {err}", file=sys.stderr)
        return err.exit_code
    except Exception as err:  # noqa: BLE001 - a failed run is one clear line; -v shows the traceback
        if args.verbose:
            raise
        print(f"article-ingest: error: the run failed, nothing was committed: {_root_cause(err)} "
              "(run again with -v for the traceback)", file=sys.stderr)
        return 1
    print_summary(summary, sys.stdout)
    return 0


def _root_cause(err: BaseException) -> str:
    """The innermost exception's message: Beam wraps worker errors several times over."""
    while err.__cause__ is not None or err.__context__ is not None:
        err = err.__cause__ or err.__context__
    text = f"{type(err).__name__}: {err}".strip()
    return text.splitlines()[-1] if "\n" in text else text


def _inspect_parser() -> argparse.ArgumentParser:
    from transforms.formats import FORMATS

    parser = argparse.ArgumentParser(
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
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="Colour the labels: 'auto' on a terminal unless NO_COLOR is set.")
    return parser


def _use_color(choice: str, stream) -> bool:
    import os

    if choice != "auto":
        return choice == "always"
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ \
        and os.environ.get("TERM") != "dumb"


def _read_file(path: str) -> bytes:
    if "://" in path:
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as handle:
            return handle.read()
    with open(path, "rb") as handle:
        return handle.read()


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
    inspection = inspect_bytes(data, args.file, rules, args.markup)
    if args.json:
        print(records_json(inspection.outcomes))
    else:
        sys.stdout.write(render(inspection, color=_use_color(args.color, sys.stdout)))
    return 0


def _report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        path = write_report(args.directory, args.out)
    except ReportError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


_COMMANDS = {
    "run": ("Run the ingest job (see 'article-ingest run --help').", _run_command),
    "inspect": ("Show how one dump is split, line by line.", _inspect_command),
    "report": ("Write an HTML quality report about an output directory.", _report_command),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(
        prog="article-ingest",
        description="Turn raw news-article dumps into clean, structured Parquet with Apache Beam.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, _) in _COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        top.print_help()
        return 0
    if argv[0] not in _COMMANDS:
        top.parse_args(argv[:1])  # prints the usage error and exits 2
        return 2
    return _COMMANDS[argv[0]][1](argv[1:])


def entry() -> None:
    """The console script and `python -m pipeline`: main(), then a fast exit (see exit_fast)."""
    exit_fast(main())


def exit_fast(code: int) -> None:
    """Ends the process with `code` once its output is flushed and its exit handlers have run
    (logging, thread pools, temporary files), without the interpreter's teardown of every
    module: about 0.3 s once Beam is imported, which is a quarter of a small incremental run.
    Only for the process's last step: the run is committed and every file closed by then."""
    import atexit
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach it anyway
            pass
    atexit._run_exitfuncs()  # the handlers a normal exit runs (a private name, stable since 3.0)
    os._exit(code)


if __name__ == "__main__":
    entry()
