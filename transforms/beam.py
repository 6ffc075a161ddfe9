"""Thin Beam transforms over the pure core: read matched files, split them, write Parquet.

Everything that decides anything lives in `transforms.ingest` and below; this module only
adapts it to Beam (counters, tagged outputs, file IO).
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Callable

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas import reasons
from schemas.datasets import ARTICLES, REJECTS, SCHEMAS
from schemas.record import Article, Reject, storable
from transforms.context import DEFAULT_MAX_MEMBER_BYTES, IngestContext, guarded
from transforms.ingest import ingest_file
from transforms.partition import (
    ROWS_PER_BATCH,
    ROWS_PER_FILE,
    arrow_table,
    parquet_compression,
    parquet_writer_options,
    partition_dir,
)
from transforms.rules import load_rules

__all__ = ["METRICS_NAMESPACE", "IngestDumps", "SplitFiles", "WriteRecords"]

METRICS_NAMESPACE = "article_ingest"


def _counter(name: str):
    return Metrics.counter(METRICS_NAMESPACE, name)


class _IngestFileFn(beam.DoFn):
    """Reads one matched file and emits its article row, or a reject row tagged `rejects`.

    Every counter increment goes to Beam's counters and, when given, to `on_count` as well
    (the command line's live progress: pipeline/cli/progress.py)."""

    def __init__(self, rules_path: str | None, markup: str, max_file_bytes: int, ingested_at: dt.datetime,
                 *, max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
                 jsonl_fields: tuple[tuple[str, str], ...] = (), run_id: str | None = None,
                 pipeline_version: str | None = None,
                 on_count: Callable[[str, int], None] | None = None):
        self._rules_path = rules_path
        self._on_count = on_count
        self._run_id = run_id
        self._pipeline_version = pipeline_version
        self._markup = markup
        self._max_member_bytes = max_member_bytes
        self._jsonl_fields = tuple(jsonl_fields)
        self._max_file_bytes = max_file_bytes
        self._ingested_at = ingested_at
        self._ctx = None
        self._counters: dict[str, object] = {}
        self._pending: dict[str, int] = {}
        self._elements = 0

    def setup(self):
        # Readers count what they skip (e.g. WARC request records) through `counter`.
        self._ctx = IngestContext(load_rules(self._rules_path), self._ingested_at, self._markup,
                                  max_member_bytes=self._max_member_bytes,
                                  jsonl_fields=self._jsonl_fields, counter=self._inc)

    def _inc(self, name: str, n: int = 1) -> None:
        # Summed here and handed to Beam's counters every _COUNTER_BATCH files and at the
        # end of the bundle: a Beam counter increment costs more than a dict update.
        self._pending[name] = self._pending.get(name, 0) + n
        if self._on_count is not None:
            self._on_count(name, n)

    def _flush_counters(self) -> None:
        for name, n in self._pending.items():
            counter = self._counters.get(name)
            if counter is None:
                counter = self._counters[name] = _counter(name)
            counter.inc(n)
        self._pending.clear()

    def finish_bundle(self):
        self._flush_counters()

    def _stamp(self, row: dict, source_file: str) -> dict:
        """The run's id and the row's provenance: its input file, release and rules."""
        if self._run_id is not None:
            row["run_id"] = self._run_id
        row["source_file"] = source_file
        row["pipeline_version"] = self._pipeline_version
        row["rules_fingerprint"] = self._ctx.rules.fingerprint
        # A file name that is not UTF-8, or a JSON field with a lone surrogate, would stop the
        # run where Beam or Arrow encodes the row.
        return storable(row)

    def _reject(self, uri: str, reason: str, detail: str, size: int | None):
        self._inc("inputs")
        self._inc(f"rejected:{reason}")
        row = self._stamp(Reject(uri, reason, detail, size, self._ctx.ingested_at).to_row(), uri)
        return beam.pvalue.TaggedOutput(REJECTS, row)

    def process(self, element):
        """`element`: one matched file's FileMetadata, or a (list file, offset, length)
        chunk of a file list (pipeline/inputs.py), whose files are read one after another."""
        if isinstance(element, tuple):
            for metadata in _read_chunk(element):
                yield from self._process_file(metadata)
        else:
            yield from self._process_file(element)

    def _process_file(self, metadata: fileio.FileMetadata):
        self._elements += 1
        if self._elements % _COUNTER_BATCH == 0:
            self._flush_counters()
        uri, size = metadata.path, metadata.size_in_bytes
        self._inc("files_matched")
        if size is not None and size > self._max_file_bytes:
            yield self._reject(uri, reasons.TOO_LARGE,
                               f"{size} bytes is over --max-file-bytes={self._max_file_bytes}", size)
            return
        try:
            data = _read(uri, self._max_file_bytes + 1)
        except _NotARegularFile:
            if os.path.isdir(uri):  # listed as an input only when it cannot be listed itself
                yield self._reject(uri, reasons.UNREADABLE, f"a directory that cannot be listed "
                                   f"({_listing_error(uri)}), so none of its files was read: let the user "
                                   "running article-ingest read and enter it", None)
                return
            # A FIFO or device would block the read forever, or never end.
            yield self._reject(uri, reasons.UNREADABLE, "not a regular file (a pipe, socket or device)", size)
            return
        except Exception as err:  # noqa: BLE001 - any IO failure is this file's reject
            yield self._reject(uri, reasons.UNREADABLE, f"{type(err).__name__}: {err}", size)
            return
        if len(data) > self._max_file_bytes:
            yield self._reject(uri, reasons.TOO_LARGE,
                               f"more than --max-file-bytes={self._max_file_bytes} bytes", len(data))
            return
        # All of the file's outcomes, or one internal_error reject: one bad file never stops a run.
        for outcome in guarded(uri, len(data), self._ctx, lambda: ingest_file(data, uri, self._ctx)):
            row = self._stamp(outcome.to_row(), uri)
            self._inc("inputs")
            if isinstance(outcome, Article):
                self._inc("articles")
                for removed in outcome.boilerplate:
                    self._inc(f"boilerplate:{removed.rule}")
                yield row
            else:
                self._inc(f"rejected:{outcome.reason}")
                yield beam.pvalue.TaggedOutput(REJECTS, row)


_COUNTER_BATCH = 256


class _StampedIngestFileFn(_IngestFileFn):
    """_IngestFileFn for a stream: each record is stamped with its element's event time (when
    its file was matched), not with one run time."""

    def process(self, element, timestamp=beam.DoFn.TimestampParam):
        matched_at = timestamp.to_utc_datetime(has_tz=True)
        self._ctx = dataclasses.replace(self._ctx, ingested_at=matched_at)
        yield from super().process(element)


class _NotARegularFile(Exception):
    """A local path that is a pipe, socket or device: never read."""


def _read(uri: str, limit: int) -> bytes:
    """At most `limit` bytes of a file, as stored (never decompressed here).

    A local file is opened without blocking (so a FIFO with no writer does not hang the
    run), checked to be a regular file and read with one buffer of its size: asking for
    `limit` bytes at once would allocate --max-file-bytes for every small file."""
    if "://" in uri:
        # UNCOMPRESSED on purpose: ingest_file sniffs and expands compressed files itself,
        # bounded by --max-member-bytes (Beam's own decompression has no cap).
        with FileSystems.open(uri, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            return handle.read(limit)
    try:
        fd = os.open(uri, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        if _is_special(uri):  # a socket cannot be opened at all
            raise _NotARegularFile(uri) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before open(): a directory would raise there
        os.close(fd)
        raise _NotARegularFile(uri)
    with open(fd, "rb", buffering=0, closefd=True) as handle:
        # One byte more than the size, to see a file that grew since (then read on).
        data = handle.read(min(info.st_size + 1, limit))
        if len(data) > info.st_size:
            data += handle.read(limit - len(data))
        return data


def _listing_error(path: str) -> str:
    try:
        os.scandir(path).close()
    except OSError as err:
        return f"{type(err).__name__}: {err.strerror}"
    return "it could not be listed when the inputs were matched"


def _is_special(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # gone or unreadable: the open's error says why


class IngestDumps(beam.PTransform):
    """Matches a file pattern and turns every matched file into an article row or a reject row.

    Returns a DoOutputsTuple with `articles` (main output) and `rejects`. `on_count`, if
    given, is called with every counter increment (name, n) on the workers, besides Beam's
    counters: it must be picklable (a module-level function).
    """

    def __init__(self, pattern: str, *, rules_path: str | None = None, markup: str = "auto",
                 max_file_bytes: int = 50 * 1024 * 1024, ingested_at: dt.datetime | None = None,
                 chunks: list[tuple[str, int, int]] | None = None,
                 max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
                 jsonl_fields: tuple[tuple[str, str], ...] = (), run_id: str | None = None,
                 pipeline_version: str | None = None, spread: bool = True,
                 on_count: Callable[[str, int], None] | None = None):
        super().__init__()
        self._pattern = pattern
        # Redistribute the chunks so several workers share them. Without it a runner runs
        # them all in the worker that read the list; right for one in-process worker, where
        # the extra stage only costs time (about 0.1 s a run).
        self._spread = spread
        # (list file, offset, length) chunks of the files to process, one JSON list
        # [path, size, mtime] a line (pipeline/inputs.py writes them): the launcher never
        # holds the list, and neither does the runner.
        self._chunks = chunks
        self._split = SplitFiles(rules_path=rules_path, markup=markup,
                                 max_file_bytes=max_file_bytes, ingested_at=ingested_at,
                                 max_member_bytes=max_member_bytes, jsonl_fields=jsonl_fields,
                                 run_id=run_id, pipeline_version=pipeline_version,
                                 on_count=on_count)

    def expand(self, pbegin):
        if self._chunks is not None:
            # Each chunk's files are read by the step that splits them (one element a chunk).
            matched = pbegin | "ListedChunks" >> beam.Create(self._chunks, reshuffle=False)
            if self._spread:
                matched = matched | "SpreadChunks" >> beam.Reshuffle()
        else:
            matched = pbegin | "MatchInputs" >> fileio.MatchFiles(self._pattern)
        return matched | "SplitDumps" >> self._split


class SplitFiles(beam.PTransform):
    """Turns each matched file (FileMetadata) into an article row or a reject row: the step
    IngestDumps applies to what it matched, for graphs with a source of their own (a stream).

    Returns a DoOutputsTuple with `articles` (main output) and `rejects`.

    Args:
      pipeline_version: the release written on every row (the launcher's; None: unknown).
      on_count: as for IngestDumps.
      timestamped: stamp each record's ingested_at (a reject's rejected_at) with its
        element's event time instead of `ingested_at`: in a stream, when its file was matched.
    """

    def __init__(self, *, rules_path: str | None = None, markup: str = "auto",
                 max_file_bytes: int = 50 * 1024 * 1024, ingested_at: dt.datetime | None = None,
                 max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
                 jsonl_fields: tuple[tuple[str, str], ...] = (), run_id: str | None = None,
                 pipeline_version: str | None = None, timestamped: bool = False,
                 on_count: Callable[[str, int], None] | None = None):
        super().__init__()
        fn = _StampedIngestFileFn if timestamped else _IngestFileFn
        self._fn = fn(rules_path, markup, max_file_bytes,
                      ingested_at or dt.datetime.now(dt.timezone.utc),
                      max_member_bytes=max_member_bytes, jsonl_fields=jsonl_fields, run_id=run_id,
                      pipeline_version=pipeline_version, on_count=on_count)

    def expand(self, matched):
        return matched | "Split" >> beam.ParDo(self._fn).with_input_types(
            beam.typehints.Any).with_output_types(dict).with_outputs(REJECTS, main=ARTICLES)


def _read_chunk(chunk: tuple[str, int, int]):
    """The FileMetadata of one chunk of a file list (pipeline/inputs.write_input_list)."""
    path, offset, length = chunk
    with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
        handle.seek(offset)
        data = handle.read(length)
    for line in data.splitlines():
        file_path, size, updated = json.loads(line)
        yield FileMetadata(file_path, size, updated)


@dataclasses.dataclass
class _OpenFile:
    """A Parquet file a bundle is writing, named part-<stem>-<chunk>."""

    writer: pq.ParquetWriter
    handle: object
    path: str
    stem: str
    chunk: int
    rows: int = 0  # written so far


class _StreamWriteFn(beam.DoFn):
    """Writes rows as they arrive: per bundle and partition, one Parquet file (more past
    ROWS_PER_FILE rows), in row groups of at most ROWS_PER_BATCH rows.

    A worker holds at most ROWS_PER_BATCH rows of the dataset at a time, whatever the input
    size. File names derive from the bundle's content (a hash of the first row's key in
    that partition), not from chance, so a retried bundle rewrites the same files. Yields
    the paths written.

    Encoding and compressing a row group (pyarrow, without the GIL) runs on a thread of its
    own while the next rows are split, one row group at a time: on a machine with a spare
    core it costs no time. A big row group (over _BACKGROUND_BYTES) is written in the
    foreground, so that no two big tables are alive at once.
    """

    def __init__(self, directory: str, schema, codec: str, file_tag: str, partition_by: str,
                 ingest_date: str):
        self._directory = directory
        self._schema = schema
        self._codec = codec
        self._file_tag = file_tag
        self._partition_by = partition_by
        self._ingest_date = ingest_date

    def setup(self):
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="parquet-write")

    def teardown(self):
        self._pool.shutdown(wait=True)

    def start_bundle(self):
        self._pending: dict[str, list[dict]] = {}  # partition -> rows not yet written
        self._buffered = 0
        self._open: dict[str, _OpenFile] = {}  # partition -> the file it is written to
        self._chunks: dict[str, tuple[str, int]] = {}  # partition -> (stem, next chunk) once closed
        self._done: list[str] = []
        self._fixed_part: str | None = None
        self._parts: dict[str | None, str] = {}
        self._writing: concurrent.futures.Future | None = None  # the row group being written

    def _partition(self, row: dict) -> str:
        if self._partition_by != "publisher":  # one directory for the whole run
            if self._fixed_part is None:
                self._fixed_part = partition_dir(self._partition_by, row, self._ingest_date)
            return self._fixed_part
        publisher = row.get("publisher")
        part = self._parts.get(publisher)
        if part is None:
            if len(self._parts) > 10_000:
                self._parts.clear()
            part = self._parts[publisher] = partition_dir(self._partition_by, row, self._ingest_date)
        return part

    def process(self, row):
        part = self._partition(row)
        self._pending.setdefault(part, []).append(row)
        self._buffered += 1
        if self._buffered >= ROWS_PER_BATCH:
            for pending in list(self._pending):
                self._flush(pending)
            self._buffered = 0

    def _flush(self, part: str) -> None:
        rows = self._pending.pop(part, None)
        if not rows:
            return
        state = self._open.get(part)
        if state is not None and state.rows + len(rows) > ROWS_PER_FILE:
            self._close(part)
            state = self._open.get(part)
        if state is None:
            previous = self._chunks.get(part)
            if len(self._open) >= _MAX_OPEN_FILES:  # many partitions in one bundle
                self._close(next(iter(self._open)))
            key = rows[0].get("article_id") or rows[0]["source_uri"]
            stem, chunk = previous if previous else (_content_hash(rows[0]["source_uri"], key), 0)
            name = f"part-{stem}-{chunk:03d}{self._file_tag}.parquet"
            path = "/".join(p for p in (self._directory, part, name) if p)
            handle = FileSystems.create(path)
            writer = pq.ParquetWriter(handle, self._schema, compression=parquet_compression(self._codec),
                                      **parquet_writer_options(self._schema))
            state = self._open[part] = _OpenFile(writer, handle, path, stem, chunk)
        table = arrow_table(rows, self._schema)
        state.rows += len(rows)
        rows.clear()  # their text is in the table now: let it go before the writer's buffers grow
        self._written()
        if table.nbytes > _BACKGROUND_BYTES:
            state.writer.write_table(table, row_group_size=ROWS_PER_BATCH)
        else:
            self._writing = self._pool.submit(state.writer.write_table, table,
                                              row_group_size=ROWS_PER_BATCH)

    def _written(self) -> None:
        """Waits for the row group being written, if any; its error, if any, is raised here."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def _close(self, part: str) -> None:
        self._written()
        state = self._open.pop(part)
        state.writer.close()
        state.handle.close()
        self._chunks[part] = (state.stem, state.chunk + 1)
        self._done.append(state.path)

    def finish_bundle(self):
        for part in list(self._pending):
            self._flush(part)
        for part in list(self._open):
            self._close(part)  # each waits for its row group being written
        for path in self._done:
            yield WindowedValue(path, MIN_TIMESTAMP, [GlobalWindow()])


# A row group of at most this many bytes (in Arrow) is written in the background.
_BACKGROUND_BYTES = 64 * 1024 * 1024

# Open Parquet writers a bundle keeps at once (one per partition it has rows for); past it
# the oldest is closed and its partition continues in a new file.
_MAX_OPEN_FILES = 64


def _content_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


class WriteRecords(beam.PTransform):
    """Writes rows as Parquet under `<directory>/[<key>=<value>/]part-HHHH-CCC[-TAG].parquet`.

    Rows are written as they come (see _StreamWriteFn): no grouping, so memory does not grow
    with the input. One file per partition per worker bundle; a local run writes a handful.
    Returns the paths written.

    Args:
      kind: a dataset name from schemas.datasets (ARTICLES, REJECTS or SIGNATURES): picks
        the explicit schema.
      partition_by: 'ingest_date', 'publisher' or 'none' (Hive-style directories).
      ingest_date: the run's UTC date, 'YYYY-MM-DD', for partition_by='ingest_date'.
      file_tag: appended to file names (the run id), so appended runs never collide.
    """

    def __init__(self, directory: str, kind: str, *, codec: str = "zstd", partition_by: str = "none",
                 ingest_date: str | None = None, file_tag: str = ""):
        super().__init__()
        self._directory = directory.rstrip("/")
        self._schema = SCHEMAS[kind]
        self._codec = codec
        self._partition_by = partition_by
        self._ingest_date = ingest_date or dt.datetime.now(dt.timezone.utc).date().isoformat()
        self._file_tag = f"-{file_tag}" if file_tag else ""

    def expand(self, rows):
        return rows | "WriteParquet" >> beam.ParDo(_StreamWriteFn(
            self._directory, self._schema, self._codec, self._file_tag, self._partition_by,
            self._ingest_date)).with_input_types(dict).with_output_types(str)
