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


def _ingest_parser() -> argparse.ArgumentParser:
    from pipeline.options import IngestOptions

    parser = argparse.ArgumentParser(
        prog="article-ingest run",
        description=_RUN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    IngestOptions._add_argparse_args(parser)  # noqa: SLF001 - the same flags Beam sees
    parser.add_argument("-v", "--verbose", action="store_true", help="Show Beam's own log lines.")
    parser.add_argument("--runner", help="Any Beam runner name; default: local and offline.")
    return parser


def _unknown_flags(beam_args: list[str]) -> list[str]:
    """Flags that neither this tool nor any Beam options class knows (typos, mostly)."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in _all_option_classes():
        cls._add_argparse_args(parser)  # noqa: SLF001
    _, unknown = parser.parse_known_args(beam_args)
    return [a for a in unknown if a.startswith("-")]


def _all_option_classes():
    from apache_beam.options.pipeline_options import PipelineOptions

    seen, stack = [], list(PipelineOptions.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return seen


def _print_summary(summary: dict, stream) -> None:
    rows = [
        ("files matched", summary["files_matched"]),
        ("articles", summary["articles"]),
        ("rejects", summary["rejects"]),
    ]
    rows += [(f"  rejected: {reason}", n) for reason, n in summary["rejects_by_reason"].items()]
    rows += [(f"  boilerplate: {rule}", n) for rule, n in summary["boilerplate_by_rule"].items()]
    rows += [("duration (s)", summary["duration_seconds"]), ("output", summary["output"])]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}", file=stream)
    if not summary["reconciled"]:
        print("WARNING: files matched != articles + rejects; see run.json", file=stream)


def _run_command(argv: list[str]) -> int:
    _quiet_logging("-v" in argv or "--verbose" in argv)
    from pipeline.options import IngestOptions
    from pipeline.run import UsageError, run

    parser = _ingest_parser()
    args, beam_args = parser.parse_known_args(argv)
    unknown = _unknown_flags(beam_args)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    flags = [a for a in argv if a not in ("-v", "--verbose")]
    options = IngestOptions(flags)
    try:
        summary = run(options)
    except UsageError as err:
        print(f"article-ingest: error: {err}", file=sys.stderr)
        return 2
    _print_summary(summary, sys.stdout)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(
        prog="article-ingest",
        description="Turn raw news-article dumps into clean, structured Parquet with Apache Beam.",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="Run the ingest job (see 'article-ingest run --help').", add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in sub.choices:
        top.print_help() if not argv or argv[0] in ("-h", "--help") else top.parse_args(argv[:1])
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return _run_command(rest)
    return 2


if __name__ == "__main__":
    sys.exit(main())
