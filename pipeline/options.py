"""The pipeline's options: a PipelineOptions subclass, so they travel with the job to any runner."""
from __future__ import annotations

import argparse
import os
from importlib import resources

from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

from transforms.context import DEFAULT_MAX_MEMBER_BYTES, JSONL_FIELDS, parse_jsonl_field
from transforms.formats import FORMATS

__all__ = ["DEFAULT_OUTPUT", "LOCAL_RUNNERS", "STREAM_ALLOWED_LATENESS", "STREAM_DEDUPE_TTL",
           "STREAM_POLL", "STREAM_WINDOW", "IngestOptions", "UsageError", "as_pattern",
           "default_input", "jsonl_field_map", "one_local_worker", "stream_flags"]

# --runner values that mean "run here": served by the in-process FnApiRunner, which needs no
# download (Beam's DirectRunner would otherwise first try to fetch the Prism binary).
LOCAL_RUNNERS = frozenset({None, "", "DirectRunner", "direct", "FnApiRunner"})

DEFAULT_OUTPUT = "out"
# --streaming defaults, in seconds.
STREAM_WINDOW = 60.0
STREAM_ALLOWED_LATENESS = 24 * 3600.0
STREAM_DEDUPE_TTL = 7 * 24 * 3600.0
STREAM_POLL = 10.0


class UsageError(Exception):
    """A problem with the command line; the message names the flag."""


def require_temp_dir() -> None:
    """Beam and the progress display make scratch directories in the temporary directory: a
    machine without a writable one (a read-only container) is told so before anything runs."""
    import tempfile

    try:
        tempfile.gettempdir()
    except FileNotFoundError:
        raise UsageError("no writable temporary directory (TMPDIR, /tmp, /var/tmp or the current "
                         "directory); set TMPDIR to one") from None


def as_pattern(path: str) -> str:
    """A directory given as --input means every file below it."""
    if path.endswith("/") or ("://" not in path and os.path.isdir(path)):
        return path.rstrip("/") + "/**"
    return path


def default_input() -> str:
    """The sample dumps shipped in the package: what a run with no --input reads."""
    return str(resources.files("pipeline").joinpath("samples")) + "/*"


class IngestOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument(
            "--input",
            default=None,
            help="Glob of dump files, one article per file, on any Beam filesystem "
            "(e.g. 'dumps/*.txt', 'gs://bucket/dumps/**'). Default: the sample dumps shipped "
            "with the package.",
        )
        parser.add_argument(
            "--output",
            default=DEFAULT_OUTPUT,
            help="Output directory; the run writes OUTPUT/articles/, OUTPUT/rejects/ and "
            "OUTPUT/run.json, replacing what an earlier run wrote there. Default: ./out",
        )
        parser.add_argument(
            "--rules",
            default=None,
            help="A TOML rules file layered over the default boilerplate and credit rules "
            "(see docs/rules.md).",
        )
        parser.add_argument(
            "--format",
            dest="markup",
            default="auto",
            choices=FORMATS,
            help="How to read the inputs: 'auto' (default) sniffs each file's content, then its "
            "extension (docs/input-formats.md); any other name forces that format. "
            "Compressed files and archives are opened whatever this says.",
        )
        parser.add_argument(
            "--max-member-bytes",
            "--max_member_bytes",
            type=positive_int,
            default=DEFAULT_MAX_MEMBER_BYTES,
            metavar="BYTES",
            help="Most bytes one compressed file, archive member or WARC payload may expand to; "
            "more is rejected as 'decompression_limit' (a decompression bomb costs no more "
            f"memory than this). Default: {DEFAULT_MAX_MEMBER_BYTES} (200 MiB).",
        )
        parser.add_argument(
            "--jsonl-field",
            "--jsonl_field",
            action="append",
            default=[],
            type=_jsonl_field,
            metavar="FIELD=KEY",
            help="Which JSON key fills a record field in JSONL inputs, e.g. --jsonl-field "
            "text=content --jsonl-field url=link (repeatable; a dotted KEY reaches into nested "
            f"objects). FIELD is one of: {', '.join(JSONL_FIELDS)}. Unmapped fields use the "
            "common key names (docs/input-formats.md, 'JSONL').",
        )
        parser.add_argument(
            "--max-file-bytes",
            "--max_file_bytes",
            type=int,
            default=50 * 1024 * 1024,
            metavar="BYTES",
            help="Files larger than this are rejected with reason 'too_large' without being "
            "read. Default: 52428800 (50 MiB).",
        )
        parser.add_argument(
            "--parquet-codec",
            "--parquet_codec",
            default="zstd",
            choices=("zstd", "snappy", "gzip", "none"),
            help="Compression of the Parquet files. Default: zstd.",
        )
        # Scheduled runs (docs/scheduled-runs.md).
        parser.add_argument(
            "--incremental",
            action="store_true",
            default=False,
            help="Process only inputs that are new or changed (size or mtime) since the last "
            "committed run into OUTPUT; a changed input's new records replace its old ones. "
            "Without it a run processes every input and replaces the dataset at commit.",
        )
        parser.add_argument(
            "--full-refresh",
            "--full_refresh",
            action="store_true",
            default=False,
            help="With --incremental: forget the state and start over (process every input, "
            "replace the dataset).",
        )
        parser.add_argument(
            "--reprocess-stale",
            "--reprocess_stale",
            action="store_true",
            default=False,
            help="With --incremental: also process again every committed input whose records "
            "another release or other rules produced, replacing them (docs/maintenance.md).",
        )
        parser.add_argument(
            "--keep-runs",
            "--keep_runs",
            type=int,
            default=1000,
            metavar="N",
            help="Keep at most N records in the run history (OUTPUT/_runs/), the newest. "
            "Default: 1000.",
        )
        parser.add_argument(
            "--partition-by",
            "--partition_by",
            default="ingest_date",
            choices=("ingest_date", "publisher", "none"),
            help="Hive-style directories of OUTPUT/articles/: ingest_date=YYYY-MM-DD/ (default), "
            "publisher_partition=NAME/, or none. Rejects and duplicates use ingest_date unless 'none'.",
        )
        parser.add_argument(
            "--near-dup",
            "--near_dup",
            action="store_true",
            default=False,
            help="Mark near-duplicate articles (MinHash/LSH on the body, within the run): "
            "near_dup_of holds the cluster representative's article_id. Nothing is dropped. "
            "Needs: pip install 'article-ingest[near-dup]'.",
        )
        parser.add_argument(
            "--max-reject-rate",
            "--max_reject_rate",
            type=float,
            default=None,
            metavar="SHARE",
            help="Fail the run (exit code 3, nothing committed) when rejects / inputs exceeds "
            "this share, e.g. 0.2. With --watch, a batch over it is committed and reported "
            "instead (docs/streaming.md). Default: no limit.",
        )
        # Streaming runners (docs/streaming-runners.md); all of these need --streaming.
        parser.add_argument(
            "--input-subscription",
            "--input_subscription",
            default=None,
            metavar="projects/P/subscriptions/S",
            help="With --streaming: read the files to ingest from Cloud Storage Pub/Sub "
            "notifications on this subscription, instead of polling --input.",
        )
        parser.add_argument(
            "--window",
            type=_positive_float,
            default=None,
            metavar="SECONDS",
            help="With --streaming: length of the fixed windows, in event time (when a file was "
            "matched); each window's records are written as their own files. "
            f"Default: {STREAM_WINDOW:g}.",
        )
        parser.add_argument(
            "--allowed-lateness",
            "--allowed_lateness",
            type=non_negative_seconds,
            default=None,
            metavar="SECONDS",
            help="With --streaming: how long after a window's end its late records are still "
            f"written, in a file of their own. Default: {STREAM_ALLOWED_LATENESS:g} (a day).",
        )
        parser.add_argument(
            "--dedupe-ttl",
            "--dedupe_ttl",
            type=_positive_float,
            default=None,
            metavar="SECONDS",
            help="With --streaming: how long an article_id is remembered to drop later copies "
            f"of the article. Default: {STREAM_DEDUPE_TTL:g} (7 days).",
        )
        parser.add_argument(
            "--poll-interval",
            "--poll_interval",
            type=_positive_float,
            default=None,
            metavar="SECONDS",
            help="With --streaming and --input: seconds between matches of --input. "
            f"Default: {STREAM_POLL:g}.",
        )
        parser.add_argument(
            "--window-shards",
            "--window_shards",
            type=positive_int,
            default=None,
            metavar="N",
            help="With --streaming: files per window and partition of each dataset. Default: 1.",
        )


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _positive_float(value: str) -> float:
    number = _float(value)
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return number


def non_negative_seconds(value: str) -> float:
    number = _float(value)
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}")
    return number


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def _jsonl_field(value: str) -> str:
    try:
        field, key = parse_jsonl_field(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return f"{field}={key}"


def jsonl_field_map(values: list[str] | None) -> tuple[tuple[str, str], ...]:
    """--jsonl-field values as IngestContext.jsonl_fields: (("text", "content"), ...)."""
    return tuple(tuple(value.split("=", 1)) for value in values or ())


# The flags that only a --streaming job reads.
_STREAM_FLAGS = {"input_subscription": "--input-subscription", "window": "--window",
                 "allowed_lateness": "--allowed-lateness", "dedupe_ttl": "--dedupe-ttl",
                 "poll_interval": "--poll-interval", "window_shards": "--window-shards"}


def stream_flags(options: PipelineOptions) -> list[str]:
    """The streaming-only flags given on the command line (they default to None)."""
    values = options.view_as(IngestOptions)
    return [flag for name, flag in _STREAM_FLAGS.items() if getattr(values, name) is not None]


def local_worker_processes(options: PipelineOptions) -> bool:
    """True when the local runner runs the job in worker processes (`multi_processing`)."""
    return (options.view_as(StandardOptions).runner in LOCAL_RUNNERS
            and options.view_as(DirectOptions).direct_running_mode == "multi_processing")


def one_local_worker(options: PipelineOptions) -> bool:
    """True for the default in-process runner with one worker (Beam's defaults): there is
    nothing to spread work over, so the graph can skip its redistribution step."""
    direct = options.view_as(DirectOptions)
    return (options.view_as(StandardOptions).runner in LOCAL_RUNNERS and direct.direct_num_workers == 1
            and direct.direct_running_mode == "in_memory")
