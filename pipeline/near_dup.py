"""Near-duplicate marking on the launcher, from disk (--near-dup).

The pipeline writes one MinHash signature per article to the run's staging directory
(`_signatures/`, never committed). Once it has run, and after exact duplicates are removed,
`mark_staged` reads the signatures into the run's SQLite database, one row per article_id
and one row per LSH band, finds the candidate pairs (articles sharing all the values of a
band) with one join, keeps the pairs whose estimated Jaccard similarity reaches the
threshold, joins them into clusters, and sets `near_dup_of` in the staged article files.

This is what `transforms.near_dup.clusters` computes in memory with datasketch's LSH index
(the same bands and rows per band, so the same candidates), with memory that stays flat as
the run grows: SQLite works from disk, and only the articles in candidate pairs are held.
"""
from __future__ import annotations

import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.rewrite import parquet_files, read_columns, rewrite_files
from schemas.datasets import ARTICLES, SIGNATURES
from transforms.near_dup import THRESHOLD, jaccard, lsh_bands, representatives, root, union

__all__ = ["find_clusters", "mark_staged", "set_near_dup_of"]

_BATCH = 10_000


def mark_staged(stage: str, con: sqlite3.Connection, threshold: float = THRESHOLD) -> int:
    """Marks the near-duplicates among a run's staged articles; returns how many articles
    got a `near_dup_of`. `con` is the run's database (pipeline.storage.inputs.RunDb)."""
    marks = find_clusters(_staged_signatures(stage), con, threshold)
    return set_near_dup_of(f"{stage}/{ARTICLES}", marks)


def _staged_signatures(stage: str):
    for path in parquet_files(f"{stage}/{SIGNATURES}"):
        with FileSystems.open(path) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=_BATCH, columns=["article_id", "minhash"]):
                yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist())


def find_clusters(signatures, con: sqlite3.Connection, threshold: float = THRESHOLD) -> dict[str, str]:
    """{article_id: representative} for every article of a cluster but its representative
    (the cluster's smallest id), from (article_id, signature bytes) pairs."""
    bands, rows = lsh_bands(threshold)
    con.executescript(
        """
        DROP TABLE IF EXISTS signatures;
        DROP TABLE IF EXISTS buckets;
        CREATE TABLE signatures (article_id TEXT PRIMARY KEY, minhash BLOB) WITHOUT ROWID;
        CREATE TABLE buckets (band INTEGER, bucket BLOB, article_id TEXT,
                              PRIMARY KEY (band, bucket, article_id)) WITHOUT ROWID;
        """
    )
    width = 4 * rows  # bytes of a band: `rows` 4-byte values
    batch: list[tuple[str, bytes]] = []

    def flush() -> None:
        with con:
            con.executemany("INSERT OR IGNORE INTO signatures VALUES (?, ?)", batch)
            con.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?, ?)",
                            ((band, minhash[band * width:(band + 1) * width], article_id)
                             for article_id, minhash in batch for band in range(bands)))
        batch.clear()

    for item in signatures:
        batch.append(item)
        if len(batch) >= _BATCH:
            flush()
    flush()
    parent: dict[str, str] = {}
    lookup = con.cursor()
    pairs = con.execute(
        """SELECT DISTINCT a.article_id, b.article_id FROM buckets a JOIN buckets b
           ON a.band = b.band AND a.bucket = b.bucket AND a.article_id < b.article_id""")
    for a, b in pairs:
        if root(parent, a) == root(parent, b):
            continue  # already in one cluster: this pair changes nothing
        (sig_a,), (sig_b,) = (lookup.execute("SELECT minhash FROM signatures WHERE article_id = ?",
                                             (x,)).fetchone() for x in (a, b))
        if jaccard(sig_a, sig_b) >= threshold:
            union(parent, a, b)
    with con:
        con.execute("DELETE FROM buckets")
    return {member: rep for member, rep in representatives(parent).items() if member != rep}


def set_near_dup_of(articles_dir: str, marks: dict[str, str]) -> int:
    """Sets `near_dup_of` in the article files under `articles_dir` for the ids in `marks`;
    returns how many rows were marked. Only files holding such an id are rewritten."""
    if not marks:
        return 0
    marked = 0
    plans = []
    for path in parquet_files(articles_dir):
        keys, groups = read_columns(path, ["article_id"])
        hits = sum(article_id in marks for article_id in keys.column(0).to_pylist())
        if hits:
            marked += hits
            plans.append((path, groups, _marking(marks)))
    rewrite_files(plans)
    return marked


def _marking(marks: dict[str, str]):
    def edit(batch: pa.Table, offset: int) -> pa.Table:
        index = batch.schema.get_field_index("near_dup_of")
        values = [marks.get(article_id, old) for article_id, old in
                  zip(batch.column("article_id").to_pylist(), batch.column(index).to_pylist())]
        return batch.set_column(index, batch.schema.field(index), pa.array(values, type=pa.string()))
    return edit
