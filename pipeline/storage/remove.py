"""Removing committed rows: find the rows some inputs (or article ids) produced in the
committed Parquet files, and stage those files rewritten without them, for a commit to
publish (pipeline/storage/commit.py: the rewritten file replaces the committed one, a file
left empty is deleted).

Used by incremental runs, whose changed and stale inputs replace their rows
(pipeline/replace.py), and by `purge` (pipeline/purge.py). Only the files that hold such
rows are rewritten: a dataset of a million rows with one changed input rewrites the one or
two files that input's rows are in. Finding them reads each committed file's footer, and
the key columns only of the row groups whose source_file statistics (min, max) can hold a
wanted input; inputs are processed in path order, so a row group covers a narrow range.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.rewrite import rewrite_files

__all__ = ["Hit", "Selector", "find_rows", "source_file_of", "stage_without"]

# What names one record inside an input file, after the file's own path: a JSONL line or
# JSON array item, a feed item, a WARC record, an archive member (transforms/formats/).
# Only for rows written before schema v3, which have no source_file column.
_RECORD_MARK = re.compile(r"!/|#(?:line|item|record|offset)=")
_KEYS = ("source_uri", "source_file", "article_id")


def source_file_of(source_uri: str) -> str:
    """The input file a source_uri belongs to: 'a.jsonl#line=3' -> 'a.jsonl'."""
    mark = _RECORD_MARK.search(source_uri)
    return source_uri[:mark.start()] if mark else source_uri


class Selector:
    """Which rows to remove. `may_hold` gets a row group's statistics ({column: (min, max)},
    None where the file has none) and says whether it can hold a wanted row; `select` gets
    the key columns of candidate rows (source_uri, source_file, article_id; article_id is
    null in rejects) and returns a boolean mask."""

    def may_hold(self, stats: dict[str, tuple[str, str] | None]) -> bool:
        return True

    def select(self, keys: pa.Table) -> np.ndarray:
        raise NotImplementedError


@dataclasses.dataclass
class Hit:
    """The rows of one committed file to remove: `drop[i]` for row i of the file."""

    rel: str  # relative to OUTPUT: 'articles/ingest_date=…/part-….parquet'
    groups: int
    drop: np.ndarray
    # source_uri, source_file, article_id and row (number in the file) of each dropped row
    keys: pa.Table

    @property
    def dataset(self) -> str:
        return self.rel.split("/", 1)[0]

    def merge(self, other: Hit) -> None:
        """Adds the rows `other` (of the same file, with the same key columns) drops."""
        new = other.keys.filter(pa.array(~self.drop[other.keys.column("row").to_numpy()]))
        self.drop |= other.drop
        self.keys = pa.concat_tables([self.keys, new])

    def keep(self, row: int) -> None:
        """Spares one row after all."""
        import pyarrow.compute as pc  # imported late: 35 ms of start-up
        self.drop[row] = False
        self.keys = self.keys.filter(pc.not_equal(self.keys.column("row"), row))


def _key_columns(metadata: pq.FileMetaData) -> dict[str, int]:
    """{key column name: its index among the file's leaf columns}."""
    if not metadata.num_row_groups:
        return {}
    row_group = metadata.row_group(0)
    return {row_group.column(i).path_in_schema: i for i in range(row_group.num_columns)
            if row_group.column(i).path_in_schema in _KEYS}


def _stats(metadata: pq.FileMetaData, group: int, columns: dict[str, int]) -> dict[str, tuple[str, str] | None]:
    found: dict[str, tuple[str, str] | None] = {}
    row_group = metadata.row_group(group)
    for name, index in columns.items():
        stats = row_group.column(index).statistics
        found[name] = (stats.min, stats.max) if stats is not None and stats.has_min_max else None
    return found


def _keys(reader: pq.ParquetFile, groups: list[int]) -> pa.Table:
    """source_uri, source_file, article_id of the given row groups; source_file derived
    from source_uri where the file predates it, article_id null where the dataset has none."""
    import pyarrow.compute as pc  # imported late: 35 ms of start-up
    names = reader.schema_arrow.names
    table = reader.read_row_groups(groups, columns=[n for n in _KEYS if n in names])
    uris = table.column("source_uri")
    if "source_file" not in names:
        table = table.append_column("source_file", pa.array(
            [source_file_of(u) for u in uris.to_pylist()], type=pa.string()))
    elif table.column("source_file").null_count:
        derived = pa.array([source_file_of(u) for u in uris.to_pylist()], type=pa.string())
        table = table.set_column(table.schema.get_field_index("source_file"), "source_file",
                                 pc.coalesce(table.column("source_file"), derived))
    if "article_id" not in names:
        table = table.append_column("article_id", pa.nulls(table.num_rows, pa.string()))
    return table.select(list(_KEYS))


def find_rows(output: str, rels: Iterable[str], selector: Selector) -> list[Hit]:
    """The rows `selector` picks in the committed files `rels` (relative to `output`)."""
    hits = []
    for rel in rels:
        path = f"{output.rstrip('/')}/{rel}"
        with FileSystems.open(path) as handle:
            reader = pq.ParquetFile(handle)
            metadata = reader.metadata
            columns = _key_columns(metadata)
            candidates = [g for g in range(metadata.num_row_groups)
                          if selector.may_hold(_stats(metadata, g, columns))]
            if not candidates:
                continue
            keys = _keys(reader, candidates)
        mask = np.asarray(selector.select(keys), dtype=bool)
        if not mask.any():
            continue
        starts = np.cumsum([0] + [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)])
        rows = np.concatenate([np.arange(starts[g], starts[g + 1]) for g in candidates])
        drop = np.zeros(metadata.num_rows, dtype=bool)
        drop[rows[mask]] = True
        keys = keys.filter(pa.array(mask)).append_column("row", pa.array(rows[mask], type=pa.int64()))
        hits.append(Hit(rel, metadata.num_row_groups, drop, keys))
    return hits


def _dropping(drop: np.ndarray) -> Callable[[pa.Table, int], pa.Table]:
    def edit(batch: pa.Table, offset: int) -> pa.Table:
        return batch.filter(pa.array(~drop[offset:offset + batch.num_rows]))
    return edit


def stage_without(output: str, stage: str, hits: Iterable[Hit]) -> list[str]:
    """Writes each hit's file, without its dropped rows, to the same relative path under
    `stage` (a piece of a big file may get a name of its own). Returns the relative paths
    of the committed files left with no row: the commit deletes them."""
    emptied, plans = [], []
    for hit in hits:
        if not hit.drop.any():
            continue
        if hit.drop.all():
            emptied.append(hit.rel)
            continue
        plans.append((f"{output.rstrip('/')}/{hit.rel}", hit.groups, _dropping(hit.drop),
                      f"{stage.rstrip('/')}/{hit.rel}"))
    rewrite_files(plans)
    return sorted(emptied)
