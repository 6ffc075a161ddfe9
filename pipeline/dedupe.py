"""Exact duplicates: one article record per article_id, within a run and across runs.

article_id is a hash of the normalized body alone (transforms/ids.py), so the same article
syndicated with another footer, or rendered by another tool, is a duplicate of its body.
Within a run the record kept is the one from the smallest source_uri, so every runner keeps
the same one; an id an earlier run committed is never written again. Each dropped input
becomes a row in the `duplicates` dataset, so every input ends somewhere.

The pipeline writes article rows as they come, duplicates included. Then, on the launcher
and before the commit, `dedupe_staged` reads back just the (article_id, source_uri) pairs
of the staged article files into the run's SQLite table, finds the losers there with one
ordered query (joined with the ids earlier runs committed, kept in the state database),
writes them as the duplicates dataset and removes them from the staged article files.
Memory stays flat with the input: SQLite works from disk, and only the losers' keys are
held while the article files are rewritten.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.commit import list_dataset_files
from pipeline.storage.rewrite import parquet_files, read_columns, rewrite_files
from pipeline.storage.state import RUN_CHANGES_SCHEMA
from schemas.datasets import ARTICLES, DUPLICATES
from schemas.record import DUPLICATE_SCHEMA, duplicate_row
from transforms.partition import (
    arrow_table,
    parquet_compression,
    parquet_writer_options,
    partition_dir,
)

__all__ = ["choose_kept", "dedupe_staged", "drop_duplicates"]

_BATCH = 10_000


def choose_kept(rows: list[dict], already_committed: bool) -> tuple[dict | None, list[dict]]:
    """(row to write, duplicate rows) for all rows sharing one article_id.

    The kept row is the one with the smallest source_uri: a choice every runner makes alike.
    This is the rule `dedupe_staged` applies in SQL.
    """
    ordered = sorted(rows, key=lambda r: r["source_uri"])
    if already_committed:
        return None, ordered
    return (ordered[0], ordered[1:]) if ordered else (None, [])


def _collect_keys(con: sqlite3.Connection, stage: str) -> None:
    """Every staged article's (article_id, source_uri), a batch at a time."""
    for rel in list_dataset_files(stage, ARTICLES):
        with FileSystems.open(f"{stage}/{rel}") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(
                    batch_size=_BATCH, columns=["article_id", "source_uri", "source_file"]):
                with con:
                    con.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?, ?)",
                                    zip(*(batch.column(i).to_pylist() for i in range(3))))


# The rule of choose_kept, over the whole run at once: in each article_id's group ordered by
# source_uri, every row but the first loses, and every row loses if the id was committed
# (and its committed record is not one this run removes: removed_ids).
_LOSERS = """
    SELECT article_id, source_uri, kept_source_uri, source_file FROM (
        SELECT k.article_id, k.source_uri, k.source_file,
               CASE WHEN {committed} THEN NULL
                    ELSE first_value(k.source_uri) OVER byid END AS kept_source_uri,
               {committed} AS committed,
               row_number() OVER byid AS rank
        FROM keys k {join}
        WINDOW byid AS (PARTITION BY k.article_id ORDER BY k.source_uri))
    WHERE committed OR rank > 1
    ORDER BY source_uri
"""


def _losers(con: sqlite3.Connection, state_db: str | None):
    if state_db is None:
        return con.execute(_LOSERS.format(committed="0", join=""))
    con.execute("ATTACH DATABASE ? AS state", (state_db,))
    con.executescript(RUN_CHANGES_SCHEMA.format(db="main."))
    return con.execute(_LOSERS.format(
        committed="(s.article_id IS NOT NULL AND r.article_id IS NULL)",
        join="LEFT JOIN state.ids s ON s.article_id = k.article_id "
             "LEFT JOIN removed_ids r ON r.article_id = k.article_id"))


def dedupe_staged(stage: str, con: sqlite3.Connection, state_db: str | None, *, detected_at: dt.datetime,
                  run_id: str | None, partition_by: str, ingest_date: str, codec: str,
                  provenance: dict | None = None) -> int:
    """Finds the duplicates among a run's staged articles, writes them under
    `stage/duplicates/` and removes them from `stage/articles/`. Returns how many.

    `con` is the run's database (pipeline.storage.inputs.RunDb), `state_db` the state database of
    earlier runs (None for a full run). `provenance` ({pipeline_version, rules_fingerprint})
    is written on every duplicate row: the run that decided it.
    """
    provenance = provenance or {}
    _collect_keys(con, stage)
    writer = handle = None
    written = 0
    try:
        for batch in _batches(_losers(con, state_db)):
            rows = [duplicate_row(article_id, uri, kept, run_id=run_id, detected_at=detected_at,
                                  source_file=source_file, **provenance)
                    for article_id, uri, kept, source_file in batch]
            if writer is None:
                part = partition_dir(partition_by, rows[0], ingest_date)
                stem = hashlib.sha256(f"{rows[0]['source_uri']}\0{rows[0]['article_id']}".encode()).hexdigest()[:16]
                tag = f"-{run_id}" if run_id else ""
                path = "/".join(p for p in (stage, DUPLICATES, part, f"part-{stem}-000{tag}.parquet") if p)
                handle = FileSystems.create(path)
                writer = pq.ParquetWriter(handle, DUPLICATE_SCHEMA, compression=parquet_compression(codec),
                                          **parquet_writer_options(DUPLICATE_SCHEMA))
            writer.write_table(arrow_table(rows, DUPLICATE_SCHEMA), row_group_size=_BATCH)
            written += len(rows)
    finally:
        if writer is not None:
            writer.close()
            handle.close()
        if state_db is not None:
            con.execute("DETACH DATABASE state")
    if written:
        drop_duplicates(f"{stage}/{ARTICLES}", f"{stage}/{DUPLICATES}")
    return written


def _batches(cursor):
    while True:
        batch = cursor.fetchmany(_BATCH)
        if not batch:
            return
        yield batch


def drop_duplicates(articles_dir: str, duplicates_dir: str) -> int:
    """Removes from the article files under `articles_dir` every row the duplicate files
    under `duplicates_dir` name (by article_id and source_uri). Returns the rows removed.

    Runs on the launcher between the pipeline and the commit, on staged files only. Memory:
    the losers' keys, plus one row group per thread at a time. A file left empty is deleted;
    the others are rewritten (pipeline/rewrite.py).
    """
    losers: set[tuple[str, str]] = set()
    for path in parquet_files(duplicates_dir):
        with FileSystems.open(path) as handle:
            table = pq.ParquetFile(handle).read(columns=["article_id", "source_uri"])
        losers.update(zip(table.column("article_id").to_pylist(), table.column("source_uri").to_pylist()))
    if not losers:
        return 0
    loser_ids = {article_id for article_id, _ in losers}
    removed = 0
    plans = []
    for path in parquet_files(articles_dir):
        keys, groups = read_columns(path, ["article_id", "source_uri"])
        ids = keys.column("article_id").to_pylist()
        if loser_ids.isdisjoint(ids):
            continue
        drop = [(i, u) in losers for i, u in zip(ids, keys.column("source_uri").to_pylist())]
        if not any(drop):
            continue
        removed += sum(drop)
        if all(drop):
            FileSystems.delete([path])
            continue
        plans.append((path, groups, _dropping(drop)))
    rewrite_files(plans)
    return removed


def _dropping(drop: list[bool]):
    def edit(batch: pa.Table, offset: int) -> pa.Table:
        return batch.filter(pa.array([not d for d in drop[offset:offset + batch.num_rows]], type=pa.bool_()))
    return edit
