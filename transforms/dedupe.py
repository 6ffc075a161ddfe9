"""Exact duplicates: one article record per article_id, within a run and across runs.

article_id is a hash of the normalized body alone (transforms/ids.py), so the same article
syndicated with another footer, or rendered by another tool, is a duplicate of its body.
Within a run the record kept is the one from the smallest source_uri, so every runner keeps
the same one; an id that an earlier run committed is never written again. Each dropped
input becomes a row in the `duplicates` dataset, so every input ends somewhere.
"""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.record import SCHEMA_VERSION

__all__ = ["DUPLICATES", "DUPLICATE_SCHEMA", "DropDuplicates", "choose_kept", "duplicate_row"]

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
            yield article_id, True


class _KeepOneFn(beam.DoFn):
    def __init__(self, detected_at: dt.datetime):
        self._detected_at = detected_at
        self._duplicates = Metrics.counter("article_ingest", "duplicates")

    def process(self, grouped):
        _, sides = grouped
        kept, dropped = choose_kept(list(sides["new"]), bool(list(sides["committed"])))
        if kept is not None:
            yield kept
        for row in dropped:
            self._duplicates.inc()
            yield beam.pvalue.TaggedOutput(DUPLICATES, duplicate_row(row, kept, self._detected_at))


class DropDuplicates(beam.PTransform):
    """Article rows in; (one row per article_id, duplicate rows) out.

    Args:
      committed_files: Parquet files of articles earlier runs committed; their ids are known.
      detected_at: the run's start time, stamped on duplicate rows.
    """

    def __init__(self, committed_files: list[str] | tuple[str, ...] = (), *, detected_at: dt.datetime):
        super().__init__()
        self._committed_files = sorted(committed_files)
        self._detected_at = detected_at

    def expand(self, articles):
        keyed = articles | "KeyById" >> beam.Map(lambda row: (row["article_id"], row))
        committed = (
            articles.pipeline
            | "CommittedFiles" >> beam.Create(self._committed_files)
            | "ReadCommittedIds" >> beam.ParDo(_ReadIdsFn())
        )
        outputs = (
            {"new": keyed, "committed": committed}
            | "GroupById" >> beam.CoGroupByKey()
            | "KeepOne" >> beam.ParDo(_KeepOneFn(self._detected_at)).with_outputs(DUPLICATES, main=_KEPT)
        )
        return outputs[_KEPT], outputs[DUPLICATES]
