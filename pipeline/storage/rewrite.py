"""Rewriting Parquet files before a commit: a run's staged files in place (dropping exact
duplicates, pipeline/dedupe.py; changing a column, near-duplicate marks, pipeline/near_dup.py),
or committed files into the staging directory, without the rows a replaced or purged input
produced (pipeline/storage/remove.py).

Memory stays flat: a file is read and written a row group at a time, and a big file is cut
into pieces of at most _GROUPS_PER_PIECE row groups, written as files of their own by a few
threads (pyarrow decodes and encodes without holding the GIL). Each piece goes to a hidden
temporary file, renamed over the original once every piece is written.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from transforms.partition import parquet_writer_options

__all__ = ["GROUPS_PER_PIECE", "Edit", "parquet_files", "read_columns", "rewrite_files"]

# A file being rewritten is cut into pieces of this many row groups.
GROUPS_PER_PIECE = 50

# What to do to a file: given a row group and the index of its first row in the file,
# the rows to write instead (fewer rows, or a column replaced).
Edit = Callable[[pa.Table, int], pa.Table]


def parquet_files(directory: str) -> list[str]:
    """The Parquet files under `directory`, skipping hidden and `_` names, sorted."""
    try:
        found = FileSystems.match([f"{directory.rstrip('/')}/**.parquet"])[0].metadata_list
    except Exception:  # noqa: BLE001 - no such directory: nothing written
        return []
    return sorted(m.path for m in found if not any(
        part.startswith((".", "_")) for part in m.path[len(directory.rstrip("/")) + 1:].split("/")))


def read_columns(path: str, columns: list[str]) -> tuple[pa.Table, int]:
    """`columns` of a whole file, and its number of row groups, in one open."""
    with FileSystems.open(path) as handle:
        reader = pq.ParquetFile(handle)
        return reader.read(columns=columns), reader.metadata.num_row_groups


def _compression(reader: pq.ParquetFile) -> str:
    """The codec a file was written with, so a rewrite keeps it."""
    if not reader.metadata.num_row_groups:
        return "NONE"
    codec = reader.metadata.row_group(0).column(0).compression
    return "NONE" if codec == "UNCOMPRESSED" else codec


def _rewrite_piece(path: str, first: int, end: int, edit: Edit, dest: str) -> tuple[str | None, str]:
    """Writes row groups [first, end) of `path`, edited, to a hidden temporary file; returns
    (temporary file or None when no row is left, final name). The first piece takes the
    name `dest`, the others '<dest>-r<first>.parquet'."""
    directory, name = dest.rsplit("/", 1)
    final = dest if first == 0 else f"{directory}/{name.removesuffix('.parquet')}-r{first}.parquet"
    temp = f"{directory}/.rewrite-{final.rsplit('/', 1)[1]}"
    kept_rows = 0
    with FileSystems.open(path) as source:
        reader = pq.ParquetFile(source)
        offset = sum(reader.metadata.row_group(g).num_rows for g in range(first))
        with FileSystems.create(temp) as sink, pq.ParquetWriter(
                sink, reader.schema_arrow, compression=_compression(reader),
                **parquet_writer_options(reader.schema_arrow)) as writer:
            for group in range(first, end):
                batch = reader.read_row_group(group)
                edited = edit(batch, offset)
                offset += batch.num_rows
                if edited.num_rows:
                    writer.write_table(edited, row_group_size=max(1, edited.num_rows))
                    kept_rows += edited.num_rows
    if not kept_rows:
        FileSystems.delete([temp])
        return None, final
    return temp, final


def rewrite_files(plans: Iterable[tuple]) -> list[str]:
    """Rewrites each (path, row groups, edit[, dest]) file with its edit applied to every row
    group, and returns the paths written.

    Without `dest` the file is rewritten in place, and deleted when no row is left. With
    `dest` the edited file is written there (and nothing when no row is left) and the
    original is left alone: how a commit's staging gets new versions of committed files."""
    pieces = [(path, start, min(start + GROUPS_PER_PIECE, groups), edit, dest[0] if dest else path)
              for path, groups, edit, *dest in plans for start in range(0, groups, GROUPS_PER_PIECE)]
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        written = list(pool.map(lambda piece: _rewrite_piece(*piece), pieces))
    for path, dest in dict.fromkeys((piece[0], piece[4]) for piece in pieces):
        if dest == path:
            FileSystems.delete([path])
    for temp, final in written:
        if temp is not None:
            FileSystems.rename([temp], [final])
    return [final for temp, final in written if temp is not None]
