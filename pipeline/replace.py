"""Replace on change: in an incremental run, a committed input that changed (or, with
--reprocess-stale, that another release or other rules processed) is read again, and its
new rows replace every row it produced before: articles, rejects and duplicates alike.

An input is a file: a JSONL file, an archive or a WARC is replaced as a whole. The run
stages the committed files that hold the old rows, rewritten without them
(pipeline/storage/remove.py), and commits them with its own files, in one manifest; the
ids of the removed articles leave the state's committed ids in the same commit.

No article may vanish. When a removed row was the kept copy of an article that other
inputs hold as duplicates, those inputs are read again in the same run (and so replaced
too): deduplication then keeps one of the copies, new or re-read, and the others become
duplicates pointing to it. If none of them can be read any more (deleted from the landing
area, or outside --input), the old row is kept: the replaced input's other rows go, that
one row stays, and the summary counts it under replaced.kept.

Steps: `plan_replacement` before the pipeline (find the rows, choose what to re-read),
`spare_orphans` after deduplication, `stage` just before the commit.
"""
from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from pipeline.storage.inputs import RunDb
from pipeline.storage.remove import Hit, Selector, find_rows, stage_without
from pipeline.storage.state import State
from schemas.datasets import COMMITTED
from schemas.record import storable_text

__all__ = ["Replacement", "plan_replacement"]

_CHUNK = 500  # SQL parameters per query


def _key(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def _path(key: bytes) -> str:
    return key.decode("utf-8", "surrogateescape")


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _present(con: sqlite3.Connection, query: str, values: list, extra: tuple = ()) -> set:
    """The `values` the query ('… IN ({marks})') finds, asked a chunk at a time."""
    found = set()
    for chunk in _chunks(values):
        found.update(row[0] for row in con.execute(query.format(marks=",".join("?" * len(chunk))),
                                                   (*extra, *chunk)))
    return found


class _RowsOfInputs(Selector):
    """Rows whose source_file is one of the inputs added to the run's `replace` table in
    round `round`."""

    def __init__(self, con: sqlite3.Connection, round_: int):
        self._con, self._round = con, round_
        # How rows store the round's inputs whose names are not UTF-8 (storable_text): no
        # key spells them, and their order is not the keys' (rare: usually none).
        self._escaped = frozenset(_escaped_names(con.execute(
            "SELECT path FROM replace WHERE round = ?", (round_,))))

    def may_hold(self, stats) -> bool:
        found = stats.get("source_file")
        if found is None or self._escaped:
            return True
        return self._con.execute("SELECT 1 FROM replace WHERE round = ? AND path BETWEEN ? AND ? LIMIT 1",
                                 (self._round, _key(found[0]), _key(found[1]))).fetchone() is not None

    def select(self, keys: pa.Table) -> np.ndarray:
        import pyarrow.compute as pc  # imported late: 35 ms of start-up
        files = pc.unique(keys.column("source_file")).to_pylist()
        wanted = _present(self._con, "SELECT path FROM replace WHERE round = ? AND path IN ({marks})",
                          [_key(f) for f in files if f is not None], (self._round,))
        names = [_path(key) for key in wanted] + [f for f in files if f in self._escaped]
        return pc.is_in(keys.column("source_file"), value_set=pa.array(names, pa.string())).to_numpy(
            zero_copy_only=False)


def _escaped_names(rows) -> dict[str, bytes]:
    """{name as rows store it: key} of the (key,) rows whose names are not UTF-8."""
    escaped = {}
    for (key,) in rows:
        try:
            key.decode("utf-8")
        except UnicodeDecodeError:
            escaped[storable_text(_path(key))] = key
    return escaped


class _CopiesOfRemoved(Selector):
    """Rows whose article_id is one whose kept record the run removes (removed_ids)."""

    def __init__(self, con: sqlite3.Connection):
        self._con = con

    def may_hold(self, stats) -> bool:
        found = stats.get("article_id")
        if found is None:
            return True
        return self._con.execute("SELECT 1 FROM removed_ids WHERE article_id BETWEEN ? AND ? LIMIT 1",
                                 found).fetchone() is not None

    def select(self, keys: pa.Table) -> np.ndarray:
        import pyarrow.compute as pc  # imported late: 35 ms of start-up
        ids = pc.unique(keys.column("article_id")).to_pylist()
        wanted = _present(self._con, "SELECT article_id FROM removed_ids WHERE article_id IN ({marks})", ids)
        return pc.is_in(keys.column("article_id"), value_set=pa.array(sorted(wanted), pa.string())).to_numpy(
            zero_copy_only=False)


@dataclasses.dataclass
class Replacement:
    """The committed rows an incremental run removes, by file, and what it re-reads."""

    hits: dict[str, Hit]
    inputs: int  # changed (or stale) committed inputs
    reread: int = 0  # other inputs read again so that an article keeps a record
    kept: int = 0  # old article rows kept: no other copy of the article could be read

    def counts(self) -> dict:
        removed = {dataset: 0 for dataset in COMMITTED}
        for hit in self.hits.values():
            removed[hit.dataset] += int(hit.drop.sum())
        return {"inputs": self.inputs, "reread": self.reread, **removed, "kept": self.kept}

    def spare_orphans(self, db: RunDb) -> None:
        """After deduplication: keeps the old record of each removed article that no staged
        row carries and whose other copies' inputs are no longer there to be read.

        A copy whose input a watch left for a later batch (changed, todo 2) is read then:
        the old record is not kept for it (it would stay beside its input's new record for
        good), and that later batch gives the article its record from the copy."""
        orphans = db.con.execute(
            """SELECT r.article_id, r.rel, r.row FROM removed_ids r
               WHERE NOT EXISTS (SELECT 1 FROM keys k WHERE k.article_id = r.article_id)
               AND EXISTS (SELECT 1 FROM holders h WHERE h.article_id = r.article_id
                           AND NOT EXISTS (SELECT 1 FROM replace p WHERE p.path = h.source_file))
               AND NOT EXISTS (SELECT 1 FROM holders h JOIN matched m ON m.path = h.source_file
                               WHERE h.article_id = r.article_id AND m.todo = 2)"""
        ).fetchall()
        for _article_id, rel, row in orphans:
            self.hits[rel].keep(row)
        with db.con:
            db.con.executemany("DELETE FROM removed_ids WHERE article_id = ?", [(o[0],) for o in orphans])
        self.kept = len(orphans)

    def stage(self, output: str, stage: str) -> list[str]:
        """Stages the rewritten files; returns the committed files to delete."""
        return stage_without(output, stage, self.hits.values())


def plan_replacement(output: str, state: State, db: RunDb) -> Replacement | None:
    """Finds the committed rows of the inputs in the run's `replace` table (filled by
    RunDb.skip_unchanged), records the ids of the removed articles, and adds to the run the
    inputs holding other copies of those articles (round after round, as a re-read input
    is replaced too). None when the run replaces nothing."""
    with db.con:  # an input left for a later run (a watch's deferred one, todo 2) keeps its rows
        db.con.execute("DELETE FROM replace WHERE path NOT IN (SELECT path FROM matched WHERE todo = 1)")
    inputs = db.count("replace")
    if not inputs:
        return None
    rels = [rel for dataset in COMMITTED for rel in state.files.get(dataset, [])]
    replacement = Replacement({}, inputs)
    round_ = 0
    while True:
        for hit in find_rows(output, rels, _RowsOfInputs(db.con, round_)):
            if hit.dataset == "articles":
                with db.con:
                    db.con.executemany(
                        "INSERT OR IGNORE INTO removed_ids VALUES (?, ?, ?)",
                        ((article_id, hit.rel, row) for article_id, row in zip(
                            hit.keys.column("article_id").to_pylist(), hit.keys.column("row").to_pylist())))
            hit.keys = hit.keys.select(["row"])  # the ids are in SQLite now: memory stays small
            if hit.rel in replacement.hits:
                replacement.hits[hit.rel].merge(hit)
            else:
                replacement.hits[hit.rel] = hit
        added = _reread_copies(output, state.files.get("duplicates", []), db, round_ + 1)
        if not added:
            return replacement
        replacement.reread += added
        round_ += 1


def _reread_copies(output: str, duplicates: list[str], db: RunDb, round_: int) -> int:
    """Adds to the run (as round `round_`) the inputs that hold a duplicate of an article
    whose kept record is removed, when they are still matched; returns how many."""
    if not duplicates or not db.count("removed_ids"):
        return 0
    escaped = None  # {stored name: key} of the matched inputs whose names are not UTF-8
    for hit in find_rows(output, duplicates, _CopiesOfRemoved(db.con)):
        files = hit.keys.column("source_file").to_pylist()
        if escaped is None and any(f is not None and "\\" in f for f in files):
            escaped = _escaped_names(db.con.execute("SELECT path FROM matched"))
        with db.con:
            db.con.executemany("INSERT OR IGNORE INTO holders VALUES (?, ?)", (
                (article_id, (escaped or {}).get(source_file) or _key(source_file))
                for article_id, source_file in zip(hit.keys.column("article_id").to_pylist(), files)))
    with db.con:
        added = db.con.execute(
            """INSERT OR IGNORE INTO replace SELECT DISTINCT h.source_file, ? FROM holders h
               JOIN matched m ON m.path = h.source_file AND m.todo IN (0, 1)
               WHERE NOT EXISTS (SELECT 1 FROM replace p WHERE p.path = h.source_file)""", (round_,)).rowcount
        db.con.execute("UPDATE matched SET todo = 1 WHERE path IN (SELECT path FROM replace WHERE round = ?)",
                       (round_,))
    return added
