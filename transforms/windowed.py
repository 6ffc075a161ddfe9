"""Windowed Parquet for streams: rows cut into fixed windows of event time and written per
window, partition and shard through Beam's file sinks (fileio.WriteToFiles), so writing to a
temporary file and renaming it into place once its window fires is the runner's work.

Late rows (their window's end already behind the watermark) are written while within the
allowed lateness: each late firing of a window writes its own file, named `...-late.parquet`,
and its rows are counted as `late:<dataset>`. Rows later still are dropped by the runner's
group-by-key, which Beam's Python SDK gives no hook to see; `windowed:<dataset>` (rows that
entered the write) minus `written:<dataset>` (rows in files) counts them.
"""
from __future__ import annotations

import datetime as dt
import functools

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window
from apache_beam.utils.timestamp import Duration
from apache_beam.utils.windowed_value import PaneInfoTiming

from transforms.partition import (
    ROWS_PER_BATCH,
    arrow_table,
    bucket_of,
    parquet_compression,
    parquet_writer_options,
    partition_dir,
)

__all__ = ["ParquetSink", "WriteWindowed", "window_file_name"]

# The field whose UTC date is a row's ingest_date partition: when its input was matched.
_TIME_FIELD = ("ingested_at", "rejected_at", "detected_at")


class ParquetSink(fileio.FileSink):
    """Rows (dicts) to one Parquet file with an explicit schema, a row group every
    ROWS_PER_BATCH rows, so a writer holds no more rows than that at a time."""

    def __init__(self, schema: pa.Schema, codec: str = "zstd", counter=None):
        self._schema = schema
        self._codec = codec
        self._counter = counter
        self._writer = None
        self._rows: list[dict] = []
        self._written = 0

    def create_metadata(self, destination: str, full_file_name: str) -> fileio.FileMetadata:
        # Parquet compresses inside the file: never let Beam guess a stream compression.
        return fileio.FileMetadata(mime_type="application/vnd.apache.parquet",
                            compression_type=CompressionTypes.UNCOMPRESSED)

    def open(self, fh) -> None:
        self._writer = pq.ParquetWriter(fh, self._schema,
                                        compression=parquet_compression(self._codec),
                                        **parquet_writer_options(self._schema))
        self._rows, self._written = [], 0

    def write(self, record: dict) -> None:
        self._rows.append(record)
        if len(self._rows) >= ROWS_PER_BATCH:
            self._write_rows()

    def _write_rows(self) -> None:
        if self._rows:
            self._writer.write_table(arrow_table(self._rows, self._schema),
                                     row_group_size=ROWS_PER_BATCH)
            self._written += len(self._rows)
            self._rows = []

    def flush(self) -> None:
        """Writes what is buffered and the file's footer (WriteToFiles closes the file next)."""
        if self._writer is None:
            return
        self._write_rows()
        self._writer.close()
        self._writer = None
        if self._counter is not None:
            self._counter.inc(self._written)


def window_file_name(win: window.BoundedWindow, pane, destination: str) -> str:
    """`<partition>/part-<window start>-<window end>-<shard>-<pane>[-late].parquet`, relative.

    `destination` is `<partition>/<shard>` (the partition may be empty). WriteToFiles writes
    one file per destination and firing of a window; with one shard per destination the
    pane index tells firings apart, so a late firing never overwrites the on-time file.
    """
    partition, _, shard = destination.rpartition("/")
    start = win.start.to_utc_datetime(has_tz=True).strftime("%Y%m%dT%H%M%SZ")
    end = win.end.to_utc_datetime(has_tz=True).strftime("%Y%m%dT%H%M%SZ")
    index = pane.index if pane is not None else 0
    late = "-late" if pane is not None and pane.timing == PaneInfoTiming.LATE else ""
    name = f"part-{start}-{end}-{shard}-{index:03d}{late}.parquet"
    return f"{partition}/{name}" if partition else name


class _FileNaming:
    """window_file_name for WriteToFiles, creating the partition directory first. WriteToFiles
    (Beam 2.77) creates only its base directory; its rename into a missing local directory
    fails with a debug log line, and the file stays behind in the temporary directory."""

    def __init__(self, directory: str):
        self._directory = directory

    def __call__(self, win, pane, shard_index, total_shards, compression, destination) -> str:
        name = window_file_name(win, pane, destination)
        if "/" in name:
            try:
                FileSystems.mkdirs(FileSystems.join(self._directory, name.rsplit("/", 1)[0]))
            except OSError:
                pass  # already there (object stores have no directories to make)
        return name


def _destination(row: dict, partition_by: str, shards: int) -> str:
    time = next(row[f] for f in _TIME_FIELD if f in row)
    day = time.astimezone(dt.timezone.utc).date().isoformat()
    shard = bucket_of(row.get("article_id") or row["source_uri"], shards)
    part = partition_dir(partition_by, row, day)
    return f"{part}/{shard:03d}" if part else f"{shard:03d}"


class _CountLateFn(beam.DoFn):
    """Counts the rows of files written by late firings (read from the file's footer)."""

    def __init__(self, directory: str, counter_name: str, namespace: str):
        self._directory = directory
        self._counter_name = counter_name
        self._namespace = namespace

    def setup(self):
        self._late = Metrics.counter(self._namespace, self._counter_name)

    def process(self, result: fileio.FileResult):
        if result.pane is not None and result.pane.timing == PaneInfoTiming.LATE:
            with FileSystems.open(FileSystems.join(self._directory, result.file_name),
                                  compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                self._late.inc(pq.ParquetFile(handle).metadata.num_rows)
        yield result


class _CountFn(beam.DoFn):
    def __init__(self, counter_name: str, namespace: str):
        self._counter_name, self._namespace = counter_name, namespace

    def setup(self):
        self._counter = Metrics.counter(self._namespace, self._counter_name)

    def process(self, row):
        self._counter.inc()
        yield row


class _SinkFactory:
    """A fresh ParquetSink per file (WriteToFiles calls it with the destination)."""

    def __init__(self, schema: pa.Schema, codec: str, counter_name: str, namespace: str):
        self._schema, self._codec = schema, codec
        self._counter_name, self._namespace = counter_name, namespace

    def __call__(self, destination: str) -> ParquetSink:
        counter = Metrics.counter(self._namespace, self._counter_name)
        return ParquetSink(self._schema, self._codec, counter)


class WriteWindowed(beam.PTransform):
    """Rows -> Parquet files under `directory`, one per window, partition, shard and firing.

    Returns the FileResults of the files written.

    Args:
      dataset: the dataset's name, for counters (`windowed:`, `written:`, `late:<dataset>`).
      schema: its explicit schema (schemas/record.py).
      window_seconds: the fixed windows' length in event time.
      allowed_lateness: seconds after a window's end during which late rows are still
        written (in a file of their own).
      partition_by: 'ingest_date' (the UTC date of the row's time), 'publisher' or 'none'.
      shards: files per window and partition, rows spread by a hash of their key.
    """

    def __init__(self, directory: str, dataset: str, schema: pa.Schema, *, window_seconds: float,
                 allowed_lateness: float, partition_by: str = "ingest_date", shards: int = 1,
                 codec: str = "zstd", namespace: str):
        super().__init__()
        self._directory = directory.rstrip("/")
        self._dataset, self._schema = dataset, schema
        self._window, self._lateness = window_seconds, allowed_lateness
        self._partition_by, self._shards = partition_by, shards
        self._codec, self._namespace = codec, namespace

    def expand(self, rows):
        return (
            rows
            | "FixedWindows" >> beam.WindowInto(
                window.FixedWindows(self._window),
                trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                accumulation_mode=trigger.AccumulationMode.DISCARDING,
                allowed_lateness=Duration.of(self._lateness))
            | "CountWindowed" >> beam.ParDo(_CountFn(f"windowed:{self._dataset}", self._namespace))
            .with_input_types(dict).with_output_types(dict)
            | "WriteToFiles" >> fileio.WriteToFiles(
                self._directory,
                file_naming=_FileNaming(self._directory),
                destination=functools.partial(_destination, partition_by=self._partition_by,
                                              shards=self._shards),
                sink=_SinkFactory(self._schema, self._codec, f"written:{self._dataset}",
                                  self._namespace),
                # One shard per destination (the shard is part of the destination) and every
                # row through the grouped path, whose files know their pane: see window_file_name.
                shards=1,
                max_writers_per_bundle=0)
            | "CountLate" >> beam.ParDo(
                _CountLateFn(self._directory, f"late:{self._dataset}", self._namespace))
        )
