"""Runs the ingest job: validate options, pick an offline local runner, run, summarise."""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from importlib import metadata as importlib_metadata

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import StandardOptions

from pipeline.graph import articles_dir, build_pipeline, rejects_dir
from pipeline.options import IngestOptions, default_input
from schemas.record import SCHEMA_VERSION
from transforms.beam import METRICS_NAMESPACE
from transforms.rules import RulesError, load_rules

__all__ = ["UsageError", "run", "summarise"]

_LOG = logging.getLogger("article_ingest")
# Runner names that mean "run here": served by the in-process portable runner, which needs
# no download. Beam's DirectRunner would otherwise first try to fetch the Prism binary.
_LOCAL_RUNNERS = {None, "", "DirectRunner", "direct", "FnApiRunner"}


class UsageError(Exception):
    """A problem with the command line; the message names the flag."""


def _validate(options: IngestOptions) -> None:
    if not options.input:
        options.input = default_input()
    try:
        found = FileSystems.match([options.input], limits=[1])[0].metadata_list
    except Exception as err:  # noqa: BLE001 - a bad scheme or bucket reads as 'no match' to users
        raise UsageError(f"--input could not be matched: {options.input!r}: {err}") from None
    if not found:
        raise UsageError(f"--input matched no files: {options.input!r}")
    try:
        load_rules(options.rules)
    except RulesError as err:
        raise UsageError(str(err)) from None
    if options.max_file_bytes <= 0:
        raise UsageError(f"--max_file_bytes must be positive, got {options.max_file_bytes}")


def _runner(options: IngestOptions):
    name = options.view_as(StandardOptions).runner
    if name in _LOCAL_RUNNERS:
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner

        return FnApiRunner(), "FnApiRunner (local, offline)"
    return None, name  # Beam resolves --runner itself


def _clear_previous(directory: str) -> None:
    """A run replaces the records of an earlier run in the same output directory."""
    try:
        stale = FileSystems.match([f"{directory}/*"])[0].metadata_list
    except Exception:  # noqa: BLE001 - nothing there yet
        return
    if stale:
        FileSystems.delete([m.path for m in stale])


def summarise(result, options: IngestOptions, started: float, started_at: dt.datetime, runner: str) -> dict:
    """The run's counts from Beam's metrics, in the shape written to run.json."""
    counters: dict[str, int] = {}
    query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        counters[counter.key.metric.name] = counters.get(counter.key.metric.name, 0) + int(value or 0)
    rejects = {k.split(":", 1)[1]: v for k, v in sorted(counters.items()) if k.startswith("rejected:")}
    boilerplate = {k.split(":", 1)[1]: v for k, v in sorted(counters.items()) if k.startswith("boilerplate:")}
    matched = counters.get("files_matched", 0)
    inputs = counters.get("inputs", 0)
    articles = counters.get("articles", 0)
    duration = time.monotonic() - started
    return {
        "input": options.input,
        "output": options.output,
        "runner": runner,
        "started_at": started_at.isoformat(),
        "duration_seconds": round(duration, 3),
        "files_matched": matched,
        "inputs": inputs,
        "articles": articles,
        "rejects": sum(rejects.values()),
        "rejects_by_reason": rejects,
        "boilerplate_by_rule": boilerplate,
        # Every input (a file, or an item/line/member of a file holding many) ends in exactly
        # one of articles or rejects.
        "reconciled": inputs == articles + sum(rejects.values()) and inputs >= matched,
        "articles_per_second": round(articles / duration, 1) if duration > 0 else None,
        "schema_version": SCHEMA_VERSION,
        "article_ingest_version": _version(),
    }


def _version() -> str:
    try:
        return importlib_metadata.version("article-ingest")
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


def run(options: IngestOptions) -> dict:
    """Runs the job to completion and returns the summary (also written to OUTPUT/run.json)."""
    _validate(options)
    started, started_at = time.monotonic(), dt.datetime.now(dt.timezone.utc)
    runner, runner_name = _runner(options)
    for directory in (articles_dir(options.output), rejects_dir(options.output)):
        _clear_previous(directory)
    pipeline = beam.Pipeline(runner=runner, options=options)
    build_pipeline(pipeline, options, ingested_at=started_at)
    result = pipeline.run()
    result.wait_until_finish()
    summary = summarise(result, options, started, started_at, runner_name)
    with FileSystems.create(f"{options.output.rstrip('/')}/run.json") as handle:
        handle.write(json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")
    return summary
