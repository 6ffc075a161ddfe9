"""`article-ingest purge`: take records out of a dataset, for a takedown or an erasure
request, and keep them out.

`purge(OUTPUT, source_uris=..., article_ids=...)` removes from the articles, rejects and
duplicates datasets every row whose source_uri is one of `source_uris` or whose input file
(source_file) is, and every row whose article_id is one of `article_ids`. It commits as a
run does (the files concerned are staged rewritten, a manifest makes the commit whole, a
killed purge is rolled forward or discarded by the next writer), under the output's writer
lock, and writes what it removed to the run history (OUTPUT/_runs/<id>.json).

The URIs and ids also go on the output's purge list, in the state database. A later run,
incremental or full, does not write an article record for them again: such a row becomes a
reject with reason `purged` (`filter_purged`), so the input still ends somewhere and the
user sees why. An unchanged input is not even read again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline import version
from pipeline.storage.commit import (
    RUN_DB,
    Manifest,
    commit,
    discard,
    list_dataset_files,
    new_run_id,
    recover,
    stage_empty_datasets,
    staging_dir,
)
from pipeline.storage.inputs import RunDb
from pipeline.storage.lock import writer_lock
from pipeline.storage.remove import Selector, find_rows, stage_without
from pipeline.storage.rewrite import read_columns, rewrite_files
from pipeline.storage.state import (
    PURGED_ID,
    PURGED_SOURCE,
    copy_file,
    is_local,
    load_state,
    read_bytes,
    state_path,
)
from schemas import reasons
from schemas.datasets import COMMITTED
from schemas.record import REJECT_SCHEMA, SCHEMA_VERSION, storable_text
from transforms.partition import (
    arrow_table,
    parquet_compression,
    parquet_writer_options,
    partition_dir,
)

__all__ = ["PurgeError", "filter_purged", "purge"]


class PurgeError(Exception):
    """A purge that cannot start (no such output); the message says why. Exit code 2."""


class _Purged(Selector):
    """Rows whose source_uri or source_file is in `uris`, or whose article_id is in `ids`."""

    def __init__(self, uris: set[str], ids: set[str]):
        self._uris, self._ids = uris, ids

    def may_hold(self, stats) -> bool:
        def within(column: str, values: set[str]) -> bool:
            found = stats.get(column, ())
            return bool(values) and (found is None or (bool(found) and any(found[0] <= v <= found[1]
                                                                            for v in values)))

        if self._uris and "source_file" not in stats:
            return True  # written before schema v3: an input's rows are known by source_uri only
        return (within("source_uri", self._uris) or within("source_file", self._uris)
                or within("article_id", self._ids))

    def select(self, keys: pa.Table) -> np.ndarray:
        import pyarrow.compute as pc  # imported late: 35 ms of start-up
        uris = pa.array(sorted(self._uris), pa.string())
        mask = pc.or_(pc.is_in(keys.column("source_uri"), value_set=uris),
                      pc.is_in(keys.column("source_file"), value_set=uris))
        mask = pc.or_(mask, pc.is_in(keys.column("article_id"), value_set=pa.array(sorted(self._ids), pa.string())))
        return mask.to_numpy(zero_copy_only=False)


def purge(output: str, *, source_uris: list[str] = (), article_ids: list[str] = (),
          keep_runs: int | None = 1000, wait: float = 0.0) -> dict:
    """Removes the records named by `source_uris` and `article_ids` from OUTPUT, puts them on
    its purge list, and returns the record written to the run history."""
    output = output.rstrip("/") or "."
    if not source_uris and not article_ids:
        raise PurgeError("purge needs at least one --source-uri or --article-id")
    if read_bytes(state_path(output)) is None:
        raise PurgeError(f"{output!r} holds no committed run (no _state/state.json): nothing to purge")
    # Named as the rows name them: a file name that is not UTF-8 with backslash escapes.
    uris, ids = {storable_text(u) for u in source_uris}, {storable_text(i) for i in article_ids}
    with writer_lock(output, wait=wait, command="purge"):
        return _purge_locked(output, uris, ids, keep_runs)


def _purge_locked(output: str, uris: set[str], ids: set[str], keep_runs: int | None) -> dict:
    started, started_at = time.monotonic(), dt.datetime.now(dt.timezone.utc)
    recover(output)  # a killed run or purge is finished or discarded first
    state = load_state(output)
    run_id = new_run_id(started_at)
    stage = staging_dir(output, run_id)
    try:
        summary, emptied = _stage_purge(output, stage, run_id, state, uris, ids, started, started_at)
    except BaseException:  # a full disk, Ctrl-C: what was staged goes, as a failed run's does
        discard(output, run_id)
        raise
    commit(output, Manifest.plan(output, run_id, replace=False, state=state, summary=summary,
                                 removed=emptied, latest=False, keep_runs=keep_runs))
    return summary


def _stage_purge(output: str, stage: str, run_id: str, state, uris: set[str], ids: set[str],
                 started: float, started_at: dt.datetime) -> tuple[dict, list]:
    """Stages the datasets without the purged rows: (the purge's summary, the files it empties)."""
    rels = [rel for dataset in COMMITTED for rel in state.files.get(dataset, [])]
    hits = find_rows(output, rels, _Purged(uris, ids))
    emptied = stage_without(output, stage, hits)
    work = stage if is_local(stage) else tempfile.mkdtemp(prefix="article-ingest-purge-")
    db = RunDb(os.path.join(work, RUN_DB))
    removed: dict[str, int] = {dataset: 0 for dataset in COMMITTED}
    records = []
    with db.con:
        for hit in hits:
            removed[hit.dataset] += hit.keys.num_rows
            for row in hit.keys.select(["source_uri", "article_id"]).to_pylist():
                records.append({"dataset": hit.dataset, **row})
            if hit.dataset == "articles":
                db.con.executemany("INSERT OR IGNORE INTO removed_ids VALUES (?, ?, ?)",
                                   ((i, hit.rel, r) for i, r in zip(hit.keys.column("article_id").to_pylist(),
                                                                    hit.keys.column("row").to_pylist())))
        db.con.executemany("INSERT OR IGNORE INTO purged VALUES (?, ?)",
                           [(PURGED_SOURCE, u) for u in sorted(uris)] + [(PURGED_ID, i) for i in sorted(ids)])
    db.close()
    if work != stage:
        copy_file(db.path, f"{stage}/{RUN_DB}")
        shutil.rmtree(work, ignore_errors=True)
    summary = {
        "run_id": run_id,
        "command": "purge",
        "status": "succeeded",
        "output": output,
        "started_at": started_at.isoformat(),
        "duration_seconds": round(time.monotonic() - started, 3),
        "source_uris": sorted(uris),
        "article_ids": sorted(ids),
        "removed": removed,
        "removed_records": sorted(records, key=lambda r: (r["dataset"], r["source_uri"])),
        "schema_version": SCHEMA_VERSION,
        "article_ingest_version": version(),
    }
    # A dataset the purge empties keeps a file of its schema, where its last file was.
    partitions = {rel.split("/", 1)[0]: rel.split("/", 1)[1].rpartition("/")[0] for rel in emptied}
    stage_empty_datasets(output, run_id, state, replace=False, removed=emptied, partitions=partitions)
    return summary, emptied


def _purge_list(state_db: str | None) -> dict[str, dict[str, str]]:
    """{kind: {value: purge run id}} from the state database."""
    found: dict[str, dict[str, str]] = {PURGED_SOURCE: {}, PURGED_ID: {}}
    if state_db is None or not os.path.exists(state_db):
        return found
    con = sqlite3.connect(state_db)
    try:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'purged'").fetchone():
            for kind, value, run_id in con.execute("SELECT kind, value, run_id FROM purged"):
                found.setdefault(kind, {})[value] = run_id
    finally:
        con.close()
    return found


def filter_purged(stage: str, state_db: str | None, *, run_id: str | None, rejected_at: dt.datetime,
                  partition_by: str, ingest_date: str, codec: str, provenance: dict) -> int:
    """Turns a run's staged article rows that are on the purge list into `purged` rejects
    (removed from stage/articles/, written under stage/rejects/). Runs before deduplication,
    so a purged copy is never the kept one. Returns how many."""
    listed = _purge_list(state_db)
    uris, ids = listed[PURGED_SOURCE], listed[PURGED_ID]
    if not uris and not ids:
        return 0
    selector = _Purged(set(uris), set(ids))
    rejects, plans = [], []
    for rel in list_dataset_files(stage, "articles"):
        path = f"{stage}/{rel}"
        keys, groups = read_columns(path, ["source_uri", "source_file", "article_id"])
        drop = selector.select(keys)
        if not drop.any():
            continue
        for row in keys.filter(pa.array(drop)).to_pylist():
            by = (f"source_uri {row['source_uri']!r}" if row["source_uri"] in uris else
                  f"input {row['source_file']!r}" if row["source_file"] in uris else f"article_id {row['article_id']}")
            purge_run = uris.get(row["source_uri"]) or uris.get(row["source_file"]) or ids.get(row["article_id"])
            rejects.append({"source_uri": row["source_uri"], "reason": reasons.PURGED,
                            "detail": f"{by} was purged from this output (run {purge_run}, see _runs/); "
                                      "its record is not written again",
                            "size_bytes": None, "run_id": run_id, "rejected_at": rejected_at,
                            "source_file": row["source_file"], **provenance, "schema_version": SCHEMA_VERSION})
        plans.append((path, groups, _keeping(~drop)))
    if not rejects:  # a purge list, but none of this run's articles is on it
        return 0
    rewrite_files(plans)
    _write_rejects(stage, rejects, run_id, partition_by, ingest_date, codec)
    return len(rejects)


def _keeping(keep: np.ndarray):
    def edit(batch: pa.Table, offset: int) -> pa.Table:
        return batch.filter(pa.array(keep[offset:offset + batch.num_rows]))
    return edit


def _write_rejects(stage: str, rows: list[dict], run_id: str | None, partition_by: str, ingest_date: str,
                   codec: str) -> None:
    rows.sort(key=lambda r: r["source_uri"])
    part = partition_dir(partition_by, rows[0], ingest_date)
    stem = hashlib.sha256(f"purged\0{rows[0]['source_uri']}".encode()).hexdigest()[:16]
    tag = f"-{run_id}" if run_id else ""
    path = "/".join(p for p in (stage, "rejects", part, f"part-{stem}-000{tag}.parquet") if p)
    with FileSystems.create(path) as handle:
        pq.write_table(arrow_table(rows, REJECT_SCHEMA), handle, compression=parquet_compression(codec),
                       **parquet_writer_options(REJECT_SCHEMA))
