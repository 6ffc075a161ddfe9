"""Runs the ingest job: validate, pick inputs, run on a runner, count, commit, summarise.

The order matters for scheduled runs: output is staged under OUTPUT/_staging/<run_id>/,
counted, checked against --max-reject-rate, and only then committed together with the
incremental state (pipeline/storage/commit.py), so a failed or killed run is simply retried.

`python -m pipeline.run …` runs the command line's `run` command (see __main__.py); this
module never imports the command line, which sits above it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import StandardOptions
from apache_beam.portability import python_urns
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from pipeline import standin, version
from pipeline.dedupe import dedupe_staged
from pipeline.graph import build_pipeline, side_partition
from pipeline.options import (
    LOCAL_RUNNERS,
    IngestOptions,
    UsageError,
    as_pattern,
    default_input,
    require_temp_dir,
    stream_flags,
)
from pipeline.purge import filter_purged
from pipeline.replace import Replacement, plan_replacement
from pipeline.storage.commit import (
    Manifest,
    commit,
    discard,
    list_dataset_files,
    new_run_id,
    recover,
    stage_empty_datasets,
    staging_dir,
    write_run_record,
)
from pipeline.storage.inputs import (
    INPUT_LIST,
    RUN_DB,
    RunDb,
    Selection,
    first_match,
    iter_matches,
    landed,
    outside_output,
    pattern_root,
    write_input_list,
)
from pipeline.storage.lock import writer_lock
from pipeline.storage.state import (
    copy_file,
    forget_state_db,
    is_local,
    load_state,
    state_db,
    state_db_readable,
)
from schemas.datasets import ARTICLES, COMMITTED, DUPLICATES, REJECTS
from schemas.reasons import UNREADABLE
from schemas.record import SCHEMA_VERSION
from transforms.beam import METRICS_NAMESPACE
from transforms.context import SECOND_LOOK_COUNTER
from transforms.partition import PUBLISHER_PARTITION, partition_dir
from transforms.rules import RulesError, load_rules

__all__ = ["RunFailed", "UsageError", "root_cause", "run", "run_batch", "summarise", "validate"]

_LOG = logging.getLogger("article_ingest")


class RunFailed(Exception):
    """The run finished but must not be committed (e.g. too many rejects); exit code 3."""

    exit_code = 3

    def __init__(self, message: str, summary: dict):
        super().__init__(message)
        self.summary = summary


def root_cause(err: BaseException) -> str:
    """The innermost exception's message: Beam wraps worker errors several times over. A
    context the code suppressed (`raise ... from None`: an error that says it all) is not
    followed, as Python's own traceback does not show it."""
    while (inner := err.__cause__ or (None if err.__suppress_context__ else err.__context__)) is not None:
        err = inner
    text = f"{type(err).__name__}: {err}".strip()
    return text.splitlines()[-1] if "\n" in text else text


def validate(options: IngestOptions, *, watching: bool = False) -> None:
    """Checks the command line before anything is written. A watch may start on an empty
    landing area (files arrive later), so long as its --input can be matched at all."""
    if options.near_dup:
        try:
            import datasketch  # noqa: F401 - only checks that the extra is installed
        except ImportError:
            raise UsageError("--near-dup needs the near-dup extra: "
                             "pip install 'article-ingest[near-dup]'") from None
    if options.input is None:
        options.input = default_input()
    elif not options.input.strip():
        # An unset variable in a cron line ('--input "$LANDING"'): not the shipped samples.
        raise UsageError("--input is empty")
    options.input = as_pattern(options.input)
    if is_local(options.input):
        # One spelling of every local input ('d1', './d1', '/data/d1' are one directory): the
        # incremental state knows an input by its path.
        options.input = os.path.abspath(options.input)
    try:
        any_match = first_match(options.input)
        # Files still being landed are no input (`landed`): a run over nothing but those
        # would replace the dataset with nothing.
        found = any_match and first_match(options.input, landed_only=True)
    except Exception as err:  # noqa: BLE001 - a bad scheme or bucket reads as 'no match' to users
        raise UsageError(f"--input could not be matched: {options.input!r}: {err}") from None
    if not found and any_match and not watching:
        raise UsageError(f"--input matched only files still being landed (hidden, '_' or temporary names "
                         f"such as '.name.tmp' or 'name.part'), which are no input: {options.input!r}")
    if not found and not watching:
        raise UsageError(f"--input matched no files: {options.input!r}")
    if not found and is_local(options.input) and not os.path.isdir(pattern_root(options.input) or "."):
        raise UsageError(f"--input {options.input!r}: no such directory to watch")
    if not found and is_local(options.input) and not any(c in options.input for c in "*?[{"):
        raise UsageError(f"--input {options.input!r}: no such directory to watch (nor a file: to wait for "
                         "one that has not landed yet, give its directory or a pattern such as "
                         "'landing/*.jsonl')")
    try:
        load_rules(options.rules)
    except RulesError as err:
        raise UsageError(str(err)) from None
    if options.max_file_bytes <= 0:
        raise UsageError(f"--max-file-bytes must be positive, got {options.max_file_bytes}")
    rate = options.max_reject_rate
    if rate is not None and not 0 <= rate <= 1:
        raise UsageError(f"--max-reject-rate must be between 0 and 1, got {rate}")
    _validate_output(options.output, options.input)
    _check_runner(options.view_as(StandardOptions).runner)
    if options.incremental and not options.full_refresh:
        _same_layout(options)
    if options.full_refresh and not options.incremental:
        raise UsageError("--full-refresh only applies to --incremental runs "
                         "(a run without --incremental always starts over)")
    if options.reprocess_stale and not options.incremental:
        raise UsageError("--reprocess-stale only applies to --incremental runs "
                         "(a run without --incremental processes every input anyway)")
    if options.keep_runs < 1:
        raise UsageError(f"--keep-runs must be at least 1, got {options.keep_runs}")


def _check_runner(name: str | None) -> None:
    """A --runner Beam cannot create is a usage error (exit 2), said before anything is
    written: an unknown name, or a runner whose extra is not installed."""
    if name is None or name in LOCAL_RUNNERS:
        return
    from apache_beam.runners.runner import create_runner

    try:
        create_runner(name)
    except ValueError as err:
        raise UsageError(f"--runner {name}: {err}") from None
    except ImportError as err:
        raise UsageError(f"--runner {name} cannot be loaded: {err} (see docs/scaling.md for the "
                         "extra each runner needs)") from None


def _same_layout(options: IngestOptions) -> None:
    """An incremental run adds to the committed articles: in their directory layout only. A
    dataset of two layouts (files at the top, `ingest_date=` and `publisher_partition=`
    directories side by side) is one DuckDB and Polars refuse to read."""
    files = load_state(options.output.rstrip("/") or ".").files.get(ARTICLES) or []
    if not files:
        return
    first = files[0].split("/")[1] if files[0].count("/") >= 2 else ""
    layouts = {"ingest_date=": "ingest_date", f"{PUBLISHER_PARTITION}=": "publisher",
               "publisher=": "publisher= (the layout before publisher_partition=)"}
    committed = next((name for prefix, name in layouts.items() if first.startswith(prefix)), "none")
    if committed != options.partition_by:
        keep = (f"give --partition-by {committed}" if committed in ("ingest_date", "publisher", "none")
                else "no release writes it any more")
        raise UsageError(f"--partition-by {options.partition_by}: the output's articles are partitioned by "
                         f"{committed}; an incremental run keeps that ({keep}), or add --full-refresh to "
                         "rewrite the whole dataset in the new layout")


def _validate_output(output: str, pattern: str | None = None) -> None:
    """A local --output must be (or be creatable as) a directory, other than the root and
    than --input's own directory: say so before the run."""
    if not output.strip():
        raise UsageError("--output is empty")
    try:
        output.encode("utf-8")
    except UnicodeEncodeError:  # Beam's coders carry the staged files' paths as UTF-8
        raise UsageError(f"--output {output!r} is not a UTF-8 path; give a directory whose name is") from None
    require_temp_dir()
    if not is_local(output):
        return
    path = os.path.abspath(output)
    if path == os.path.dirname(path):
        raise UsageError(f"--output {output!r} is the file system's root; give a directory of its own")
    if pattern is not None and is_local(pattern) and path in (
            os.path.abspath(pattern), os.path.abspath(pattern_root(pattern) or ".")):
        raise UsageError(f"--output {output!r} is --input's own directory; write the output elsewhere "
                         "(a directory below it is fine: it is never read as input)")
    while True:
        if os.path.exists(path):
            if not os.path.isdir(path):
                raise UsageError(f"--output {output!r}: {path} exists and is not a directory")
            if not os.access(path, os.W_OK | os.X_OK):
                raise UsageError(f"--output {output!r}: {path} is not writable by this user")
            # An existing output: a commit also writes into its datasets' directories and its
            # state's, which may belong to another user when the top one is this user's.
            for directory in _committed_dirs(path):
                if not os.access(directory, os.W_OK | os.X_OK):
                    raise UsageError(f"--output {output!r}: {directory} is not writable by this user, "
                                     "and a commit writes there")
            return
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _committed_dirs(output: str):
    """The directories under an existing output that every commit writes into: the datasets'
    (where new partitions are made), the state's and the run history's. Not each partition:
    listing them all would cost a large output's run time, and an archived partition left
    read-only is one a run may never write to."""
    for name in (*COMMITTED, "_state", "_runs"):
        top = os.path.join(output, name)
        if os.path.isdir(top):
            yield top


def _runner(options: IngestOptions):
    name = options.view_as(StandardOptions).runner
    if name in LOCAL_RUNNERS:
        return _LocalRunner(), "FnApiRunner (local, offline)"
    return None, name  # Beam resolves --runner itself


class _LocalRunner(FnApiRunner):
    """Beam's in-process runner (offline: never Prism), whose `multi_processing` workers
    start as the stand-in (`python -I -S pipeline/standin.py`) instead of Beam's `python -m
    apache_beam.runners.worker.sdk_worker_main`: forked from the run's warm process, or Beam's
    own SDK worker imported the quick way (pipeline/workers.py)."""

    def run_via_runner_api(self, pipeline_proto, options):
        beams = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main".encode()
        for environment in pipeline_proto.components.environments.values():
            if environment.urn == python_urns.SUBPROCESS_SDK and environment.payload == beams:
                environment.payload = stand_in_command().encode()
        return super().run_via_runner_api(pipeline_proto, options)


def stand_in_command() -> str:
    """The shell command (Beam runs it with `sh -c`) that starts a local worker's stand-in.
    A terminal's Ctrl-C reaches every process of the group, and a worker it killed left Beam
    waiting for it for good: the shell ignores SIGINT from its first command on (`trap ''
    INT`, kept across `exec`, so Python starts ignoring it too), and `exec` leaves no shell
    between Beam and the worker."""
    command = shlex.join([sys.executable, *standin.STAND_IN_FLAGS, standin.__file__])
    return f"trap '' INT; exec {command}" if os.name == "posix" else command


def _metric_counters(result) -> dict[str, int] | None:
    """Beam's counters, or None where the runner has no metrics (Beam's Dask runner)."""
    if result is None:
        return {}
    try:
        query = result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))
    except NotImplementedError:
        return None
    counters: dict[str, int] = {}
    for counter in query["counters"]:
        value = counter.committed if counter.committed is not None else counter.attempted
        counters[counter.key.metric.name] = counters.get(counter.key.metric.name, 0) + int(value or 0)
    return counters


def staged_sources(stage: str, dataset: str, *, reason: str) -> list[str]:
    """The source_uri of every staged row of `dataset` with `reason`."""
    sources: list[str] = []
    for rel in list_dataset_files(stage, dataset):
        with FileSystems.open(f"{stage}/{rel}") as handle:
            table = pq.ParquetFile(handle).read(columns=["source_uri", "reason"])
        sources += (uri for uri, why in zip(table.column("source_uri").to_pylist(),
                                            table.column("reason").to_pylist()) if why == reason)
    return sources


def staged_counts(stage: str) -> dict:
    """Rows actually written under a staging directory: what the commit will publish."""
    counts = {ARTICLES: 0, DUPLICATES: 0, "rejects_by_reason": {}}
    for rel in list_dataset_files(stage, ARTICLES) + list_dataset_files(stage, DUPLICATES):
        with FileSystems.open(f"{stage}/{rel}") as handle:
            counts[rel.split("/", 1)[0]] += pq.ParquetFile(handle).metadata.num_rows
    by_reason: dict[str, int] = {}
    # ParquetFile.read, not pq.read_table: the latter imports pyarrow.dataset and pandas,
    # a fifth of a second of a small run.
    for rel in list_dataset_files(stage, REJECTS):
        with FileSystems.open(f"{stage}/{rel}") as handle:
            for reason in pq.ParquetFile(handle).read(columns=["reason"]).column("reason").to_pylist():
                by_reason[reason] = by_reason.get(reason, 0) + 1
    counts["rejects_by_reason"] = dict(sorted(by_reason.items()))
    return counts


def summarise(result, options: IngestOptions, started: float, started_at: dt.datetime, runner: str,
              *, run_id: str, counts: dict, files: dict) -> dict:
    """The run's summary, in the shape written to run.json.

    Articles, duplicates and rejects are counted from the files written (`counts`, from
    `staged_counts`), so they are right on every runner; `files` are the launcher's counts
    of matched, processed and unchanged files; inputs, boilerplate and HTML furniture come
    from Beam's metrics where the runner has them.
    """
    counters = _metric_counters(result)
    metrics = counters is not None
    counters = counters or {}
    articles, duplicates = counts["articles"], counts["duplicates"]
    rejects = sum(counts["rejects_by_reason"].values())
    boilerplate = {k.split(":", 1)[1]: v for k, v in sorted(counters.items()) if k.startswith("boilerplate:")}
    # Elements and blocks of full HTML pages dropped as page furniture, by rule.
    furniture = {k.split(":", 1)[1]: v for k, v in sorted(counters.items())
                 if k.startswith("furniture:")}
    inputs = counters.get("inputs", 0) if metrics else articles + duplicates + rejects
    duration = time.monotonic() - started
    summary = {
        "run_id": run_id,
        "status": "succeeded",
        "input": options.input,
        "output": options.output,
        "runner": runner,
        "mode": "incremental" if options.incremental and not options.full_refresh else "full",
        "partition_by": options.partition_by,
        "started_at": started_at.isoformat(),
        "duration_seconds": round(duration, 3),
        "files_matched": files["matched"],
        "files_processed": files["processed"],
        "files_unchanged": files["unchanged"],
        "inputs": inputs,
        "articles": articles,
        "duplicates": duplicates,
        "rejects": rejects,
        "rejects_by_reason": counts["rejects_by_reason"],
        "boilerplate_by_rule": boilerplate,
        "furniture_by_rule": furniture,
        "metrics_available": metrics,
        # Every input (a file, or an item/line/member of a file holding many) ends in exactly
        # one of articles, duplicates or rejects.
        "reconciled": inputs == articles + duplicates + rejects and inputs >= files["processed"],
        "articles_per_second": round(articles / duration, 1) if duration > 0 else None,
        "schema_version": SCHEMA_VERSION,
        "article_ingest_version": version(),
    }
    if counters.get(SECOND_LOOK_COUNTER):  # full pages whose body only a second reading found
        summary["html_pages_read_twice"] = counters[SECOND_LOOK_COUNTER]
    return summary


def _matched_files(pattern: str):
    """Every file the pattern matches, streamed (pipeline/inputs.py); tests wrap this."""
    return iter_matches(pattern)


def _lap(phases: dict[str, float], name: str, since: float) -> float:
    now = time.monotonic()
    phases[name] = round(now - since, 3)
    return now


def _local_work_dir(stage: str) -> str:
    """Where the run's SQLite file lives: the staging directory when it is local."""
    if is_local(stage):
        os.makedirs(stage, exist_ok=True)
        return stage
    return tempfile.mkdtemp(prefix="article-ingest-run-")


@dataclasses.dataclass
class _Run:
    """One run's plan and what its phases found, handed from phase to phase."""

    options: IngestOptions
    output: str
    run_id: str
    started: float
    started_at: dt.datetime
    runner: object
    runner_name: str
    replace: bool
    state: object
    stage: str
    work: str
    phases: dict[str, float] = dataclasses.field(default_factory=dict)
    files: dict[str, int] = dataclasses.field(default_factory=dict)
    result: object = None
    near_duplicates: int = 0
    # What wrote this run's rows: {pipeline_version, rules_fingerprint} (schemas/record.py).
    provenance: dict = dataclasses.field(default_factory=dict)
    replacement: Replacement | None = None
    purged: int = 0


def _plan(options: IngestOptions) -> _Run:
    """Recover killed runs, and lay out the run's staging area."""
    started, started_at = time.monotonic(), dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started_at)
    output = options.output.rstrip("/") or "."
    for old_run, outcome in recover(output):
        _LOG.warning("run %s was interrupted; its output was %s", old_run, outcome.replace("_", " "))
    runner, runner_name = _runner(options)
    replace = not options.incremental or options.full_refresh
    state = load_state(output, forgiving=replace)
    if not replace and state.last_run_id is None:
        forget_state_db(output)  # no state.json: a database left without it is stale
    if replace and not state_db_readable(output):
        forget_state_db(output)  # starting over: from no database rather than one that does not read
    stage = staging_dir(output, run_id)
    provenance = {"pipeline_version": version(),
                  "rules_fingerprint": load_rules(options.rules).fingerprint}
    return _Run(options, output, run_id, started, started_at, runner, runner_name, replace,
                state, stage, _local_work_dir(stage), provenance=provenance)


def _execute(plan: _Run, db: RunDb, on_count, selection: Selection | None = None) -> int:
    """Match the inputs, skip the unchanged ones (and, for a watch's batch, those its
    `selection` leaves for later), find the committed rows of the changed (and stale) ones,
    and run the Beam job over the rest.

    Returns how many files the job processed."""
    options, clock = plan.options, time.monotonic()
    matches = outside_output(_matched_files(options.input), options.input, options.output)
    # Files still being landed are no input, in a batch run as in a watch's batch.
    matched = db.add_matches(landed(matches, options.input))
    unsettled = over_limit = 0
    if not plan.replace:
        stale_unless = None
        if options.reprocess_stale:
            stale_unless = (plan.provenance["pipeline_version"], plan.provenance["rules_fingerprint"])
        with state_db(plan.output) as committed:
            db.skip_unchanged(committed, stale_unless=stale_unless)
        if selection is not None:  # before the replacement: a deferred input keeps its rows
            unsettled, over_limit = db.defer(selection)
        plan.replacement = plan_replacement(plan.output, plan.state, db)
    unchanged = db.count("matched", "WHERE todo = 0")
    todo = matched - unchanged - unsettled - over_limit
    plan.files = {"matched": matched, "processed": todo, "unchanged": unchanged}
    if selection is not None:
        plan.files.update(unsettled=unsettled, over_limit=over_limit)
    if not todo:
        _lap(plan.phases, "match", clock)
        return 0
    chunks = write_input_list(f"{plan.stage}/{INPUT_LIST}", db.todo(), todo)
    db.release_memory()
    clock = _lap(plan.phases, "match", clock)
    pipeline = beam.Pipeline(runner=plan.runner, options=options)
    try:
        build_pipeline(pipeline, options, ingested_at=plan.started_at, run_id=plan.run_id,
                       target=plan.stage, chunks=chunks, on_count=on_count)
    except BaseException:  # Ctrl-C or SIGTERM while the graph is built: run() never removes it
        shutil.rmtree(pipeline.local_tempdir, ignore_errors=True)
        raise
    plan.result = pipeline.run()
    try:
        plan.result.wait_until_finish()
    finally:
        client = getattr(plan.result, "client", None)  # the Dask runner's own client
        if client is not None:
            client.close()
    _lap(plan.phases, "pipeline", clock)
    return todo


def _post_process(plan: _Run, db: RunDb) -> None:
    """Steps over the staged files that need the whole run: duplicates, near-duplicates."""
    clock, options = time.monotonic(), plan.options
    where = {"partition_by": side_partition(options), "ingest_date": plan.started_at.date().isoformat(),
             "codec": options.parquet_codec}
    with state_db(plan.output) as committed:
        plan.purged = filter_purged(plan.stage, committed, run_id=plan.run_id, rejected_at=plan.started_at,
                                    provenance=plan.provenance, **where)
        dedupe_staged(plan.stage, db.con, None if plan.replace else committed,
                      detected_at=plan.started_at, run_id=plan.run_id, provenance=plan.provenance, **where)
    if plan.replacement is not None:
        plan.replacement.spare_orphans(db)
    db.retry(staged_sources(plan.stage, REJECTS, reason=UNREADABLE))
    clock = _lap(plan.phases, "dedupe", clock)
    if options.near_dup:
        from pipeline.near_dup import mark_staged

        plan.near_duplicates = mark_staged(plan.stage, db.con)
        _lap(plan.phases, "near_dup", clock)


def _summary(plan: _Run) -> dict:
    summary = summarise(plan.result, plan.options, plan.started, plan.started_at, plan.runner_name,
                        run_id=plan.run_id, counts=staged_counts(plan.stage), files=plan.files)
    summary["phase_seconds"] = plan.phases
    summary["rules_fingerprint"] = plan.provenance["rules_fingerprint"]
    if plan.replacement is not None:
        summary["replaced"] = plan.replacement.counts()
    if "unsettled" in plan.files:  # a watch's batch: what it left for a later trigger
        summary["mode"] = "watch"
        summary["files_deferred"] = {"unsettled": plan.files["unsettled"],
                                     "over_limit": plan.files["over_limit"]}
    if plan.options.near_dup:
        summary["near_duplicates"] = plan.near_duplicates
    return summary


def _over_reject_rate(summary: dict, rate: float | None) -> str | None:
    """What a run's summary says is over --max-reject-rate, or None when it is within it."""
    if rate is None or not summary["inputs"] or summary["rejects"] / summary["inputs"] <= rate:
        return None
    share = summary["rejects"] / summary["inputs"]
    return (f"{summary['rejects']} of {summary['inputs']} inputs rejected ({share:.1%}), "
            f"over --max-reject-rate={rate}")


def _gate(plan: _Run, summary: dict, *, watching: bool) -> None:
    """--max-reject-rate: a run over it records its failure, discards its output and raises.

    A watch's batch over it is committed all the same, marked "over_max_reject_rate" (the
    watch reports it): the same inputs would be rejected again at every retry, and each
    retry takes every file landed since, so one bad file would hold up the watch for good."""
    over = _over_reject_rate(summary, plan.options.max_reject_rate)
    if over is None:
        return
    if watching:
        summary["over_max_reject_rate"] = True
        return
    summary["status"] = "failed: reject rate"
    write_run_record(plan.output, summary, latest=False, keep_runs=plan.options.keep_runs)
    discard(plan.output, plan.run_id)
    raise RunFailed(f"{over}; nothing was committed", summary)


def run(options: IngestOptions, *, on_count: Callable[[str, int], None] | None = None) -> dict:
    """Runs the job to completion, commits it and returns the summary (also OUTPUT/run.json).

    `on_count`, if given, is called on the workers with every counter increment (name, n):
    the command line passes its live progress (pipeline/cli/progress.note).

    Phases: plan, execute, post-process, gate, commit, all under the output's writer lock
    (pipeline/storage/lock.py). Raises UsageError for a bad command line, LockHeld when
    another process writes to the same output, and RunFailed when the run's output must not
    be committed (--max-reject-rate); any other exception is a failed run. In each case
    nothing is committed and the incremental state is unchanged. With --streaming, starts
    the streaming job instead (pipeline/streaming.py; no lock: it commits nothing) and
    returns what it started.
    """
    if options.view_as(StandardOptions).streaming or stream_flags(options):
        from pipeline.streaming import run_streaming  # a job on a runner that streams

        return run_streaming(options)
    validate(options)
    with writer_lock(options.output.rstrip("/") or ".", command="run"):
        return _run_locked(options, on_count)


def run_batch(options: IngestOptions, selection: Selection) -> dict:
    """One micro-batch of a watch (pipeline/watch.py): an --incremental run over the inputs
    `selection` takes, committed exactly as a scheduled run is. The caller has validated
    the options and holds the writer lock. A trigger with nothing to take commits nothing
    and returns a summary with "status": "idle" (and the files it left for later). A batch
    over --max-reject-rate is committed, with "over_max_reject_rate": true in its summary."""
    return _run_locked(options, None, selection)


def _run_locked(options: IngestOptions, on_count: Callable[[str, int], None] | None,
                selection: Selection | None = None) -> dict:
    plan = _plan(options)
    try:
        summary, removed = _staged(plan, on_count, selection)
    except BaseException:
        # Failed before its commit began (a full disk, a bug, an interrupt): nothing of it is
        # kept, and its staged files do not hold the space until the next writer's recovery.
        discard(plan.output, plan.run_id)
        shutil.rmtree(plan.work, ignore_errors=True)
        raise
    if summary.get("status") == "idle":
        return summary
    commit(plan.output, Manifest.plan(plan.output, plan.run_id, replace=plan.replace, state=plan.state,
                                      summary=summary, removed=removed, provenance=plan.provenance,
                                      keep_runs=plan.options.keep_runs))
    return summary


def _staged(plan: _Run, on_count, selection: Selection | None) -> tuple[dict, list]:
    """Runs the job into the run's staging directory and stages what its commit applies:
    (summary, the committed rows it removes). An idle trigger's summary has status 'idle'."""
    db = RunDb(os.path.join(plan.work, RUN_DB))
    try:
        processed = _execute(plan, db, on_count, selection)
        if processed:
            _post_process(plan, db)
    finally:
        db.close()
    if selection is not None and not processed:
        discard(plan.output, plan.run_id)  # an idle trigger leaves no run behind
        shutil.rmtree(plan.work, ignore_errors=True)
        return {"run_id": None, "status": "idle", "files_matched": plan.files["matched"],
                "files_deferred": {k: plan.files[k] for k in ("unsettled", "over_limit")}}, []
    if plan.work != plan.stage:  # the commit applies the run's rows to the state from staging
        copy_file(db.path, f"{plan.stage}/{RUN_DB}")
        shutil.rmtree(plan.work, ignore_errors=True)
    summary = _summary(plan)
    _gate(plan, summary, watching=selection is not None)
    removed = []
    if plan.replacement is not None:  # staged after counting: these rows are not the run's own
        removed = plan.replacement.stage(plan.output, plan.stage)
    date, options = plan.started_at.date().isoformat(), plan.options
    stage_empty_datasets(plan.output, plan.run_id, plan.state, replace=plan.replace, removed=removed,
                         partitions={ARTICLES: partition_dir(options.partition_by, {}, date),
                                     REJECTS: partition_dir(side_partition(options), {}, date),
                                     DUPLICATES: partition_dir(side_partition(options), {}, date)})
    return summary, removed
