"""Atomic-ish commit of a run's output: stage, write a manifest, move into place, then state.

A run writes every Parquet file under OUTPUT/_staging/<run_id>/, which readers never see
(pyarrow, DuckDB and Spark skip names starting with '_' or '.'; the datasets are
OUTPUT/articles/ etc.). Once the pipeline has finished, the launcher writes
OUTPUT/_staging/<run_id>/_manifest.json (the moves, the files to delete, the new state and
the summary) in one atomic write: from then on the run counts as committed. The moves
(renames of whole files), the deletes, the state, the run history and run.json follow;
every step is idempotent, so a launcher killed half-way is rolled forward by the next run
(`recover`). A staging directory without a manifest belongs to a run that never got that
far: it is deleted, and as the state was not updated, its inputs are processed again.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import uuid

from apache_beam.io.filesystems import FileSystems

from pipeline.storage.state import (
    State,
    apply_run,
    copy_file,
    is_local,
    read_bytes,
    save_state,
    write_atomic,
)
from schemas.datasets import COMMITTED

__all__ = [
    "Manifest",
    "commit",
    "discard",
    "list_dataset_files",
    "new_run_id",
    "prune_run_history",
    "recover",
    "stage_empty_datasets",
    "staging_dir",
    "write_run_record",
]

STAGING = "_staging"
RUNS = "_runs"
MANIFEST = "_manifest.json"
RUN_DB = "_run.sqlite"  # the run's inputs and article ids (pipeline/inputs.py)
# A dataset a commit would leave with no file gets one Parquet file of its schema and no
# rows instead, named so: a query over it (DuckDB, Polars, Spark, pandas) finds no rows
# rather than no files. The next commit that brings the dataset rows deletes it.
EMPTY_FILE_PREFIX = "part-empty-"


def new_run_id(started_at: dt.datetime) -> str:
    """Sortable by start time to the millisecond (a watch may commit several batches in one
    second), unique across machines: 20261128T093000123Z-1a2b3c4d."""
    utc = started_at.astimezone(dt.timezone.utc)
    return f"{utc:%Y%m%dT%H%M%S}{utc.microsecond // 1000:03d}Z-{uuid.uuid4().hex[:8]}"


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") if i else p.rstrip("/") for i, p in enumerate(parts) if p)


def staging_dir(output: str, run_id: str) -> str:
    return _join(output, STAGING, run_id)


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def list_dataset_files(root: str, dataset: str) -> list[str]:
    """Relative paths ('articles/ingest_date=…/part-….parquet') of a dataset's visible files."""
    base = _join(root, dataset)
    found: list[str] = []
    if is_local(base):
        for directory, subdirs, files in os.walk(base):
            subdirs[:] = sorted(d for d in subdirs if not _hidden(d))
            rel_dir = os.path.relpath(directory, root).replace(os.sep, "/")
            found += [f"{rel_dir}/{f}" for f in sorted(files) if not _hidden(f) and f.endswith(".parquet")]
        return found
    try:
        matches = FileSystems.match([f"{base}/**.parquet"])[0].metadata_list
    except Exception:  # noqa: BLE001 - nothing there yet
        return []
    prefix = root.rstrip("/") + "/"
    for m in matches:
        rel = m.path[len(prefix):]
        if not any(_hidden(part) for part in rel.split("/")):
            found.append(rel)
    return sorted(found)


class Manifest(dict):
    """What a commit does, written before it starts: {run_id, moves, delete, state, run_db,
    replace, provenance, summary, latest, keep_runs}.

    `moves` are staged files, new ones or rewritten versions of committed ones (same
    relative path: the move replaces the file); `delete` are committed files to remove (all
    of them for a full run; those a replacement, purge or compaction left empty or merged
    otherwise). `run_db` (relative to the staging directory) holds the rows the state
    database takes; `replace` says whether they replace what earlier runs recorded. `latest`
    is false for a commit that is not a run (purge, compact): run.json keeps describing the
    last run."""

    @classmethod
    def plan(cls, output: str, run_id: str, *, replace: bool, state: State, summary: dict,
             removed: list[str] = (), provenance: dict | None = None, latest: bool = True,
             keep_runs: int | None = None) -> Manifest:
        stage = staging_dir(output, run_id)
        staged = [rel for dataset in COMMITTED for rel in list_dataset_files(stage, dataset)]
        old = [rel for dataset in COMMITTED for rel in list_dataset_files(output, dataset)] if replace else []
        old += list(removed)
        for dataset in COMMITTED:
            kept = _kept(state, dataset, replace, removed)
            new = {r for r in staged if r.startswith(dataset + "/")}
            if any(not _is_empty_file(r) for r in new):  # rows now: the stand-in goes
                empty = {r for r in kept if _is_empty_file(r)}
                kept -= empty
                old += sorted(empty)
            state.files[dataset] = sorted(kept | new)
        if latest:
            state.last_run_id = run_id
        return cls(run_id=run_id, moves=staged, delete=sorted(set(old) - set(staged)),
                   state=state.to_json(), run_db=RUN_DB, replace=replace, provenance=provenance or {},
                   summary=summary, latest=latest, keep_runs=keep_runs)


def _kept(state: State, dataset: str, replace: bool, removed) -> set[str]:
    """The committed files of `dataset` a commit keeps."""
    return set() if replace else set(state.files.get(dataset, [])) - set(removed)


def _is_empty_file(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1].startswith(EMPTY_FILE_PREFIX)


def stage_empty_datasets(output: str, run_id: str, state: State, *, replace: bool,
                         removed: list[str] = (), partitions: dict[str, str]) -> list[str]:
    """Stages a file of the dataset's schema and no rows for each dataset the commit of
    `run_id` would otherwise leave with no file: a run with no article, a first run with
    only rejects, a full refresh or replacement that leaves nothing. It goes in the
    partition directory `partitions[dataset]` ('' for none), the run's own, so the
    dataset's layout stays one; a dataset not in `partitions` is left as it is. Returns the
    paths staged (relative to the output)."""
    import pyarrow.parquet as pq

    from schemas.datasets import SCHEMAS

    stage = staging_dir(output, run_id)
    staged = []
    for dataset in COMMITTED:
        if dataset not in partitions or _kept(state, dataset, replace, removed) or list_dataset_files(stage, dataset):
            continue
        rel = _join(dataset, partitions[dataset], f"{EMPTY_FILE_PREFIX}{run_id}.parquet")
        with FileSystems.create(_join(stage, rel)) as handle:
            pq.write_table(SCHEMAS[dataset].empty_table(), handle)
        staged.append(rel)
    return staged


def _move(src: str, dst: str) -> None:
    if is_local(src):
        if os.path.exists(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.replace(src, dst)
    elif FileSystems.exists(src):
        FileSystems.rename([src], [dst])


def _delete(path: str) -> None:
    if is_local(path):
        if os.path.exists(path):
            os.unlink(path)
            _prune_empty_dirs(os.path.dirname(path))
    elif FileSystems.exists(path):
        FileSystems.delete([path])


def _prune_empty_dirs(directory: str) -> None:
    # Only partition directories ('key=value'): never the dataset root or OUTPUT itself.
    while "=" in os.path.basename(directory) and os.path.isdir(directory) and not os.listdir(directory):
        os.rmdir(directory)
        directory = os.path.dirname(directory)


def _remove_tree(path: str) -> None:
    if is_local(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    # An object store has no directory to delete: delete every object under the prefix.
    with contextlib.suppress(Exception):  # nothing there
        found = [m.path for m in FileSystems.match([f"{path.rstrip('/')}/**"])[0].metadata_list]
        if found:
            FileSystems.delete(found)
    with contextlib.suppress(Exception):  # file systems with directories (HDFS): the folder too
        FileSystems.delete([path])


def write_run_record(output: str, summary: dict, *, latest: bool = True,
                     keep_runs: int | None = None) -> None:
    """OUTPUT/_runs/<run_id>.json (the history) and, for a committed run, OUTPUT/run.json.

    With `keep_runs`, the history then keeps only the newest that many records."""
    # A name that is not UTF-8 (an --input of such a directory) is written as a JSON escape
    # ('\udce9'), which json.loads reads back as it was.
    data = json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8", "backslashreplace") + b"\n"
    write_atomic(_join(output, RUNS, f"{summary['run_id']}.json"), data)
    if latest:
        write_atomic(_join(output, "run.json"), data)
    if keep_runs is not None:
        prune_run_history(output, keep_runs)


def prune_run_history(output: str, keep: int) -> list[str]:
    """Deletes all but the newest `keep` records of OUTPUT/_runs/; returns the run ids
    deleted. The run a record describes is not touched.

    Newest by start second (the run id's prefix), then by when the record was written: two
    runs started in the same second (a watch's batches) sort by their random suffix alone."""
    directory = _join(output, RUNS)
    if is_local(directory):
        names = os.listdir(directory) if os.path.isdir(directory) else []
        found = []
        for name in names:
            with contextlib.suppress(OSError):
                found.append((name, os.stat(os.path.join(directory, name)).st_mtime_ns))
    else:
        try:
            found = [(m.path.rsplit("/", 1)[-1], m.last_updated_in_seconds)
                     for m in FileSystems.match([f"{directory}/*.json"])[0].metadata_list]
        except Exception:  # noqa: BLE001 - no history yet
            found = []
    records = sorted(((name.split("-", 1)[0], written, name) for name, written in found
                      if name.endswith(".json") and not _hidden(name)))
    old = [name for _, _, name in records[:max(len(records) - max(keep, 0), 0)]]
    for name in old:
        _delete(_join(directory, name))
    return [name.removesuffix(".json") for name in old]


def discard(output: str, run_id: str) -> None:
    """Drops a run's staged output without committing it."""
    _remove_tree(staging_dir(output, run_id))
    _remove_if_empty(_join(output, STAGING))


def commit(output: str, manifest: Manifest, *, hook=None) -> None:
    """Publishes a staged run. Safe to repeat from any point (see `recover`).

    `hook(step)` is called between steps; tests use it to stop a commit half-way.
    """
    stage = staging_dir(output, manifest["run_id"])
    manifest_path = _join(stage, MANIFEST)
    if read_bytes(manifest_path) is None:
        write_atomic(manifest_path, json.dumps(manifest).encode("utf-8"))
    # The manifest is written: the run is committed, and the next writer rolls it forward.
    try:
        _publish(output, stage, manifest_path, manifest, hook)
    except KeyboardInterrupt as err:
        raise CommitInterrupted(str(err)) from err
    except Exception as err:
        raise CommitUnfinished(f"{type(err).__name__}: {err}") from err


class CommitUnfinished(Exception):
    """A commit failed after its manifest was written (a full disk): the run is committed,
    some of its records may be visible already, and the next run on the output finishes it."""


class CommitInterrupted(KeyboardInterrupt):
    """Ctrl-C after a commit's manifest was written: as CommitUnfinished, and still an
    interrupt."""


def _publish(output: str, stage: str, manifest_path: str, manifest: Manifest, hook) -> None:
    for i, rel in enumerate(manifest["moves"]):
        _move(_join(stage, rel), _join(output, rel))
        if hook:
            hook(f"moved:{i}")
    for rel in manifest["delete"]:
        _delete(_join(output, rel))
    if hook:
        hook("deleted")
    if manifest.get("run_db"):  # (manifests of the first release carry the inputs in "state")
        _apply_run_db(output, _join(stage, manifest["run_db"]), replace=manifest["replace"],
                      provenance=manifest.get("provenance"), run_id=manifest["run_id"])
    save_state(output, manifest["state"])
    write_run_record(output, manifest["summary"], latest=manifest.get("latest", True),
                     keep_runs=manifest.get("keep_runs"))
    # The manifest goes first: from then on the run no longer counts as one to roll
    # forward, and a kill while the rest is removed leaves a staging directory that the
    # next run simply discards.
    _delete(manifest_path)
    _remove_tree(stage)
    _remove_if_empty(_join(output, STAGING))


def _apply_run_db(output: str, run_db: str, **how) -> None:
    if is_local(run_db):
        apply_run(output, run_db, **how)
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="article-ingest-commit-") as temp:
        local = os.path.join(temp, RUN_DB)
        copy_file(run_db, local)
        apply_run(output, local, **how)


def _remove_if_empty(directory: str) -> None:
    if is_local(directory):
        try:
            os.rmdir(directory)
        except OSError:
            pass  # not empty (another run's staging) or already gone


def _remove_stale_temp_files(output: str) -> None:
    """A run killed inside an atomic write leaves its hidden '.tmp-*' file; readers never see
    it, and with one writer per output directory no live run owns it any more."""
    if not is_local(output) or not os.path.isdir(output):
        return
    for directory, _dirs, files in os.walk(output):
        for name in files:
            if name.startswith(".tmp-"):
                try:
                    os.unlink(os.path.join(directory, name))
                except OSError:
                    pass


def recover(output: str) -> list[tuple[str, str]]:
    """Finishes commits a killed run started; discards output of runs that never committed.

    Returns [(run_id, 'rolled_forward' | 'discarded')].
    """
    root = _join(output, STAGING)
    if is_local(root):
        run_ids = sorted(os.listdir(root)) if os.path.isdir(root) else []
    else:
        try:
            # Every staged file, not only manifests: a killed run's files are discarded too.
            metas = FileSystems.match([f"{root}/**"])[0].metadata_list
        except Exception:  # noqa: BLE001
            metas = []
        run_ids = sorted({m.path[len(root) + 1:].split("/", 1)[0] for m in metas})
    _remove_stale_temp_files(output)
    done = []
    for run_id in run_ids:
        raw = read_bytes(_join(root, run_id, MANIFEST))
        if raw is None:
            _remove_tree(_join(root, run_id))
            done.append((run_id, "discarded"))
        else:
            commit(output, Manifest(json.loads(raw)))
            done.append((run_id, "rolled_forward"))
    return done
