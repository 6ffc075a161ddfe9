"""Exact duplicates: one article record per article_id, within a run and across runs.

article_id is a hash of the normalized body alone (transforms/ids.py), so the same article
syndicated with another footer, or rendered by another tool, is a duplicate of its body.
Within a run the record kept is the one from the smallest source_uri, so every runner keeps
the same one; an id that an earlier run committed is never written again. Each dropped
input becomes a row in the `duplicates` dataset, so every input ends somewhere.

Memory stays flat with the input: article rows are written as they come (including the
ones that turn out to be duplicates), while `FindDuplicates` decides from
(article_id, source_uri) pairs alone, about 100 bytes an article, which inputs lose. Before
the run is committed, `drop_duplicates` rewrites, one file at a time and one row group at a
time, just the staged article files that hold a loser.
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.record import SCHEMA_VERSION

__all__ = ["DUPLICATES", "DUPLICATE_SCHEMA", "FindDuplicates", "choose_kept", "drop_duplicates",
           "duplicate_row"]

DUPLICATES = "duplicates"
_KEPT = "kept"

DUPLICATE_SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        # The input whose record was kept; null when an earlier run committed the article.
        pa.field("kept_source_uri", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("detected_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={b"article_ingest.schema_version": str(SCHEMA_VERSION).encode()},
)


def choose_kept(rows: list[dict], already_committed: bool) -> tuple[dict | None, list[dict]]:
    """(row to write, duplicate rows) for all rows sharing one article_id.

    The kept row is the one with the smallest source_uri: a choice every runner makes alike.
    """
    ordered = sorted(rows, key=lambda r: r["source_uri"])
    if already_committed:
        return None, ordered
    return (ordered[0], ordered[1:]) if ordered else (None, [])


def duplicate_row(row: dict, kept: dict | None, detected_at: dt.datetime) -> dict:
    return {
        "source_uri": row["source_uri"],
        "article_id": row["article_id"],
        "kept_source_uri": kept["source_uri"] if kept else None,
        "run_id": row.get("run_id"),
        "detected_at": detected_at,
        "schema_version": SCHEMA_VERSION,
    }


class _ReadIdsFn(beam.DoFn):
    """The article_id column of one committed Parquet file."""

    def process(self, path: str):
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, columns=["article_id"])
        for article_id in table.column("article_id").to_pylist():
            yield article_id, None  # no source_uri of this run: committed earlier


def _id_and_uri(row: dict) -> tuple[str, str]:
    """The little of an article row dedupe needs: never the body."""
    return row["article_id"], row["source_uri"]


class _LosersFn(beam.DoFn):
    def __init__(self, detected_at: dt.datetime, run_id: str | None):
        self._detected_at = detected_at
        self._run_id = run_id
        self._duplicates = Metrics.counter("article_ingest", "duplicates")

    def process(self, grouped):
        article_id, uris = grouped
        # None marks an id an earlier run committed; a set, as a runner may deliver an
        # element twice.
        uris = set(uris)
        committed = None in uris
        rows = [{"source_uri": uri, "article_id": article_id, "run_id": self._run_id}
                for uri in uris if uri is not None]
        kept, dropped = choose_kept(rows, committed)
        for row in dropped:
            self._duplicates.inc()
            yield duplicate_row(row, kept, self._detected_at)


class FindDuplicates(beam.PTransform):
    """Article rows in; one duplicate row per article input that must not be written.

    Works on (article_id, source_uri) pairs only; the article rows themselves are written
    by the caller, and `drop_duplicates` removes the losers from the written files.

    Args:
      committed_files: Parquet files of articles earlier runs committed; their ids are known.
      detected_at: the run's start time, stamped on duplicate rows.
      run_id: the run, stamped on duplicate rows.
    """

    def __init__(self, committed_files: list[str] | tuple[str, ...] = (), *, detected_at: dt.datetime,
                 run_id: str | None = None):
        super().__init__()
        self._committed_files = sorted(committed_files)
        self._detected_at = detected_at
        self._run_id = run_id

    def expand(self, articles):
        new = articles | "IdAndUri" >> beam.Map(_id_and_uri)
        committed = (
            articles.pipeline
            | "CommittedFiles" >> beam.Create(self._committed_files)
            | "ReadCommittedIds" >> beam.ParDo(_ReadIdsFn())
        )
        return (
            (new, committed)
            | "AllIds" >> beam.Flatten()
            | "GroupById" >> beam.GroupByKey()
            | "Losers" >> beam.ParDo(_LosersFn(self._detected_at, self._run_id))
        )


def _parquet_files(directory: str) -> list[str]:
    try:
        found = FileSystems.match([f"{directory.rstrip('/')}/**.parquet"])[0].metadata_list
    except Exception:  # noqa: BLE001 - no such directory: nothing written
        return []
    return sorted(m.path for m in found if not any(
        part.startswith((".", "_")) for part in m.path[len(directory.rstrip("/")) + 1:].split("/")))


def _compression(reader: pq.ParquetFile) -> str:
    """The codec a file was written with, so a rewrite keeps it."""
    if not reader.metadata.num_row_groups:
        return "NONE"
    codec = reader.metadata.row_group(0).column(0).compression
    return "NONE" if codec == "UNCOMPRESSED" else codec


def drop_duplicates(articles_dir: str, duplicates_dir: str) -> int:
    """Removes from the article files under `articles_dir` every row the duplicate files
    under `duplicates_dir` name (by article_id and source_uri). Returns the rows removed.

    Runs on the launcher between the pipeline and the commit, on staged files only. Memory:
    the losers' keys, plus one row group of one file at a time. A file left empty is deleted;
    the others are rewritten next to themselves and renamed over the original.
    """
    losers: set[tuple[str, str]] = set()
    for path in _parquet_files(duplicates_dir):
        with FileSystems.open(path) as handle:
            table = pq.read_table(handle, columns=["article_id", "source_uri"])
        losers.update(zip(table.column("article_id").to_pylist(), table.column("source_uri").to_pylist()))
    if not losers:
        return 0
    loser_ids = {article_id for article_id, _ in losers}
    removed = 0
    for path in _parquet_files(articles_dir):
        with FileSystems.open(path) as handle:
            keys = pq.read_table(handle, columns=["article_id", "source_uri"])
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
        directory, name = path.rsplit("/", 1)
        temp = f"{directory}/.rewrite-{name}"
        offset = 0
        with FileSystems.open(path) as source, FileSystems.create(temp) as sink:
            reader = pq.ParquetFile(source)
            compression = _compression(reader)
            with pq.ParquetWriter(sink, reader.schema_arrow, compression=compression) as writer:
                for group in range(reader.metadata.num_row_groups):
                    batch = reader.read_row_group(group)
                    keep = pa.array([not d for d in drop[offset:offset + batch.num_rows]], type=pa.bool_())
                    offset += batch.num_rows
                    kept = batch.filter(keep)
                    if kept.num_rows:
                        writer.write_table(kept, row_group_size=max(1, kept.num_rows))
        FileSystems.delete([path])
        FileSystems.rename([temp], [path])
    return removed
