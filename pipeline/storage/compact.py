"""`article-ingest compact OUTPUT`: a partition's small files rewritten into few well-sized
ones, with the same records (every column, ids included).

Each incremental run or watch batch adds at least one file per partition and dataset it
touches; a watch at one batch a second would leave thousands of files of a few rows, which
readers (DuckDB, pyarrow, Spark) open one by one. Compaction merges, per dataset and
partition directory, the files smaller than TARGET_FILE_BYTES into files of up to that size,
streaming a row group at a time, so memory stays flat.

It commits as a run does (pipeline/storage/commit.py): the merged files are written under
OUTPUT/_staging/<run_id>/, then a manifest names the files to move in and the small files
to delete, with the new state.json. Killed before the manifest, nothing visible changed and
the next writer discards the staging; killed after, the next writer finishes the commit. A
query that lists the files while the commit runs may see a merged file and the small files
it replaces side by side (records twice) for that moment: moves come before deletes, so it
never misses a record. The compaction is recorded in OUTPUT/_runs/ ("command": "compact")
but does not replace run.json, which stays the last ingest run.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.commit import (
    Manifest,
    commit,
    discard,
    list_dataset_files,
    new_run_id,
    recover,
    staging_dir,
)
from pipeline.storage.lock import writer_lock
from pipeline.storage.rewrite import file_compression
from pipeline.storage.state import is_local, load_state
from schemas.datasets import COMMITTED as DATASETS
from transforms.partition import parquet_writer_options

__all__ = ["AUTO_COMPACT_FILES", "TARGET_FILE_BYTES", "compact", "plan_compaction"]

# A file this big (or bigger) is well-sized and left alone; merged files grow up to it.
TARGET_FILE_BYTES = 128 * 1024 * 1024
# A watch compacts a partition between batches once it holds this many small files of a
# dataset (docs/streaming.md); `compact` merges any partition with two or more.
AUTO_COMPACT_FILES = 16
# A merged file's row groups: up to this many rows, or the rows of _BUFFER_BYTES in memory.
# (The workers write row groups of 1,000 rows as they stream; a merged file can afford
# bigger ones, which readers scan faster.)
_ROWS_PER_ROW_GROUP = 10_000
_BUFFER_BYTES = 64 * 1024 * 1024


@dataclasses.dataclass
class _Group:
    """Small files of one dataset and partition directory with the same Arrow schema."""

    dataset: str
    partition: str  # relative directory, e.g. 'articles/ingest_date=2026-12-01'
    files: list[tuple[str, int]]  # (relative path, bytes)


def _size(path: str) -> int:
    if is_local(path):
        return os.path.getsize(path)
    return FileSystems.match([path])[0].metadata_list[0].size_in_bytes


def _schema_key(path: str) -> bytes:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).schema_arrow.serialize().to_pybytes()


def _tier(files: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The smallest files, up to the first one bigger than twice all smaller ones together.
    A merged file is then at least half again as big as the biggest file merged into it, so
    a row is rewritten O(log n) times over n batches, not at every compaction."""
    chosen, total = [], 0
    for rel, size in sorted(files, key=lambda item: (item[1], item[0])):
        if chosen and size > 2 * total:
            break
        chosen.append((rel, size))
        total += size
    return chosen


def plan_compaction(output: str, *, min_files: int = 2, target_bytes: int = TARGET_FILE_BYTES,
                    tiered: bool = False) -> list[_Group]:
    """The groups worth merging: per dataset and partition directory, the files under
    `target_bytes`, when there are at least `min_files` of them (and of one schema).
    `tiered` (a watch's automatic compaction) leaves out the small files bigger than the
    smaller ones together (`_tier`)."""
    output = output.rstrip("/")
    groups: list[_Group] = []
    for dataset in DATASETS:
        by_dir: dict[str, list[str]] = {}
        for rel in list_dataset_files(output, dataset):
            by_dir.setdefault(rel.rsplit("/", 1)[0], []).append(rel)
        for partition, rels in sorted(by_dir.items()):
            if len(rels) < min_files:
                continue
            small = [(rel, size) for rel in rels if (size := _size(f"{output}/{rel}")) < target_bytes]
            if len(small) < min_files:
                continue
            by_schema: dict[bytes, list[tuple[str, int]]] = {}
            for rel, size in small:  # files of another schema version are merged apart
                by_schema.setdefault(_schema_key(f"{output}/{rel}"), []).append((rel, size))
            for files in by_schema.values():
                files = _tier(files) if tiered else files
                if len(files) >= min_files:
                    groups.append(_Group(dataset, partition, files))
    return groups


def _bins(files: list[tuple[str, int]], target_bytes: int) -> list[list[str]]:
    """Consecutive runs of files (in name order) of up to `target_bytes` together."""
    bins: list[list[str]] = [[]]
    total = 0
    for rel, size in sorted(files):
        if bins[-1] and total + size > target_bytes:
            bins.append([])
            total = 0
        bins[-1].append(rel)
        total += size
    return bins


def _merge(output: str, sources: list[str], target: str) -> int:
    """Writes the rows of `sources` (in order) to `target`; returns the rows written."""
    first = f"{output}/{sources[0]}"
    with FileSystems.open(first) as handle:
        reader = pq.ParquetFile(handle)
        schema, codec = reader.schema_arrow, file_compression(reader)
    written = 0
    pending: list[pa.Table] = []
    pending_rows = pending_bytes = 0
    with FileSystems.create(target) as sink, pq.ParquetWriter(
            sink, schema, compression=codec, **parquet_writer_options(schema)) as writer:
        def flush() -> None:
            nonlocal pending, pending_rows, pending_bytes
            if pending_rows:
                writer.write_table(pa.concat_tables(pending), row_group_size=pending_rows)
            pending, pending_rows, pending_bytes = [], 0, 0

        for rel in sources:
            with FileSystems.open(f"{output}/{rel}") as handle:
                reader = pq.ParquetFile(handle)
                for group in range(reader.metadata.num_row_groups):
                    table = reader.read_row_group(group)
                    pending.append(table)
                    pending_rows += table.num_rows
                    pending_bytes += table.nbytes
                    written += table.num_rows
                    if pending_rows >= _ROWS_PER_ROW_GROUP or pending_bytes >= _BUFFER_BYTES:
                        flush()
        flush()
    return written


def _rows(path: str) -> int:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def _stage_merges(output: str, stage: str, run_id: str, groups, target_bytes: int, summary: dict,
                  moves: list, deletes: list) -> None:
    """Writes each group's merged files into `stage`, adding to `moves`, `deletes` and the
    summary's counts."""
    for group in groups:
        for k, sources in enumerate(_bins(group.files, target_bytes)):
            if len(sources) < 2:
                continue  # one file alone is already as big as a merged one may be
            rel = f"{group.partition}/part-compacted-{k:03d}-{run_id}.parquet"
            rows = _merge(output, sources, f"{stage}/{rel}")
            if rows != sum(_rows(f"{output}/{s}") for s in sources):
                raise RuntimeError(f"compaction of {group.partition} lost rows; nothing committed")
            moves.append(rel)
            deletes += sources
            summary["files_before"][group.dataset] += len(sources)
            summary["files_after"][group.dataset] += 1
            summary["rows"][group.dataset] += rows
        summary["partitions"] += 1


def compact(output: str, *, min_files: int = 2, target_bytes: int = TARGET_FILE_BYTES,
            tiered: bool = False, hook=None) -> dict:
    """Merges each partition's small files (see the module docstring) and commits the result.

    Returns the summary recorded in OUTPUT/_runs/<run_id>.json; "files_before" equal to
    "files_after" means there was nothing to merge (and nothing is recorded). `hook` is
    handed to the commit (tests stop it half-way)."""
    output = output.rstrip("/") or "."
    with writer_lock(output, command="compact"):
        recover(output)
        started, started_at = time.monotonic(), dt.datetime.now(dt.timezone.utc)
        run_id = new_run_id(started_at)
        groups = plan_compaction(output, min_files=min_files, target_bytes=target_bytes, tiered=tiered)
        summary = {"run_id": run_id, "status": "succeeded", "command": "compact", "output": output,
                   "started_at": started_at.isoformat(), "partitions": 0,
                   "files_before": {d: 0 for d in DATASETS}, "files_after": {d: 0 for d in DATASETS},
                   "rows": {d: 0 for d in DATASETS}}
        if not groups:
            summary["duration_seconds"] = round(time.monotonic() - started, 3)
            return summary
        stage = staging_dir(output, run_id)
        moves, deletes = [], []
        try:
            _stage_merges(output, stage, run_id, groups, target_bytes, summary, moves, deletes)
            state = load_state(output) if moves else None
        except BaseException:  # a full disk, Ctrl-C: what was staged goes, as a failed run's does
            discard(output, run_id)
            raise
        if not moves:
            summary["duration_seconds"] = round(time.monotonic() - started, 3)
            return summary
        gone = set(deletes)
        for dataset in DATASETS:
            kept = [rel for rel in state.files.get(dataset, []) if rel not in gone]
            state.files[dataset] = sorted(set(kept) | {r for r in moves if r.startswith(dataset + "/")})
        summary["duration_seconds"] = round(time.monotonic() - started, 3)
        commit(output, Manifest(run_id=run_id, moves=moves, delete=sorted(deletes), state=state.to_json(),
                                run_db=None, replace=False, summary=summary, latest=False), hook=hook)
        return summary
