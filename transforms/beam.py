"""Thin Beam transforms over the pure core: read matched files, split them, write Parquet.

Everything that decides anything lives in `transforms.ingest` and below; this module only
adapts it to Beam (counters, tagged outputs, file IO).
"""
from __future__ import annotations

import datetime as dt
import traceback

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas import reasons
from schemas.record import ARTICLE_SCHEMA, REJECT_SCHEMA, Article, Reject
from transforms.context import IngestContext
from transforms.ingest import ingest_file
from transforms.rules import load_rules

__all__ = ["IngestDumps", "WriteRecords", "METRICS_NAMESPACE", "ARTICLES", "REJECTS"]

METRICS_NAMESPACE = "article_ingest"
ARTICLES = "articles"
REJECTS = "rejects"


def _counter(name: str):
    return Metrics.counter(METRICS_NAMESPACE, name)


class _IngestFileFn(beam.DoFn):
    """Reads one matched file and emits its article row, or a reject row tagged `rejects`."""

    def __init__(self, rules_path: str | None, markup: str, max_file_bytes: int, ingested_at: dt.datetime):
        self._rules_path = rules_path
        self._markup = markup
        self._max_file_bytes = max_file_bytes
        self._ingested_at = ingested_at
        self._ctx = None
        self._counters: dict[str, object] = {}

    def setup(self):
        self._ctx = IngestContext(load_rules(self._rules_path), self._ingested_at, self._markup)

    def _inc(self, name: str, n: int = 1) -> None:
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = _counter(name)
        counter.inc(n)

    def _reject(self, uri: str, reason: str, detail: str, size: int | None):
        self._inc("inputs")
        self._inc(f"rejected:{reason}")
        row = Reject(uri, reason, detail, size, self._ingested_at).to_row()
        return beam.pvalue.TaggedOutput(REJECTS, row)

    def process(self, metadata: fileio.FileMetadata):
        uri, size = metadata.path, metadata.size_in_bytes
        self._inc("files_matched")
        if size is not None and size > self._max_file_bytes:
            yield self._reject(uri, reasons.TOO_LARGE,
                               f"{size} bytes is over --max_file_bytes={self._max_file_bytes}", size)
            return
        try:
            with FileSystems.open(uri, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                data = handle.read(self._max_file_bytes + 1)
        except Exception as err:  # noqa: BLE001 - any IO failure is this file's reject
            yield self._reject(uri, reasons.UNREADABLE, f"{type(err).__name__}: {err}", size)
            return
        if len(data) > self._max_file_bytes:
            yield self._reject(uri, reasons.TOO_LARGE,
                               f"more than --max_file_bytes={self._max_file_bytes} bytes", len(data))
            return
        try:
            outcomes = [(o, o.to_row()) for o in ingest_file(data, uri, self._ctx)]
        except Exception as err:  # noqa: BLE001 - one bad file never stops a run
            where = traceback.extract_tb(err.__traceback__)[-1]
            detail = f"{type(err).__name__}: {err} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
            yield self._reject(uri, reasons.INTERNAL_ERROR, detail, len(data))
            return
        for outcome, row in outcomes:
            self._inc("inputs")
            if isinstance(outcome, Article):
                self._inc("articles")
                for removed in outcome.boilerplate:
                    self._inc(f"boilerplate:{removed.rule}")
                yield row
            else:
                self._inc(f"rejected:{outcome.reason}")
                yield beam.pvalue.TaggedOutput(REJECTS, row)


class IngestDumps(beam.PTransform):
    """Matches a file pattern and turns every matched file into an article row or a reject row.

    Returns a DoOutputsTuple with `articles` (main output) and `rejects`.
    """

    def __init__(self, pattern: str, *, rules_path: str | None = None, markup: str = "auto",
                 max_file_bytes: int = 50 * 1024 * 1024, ingested_at: dt.datetime | None = None):
        super().__init__()
        self._pattern = pattern
        self._fn = _IngestFileFn(rules_path, markup, max_file_bytes,
                                 ingested_at or dt.datetime.now(dt.timezone.utc))

    def expand(self, pbegin):
        return (
            pbegin
            | "MatchInputs" >> fileio.MatchFiles(self._pattern)
            | "SplitDumps" >> beam.ParDo(self._fn).with_outputs(REJECTS, main=ARTICLES)
        )


class WriteRecords(beam.PTransform):
    """Writes article or reject rows as Parquet files `<directory>/part-NNNNN-of-NNNNN.parquet`."""

    def __init__(self, directory: str, kind: str, *, codec: str = "zstd"):
        super().__init__()
        self._directory = directory.rstrip("/")
        self._schema = ARTICLE_SCHEMA if kind == ARTICLES else REJECT_SCHEMA
        self._codec = codec

    def expand(self, rows):
        return rows | "WriteParquet" >> beam.io.WriteToParquet(
            file_path_prefix=f"{self._directory}/part",
            schema=self._schema,
            codec=self._codec,
            file_name_suffix=".parquet",
            record_batch_size=1000,
        )
