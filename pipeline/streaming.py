"""The streaming graph, for runners that stream (Dataflow, Flink, Prism): `run --streaming`.

The batch graph's split step over an unbounded source, then what a stream needs instead of
the launcher's post-processing (a stream has no end to post-process at):

  files (MatchContinuously over --input, or Pub/Sub notifications of a bucket)
  -> SplitDumps (the batch graph's transform; records stamped with the match time)
  -> articles: KeepFirstArrival (exact dedupe, Beam state keyed by article_id)
  -> articles, rejects, duplicates: fixed windows of --window seconds of event time,
     each written as Parquet per window, partition and shard (fileio.WriteToFiles).

Beam's in-process runner cannot run an unbounded source: `--streaming` without a streaming
runner is a usage error pointing to `--watch`. See docs/streaming-runners.md.
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.options.pipeline_options import StandardOptions
from apache_beam.utils.timestamp import Timestamp

from pipeline import version
from pipeline.graph import dataset_dir, side_partition
from pipeline.options import (
    LOCAL_RUNNERS,
    STREAM_ALLOWED_LATENESS,
    STREAM_DEDUPE_TTL,
    STREAM_POLL,
    STREAM_WINDOW,
    IngestOptions,
    UsageError,
    as_pattern,
    jsonl_field_map,
    stream_flags,
)
from pipeline.storage.commit import new_run_id
from pipeline.storage.inputs import beam_patterns
from schemas.datasets import ARTICLES, DUPLICATES, REJECTS, SCHEMAS
from transforms.beam import METRICS_NAMESPACE, SplitFiles
from transforms.notifications import NotifiedFiles
from transforms.rules import RulesError, load_rules
from transforms.stream_dedupe import KeepFirstArrival
from transforms.windowed import WriteWindowed

__all__ = ["build_streaming_pipeline", "file_source", "run_streaming", "validate_streaming"]

# In-process runners: the local one cannot run an unbounded source at all, and Beam's
# bundle-based DirectRunner (2.77) fails on MatchContinuously ("Transform node ... Watch ...
# was not replaced as expected"). The tests use the latter with a TestStream source only.
_IN_PROCESS = LOCAL_RUNNERS | {"BundleBasedDirectRunner", "SwitchingDirectRunner"}
# Batch-only flags: what they do needs the end of a run.
_BATCH_ONLY = {"incremental": "--incremental", "full_refresh": "--full-refresh",
               "near_dup": "--near-dup", "max_reject_rate": "--max-reject-rate"}


def validate_streaming(options: IngestOptions) -> None:
    """Raises UsageError, naming the flag, for a command line no streaming job can run."""
    standard = options.view_as(StandardOptions)
    if not standard.streaming:
        raise UsageError(f"{stream_flags(options)[0]} applies only to --streaming jobs")
    if standard.runner in _IN_PROCESS:
        raise UsageError("--streaming needs a runner that streams (--runner DataflowRunner, "
                         "FlinkRunner or PrismRunner); to ingest continuously on this machine, "
                         "use --watch")
    for name, flag in _BATCH_ONLY.items():
        if getattr(options, name):
            raise UsageError(f"{flag} does not apply to --streaming "
                             "(a stream has no end to run it at)")
    if bool(options.input) == bool(options.input_subscription):
        raise UsageError("--streaming reads either --input GLOB (polled) or --input-subscription "
                         "(Cloud Storage notifications): give one of them")
    if options.window is not None and options.window < 1:
        raise UsageError(f"--window must be at least 1 second, got {options.window:g}")
    if options.input_subscription and options.poll_interval is not None:
        raise UsageError("--poll-interval applies to --input, not to --input-subscription")
    try:
        load_rules(options.rules)
    except RulesError as err:
        raise UsageError(str(err)) from None


def file_source(options: IngestOptions) -> beam.PTransform:
    """The unbounded source of files: Pub/Sub notifications, or --input matched every
    --poll-interval seconds. Either way an element's timestamp is when its file was
    matched (the poll's time; the notification's publish time)."""
    if options.input_subscription:
        return _Notifications(options.input_subscription)
    return _MatchContinuously(beam_patterns(as_pattern(options.input)), options.poll_interval or STREAM_POLL)


class _MatchContinuously(beam.PTransform):
    """Beam's MatchContinuously over each of `patterns` (the --input glob in Beam's syntax:
    inputs.beam_patterns), flattened: the files a batch run of the same glob reads."""

    def __init__(self, patterns: list[str], interval: float):
        super().__init__()
        self._patterns, self._interval = patterns, interval

    def expand(self, pbegin):
        start = Timestamp.now()
        matched = [pbegin | f"Match{n}" >> fileio.MatchContinuously(pattern, interval=self._interval,
                                                                     start_timestamp=start)
                   for n, pattern in enumerate(self._patterns)]
        return matched[0] if len(matched) == 1 else tuple(matched) | "Flatten" >> beam.Flatten()


class _Notifications(beam.PTransform):
    def __init__(self, subscription: str):
        super().__init__()
        self._subscription = subscription

    def expand(self, pbegin):
        from apache_beam.io.gcp.pubsub import ReadFromPubSub  # needs apache-beam[gcp]

        return (pbegin
                | "ReadNotifications" >> ReadFromPubSub(subscription=self._subscription,
                                                        with_attributes=True)
                | "NotifiedFiles" >> NotifiedFiles(METRICS_NAMESPACE))


def build_streaming_pipeline(p: beam.Pipeline, options: IngestOptions, *, run_id: str | None = None,
                             source: beam.PTransform | None = None) -> dict:
    """Adds the streaming graph to `p`; `source` (default: file_source(options)) yields the
    FileMetadata of the files to ingest, timestamped with when each was matched.

    Returns the FileResults of the files written, by dataset.
    """
    output = options.output
    outputs = (p
               | "Files" >> (source or file_source(options))
               | "SplitDumps" >> SplitFiles(
                   rules_path=options.rules, markup=options.markup,
                   max_file_bytes=options.max_file_bytes, max_member_bytes=options.max_member_bytes,
                   jsonl_fields=jsonl_field_map(options.jsonl_field), run_id=run_id,
                   pipeline_version=version(), timestamped=True))
    # Before any window: a copy arriving windows after its first arrival is still a copy.
    kept = outputs[ARTICLES] | "KeepFirstArrival" >> KeepFirstArrival(
        options.dedupe_ttl or STREAM_DEDUPE_TTL, METRICS_NAMESPACE)
    lateness = options.allowed_lateness
    write = {"window_seconds": options.window or STREAM_WINDOW,
             "allowed_lateness": STREAM_ALLOWED_LATENESS if lateness is None else lateness,
             "shards": options.window_shards or 1, "codec": options.parquet_codec,
             "namespace": METRICS_NAMESPACE}
    side = side_partition(options)
    return {
        ARTICLES: kept[ARTICLES] | "WriteArticles" >> WriteWindowed(
            dataset_dir(output, ARTICLES), ARTICLES, SCHEMAS[ARTICLES], partition_by=options.partition_by,
            **write),
        REJECTS: outputs[REJECTS] | "WriteRejects" >> WriteWindowed(
            dataset_dir(output, REJECTS), REJECTS, SCHEMAS[REJECTS], partition_by=side, **write),
        DUPLICATES: kept[DUPLICATES] | "WriteDuplicates" >> WriteWindowed(
            dataset_dir(output, DUPLICATES), DUPLICATES, SCHEMAS[DUPLICATES], partition_by=side, **write),
    }


def run_streaming(options: IngestOptions) -> dict:
    """Validates the command line and starts the streaming job on its runner.

    A Dataflow job runs remotely: the call returns once it is submitted. On other runners
    it returns when the job ends (cancelled, drained, or failed).
    """
    validate_streaming(options)
    started_at = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started_at)
    pipeline = beam.Pipeline(options=options)
    build_streaming_pipeline(pipeline, options, run_id=run_id)
    result = pipeline.run()
    runner = options.view_as(StandardOptions).runner
    if not runner.endswith("DataflowRunner"):
        result.wait_until_finish()
    job_id = getattr(result, "job_id", None)
    return {"mode": "streaming", "run_id": run_id, "runner": runner,
            "input": options.input_subscription or options.input, "output": options.output,
            "started_at": started_at.isoformat(), "state": str(getattr(result, "state", "")),
            "job_id": job_id() if callable(job_id) else job_id}
