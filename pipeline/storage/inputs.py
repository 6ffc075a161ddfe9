"""The run's inputs, streamed: match the pattern, keep the list on disk, hand workers chunks.

A run over millions of dumps must not hold one Python object per file on the launcher. So
the match is a generator (a directory walk one entry at a time locally; Beam's paged
listing elsewhere), the matched files go straight into a SQLite table in the run's staging
directory (`RunDb`), and the files to process are written to a JSON-lines file there.
The pipeline gets only (list file, byte offset, byte length) chunks, a few hundred tuples
whatever the input size, and each worker reads its own chunk.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator

from apache_beam.io.filesystem import FileMetadata, FileSystem
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.commit import RUN_DB
from pipeline.storage.state import RUN_CHANGES_SCHEMA, is_local

__all__ = ["INPUT_LIST", "RUN_DB", "RunDb", "first_match", "iter_matches", "write_input_list"]

INPUT_LIST = "_inputs.jsonl"
# Chunks handed to the pipeline: enough to spread over workers, small enough to retry.
_MAX_CHUNKS = 256
_MAX_CHUNK = 500


def iter_matches(pattern: str) -> Iterator[FileMetadata]:
    """Every file `pattern` matches (Beam's pattern syntax), one at a time, in no set order.

    Locally this includes files that cannot be stat'ed (a dangling symlink, a symlink loop),
    with size 0, so that reading them fails and they end as `unreadable` rejects rather than
    nowhere: Beam's own local match silently drops them.
    """
    if pattern.endswith(("/", "\\")):
        pattern += "*"
    prefix = re.match(r"^[^[*?]*", pattern).group(0)
    if not is_local(pattern):
        if prefix == pattern:
            yield from FileSystems.match([pattern])[0].metadata_list
            return
        filesystem = FileSystems.get_filesystem(pattern)
        if filesystem.has_dirs():  # HDFS: list the directory the prefix is in, as Beam does
            prefix = filesystem._url_dirname(prefix)
        # The paged listing, filtered as it arrives (FileSystem.match would collect it all).
        yield from filesystem.match_files(filesystem._list(prefix), pattern)
        return
    if prefix == pattern:
        if os.path.lexists(pattern) and not os.path.isdir(pattern):
            yield _metadata(pattern)
        return
    root = prefix if prefix.endswith(os.sep) else os.path.dirname(prefix)
    wanted = re.compile(FileSystem.translate_pattern(pattern)).match
    for path in _walk(root or "."):
        if not root:
            path = path[2:]  # "./name" -> "name", as the pattern is relative
        if wanted(path):
            yield _metadata(path)


def _walk(root: str) -> Iterator[str]:
    """Paths of the non-directories under `root`, like os.walk (symlinked directories are not
    followed) but without building a list of each directory's names."""
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            entries = os.scandir(directory)
        except OSError:
            continue  # unreadable directory: as os.walk, skip it
        with entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    pending.append(entry.path)
                elif not _is_dir_link(entry):
                    yield entry.path


def _is_dir_link(entry: os.DirEntry) -> bool:
    # os.walk lists a symlink to a directory among the directories (and does not descend).
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:
        return False


def _metadata(path: str) -> FileMetadata:
    try:
        st = os.stat(path)
    except OSError:
        return FileMetadata(path, 0, 0.0)
    return FileMetadata(path, st.st_size, st.st_mtime)


def first_match(pattern: str) -> FileMetadata | None:
    for metadata in iter_matches(pattern):
        return metadata
    return None


def _key(path: str) -> bytes:
    # Bytes, not text: a local file name need not be valid UTF-8 (surrogate escapes).
    return path.encode("utf-8", "surrogateescape")


def _path(key: bytes) -> str:
    return key.decode("utf-8", "surrogateescape")


class RunDb:
    """One run's working tables, in a SQLite file: what matched, what to process, and the
    (article_id, source_uri) pairs deduplication decides on. Memory stays flat; the file is
    committed with the run (the state takes its rows) and removed with the staging directory.
    """

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.con = sqlite3.connect(path)
        self.con.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -16384;
            CREATE TABLE IF NOT EXISTS matched (path BLOB PRIMARY KEY, size INTEGER, mtime REAL,
                                                todo INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS keys (article_id TEXT, source_uri BLOB, source_file BLOB,
                                             PRIMARY KEY (article_id, source_uri)) WITHOUT ROWID;
            -- Committed inputs whose rows this run replaces (changed, stale, or re-read so
            -- that an article they hold keeps a record), by the round that added them.
            CREATE TABLE IF NOT EXISTS replace (path BLOB PRIMARY KEY, round INTEGER) WITHOUT ROWID;
            -- Committed duplicate rows of the articles whose kept record is being replaced.
            CREATE TABLE IF NOT EXISTS holders (article_id TEXT, source_file BLOB,
                                                PRIMARY KEY (article_id, source_file)) WITHOUT ROWID;
            """
        )
        self.con.executescript(RUN_CHANGES_SCHEMA.format(db=""))

    def add_matches(self, matches: Iterable[FileMetadata]) -> int:
        """Records every match (a path matched twice counts once); returns how many."""
        rows = ((_key(m.path), int(m.size_in_bytes or 0), stamp_mtime(m.last_updated_in_seconds))
                for m in matches)
        with self.con:
            self.con.executemany("INSERT OR IGNORE INTO matched (path, size, mtime) VALUES (?, ?, ?)", rows)
        return self.count("matched")

    def skip_unchanged(self, state_db: str | None, *, stale_unless: tuple[str, str] | None = None) -> int:
        """Marks the matches whose size and mtime equal the committed state's; returns how
        many. Those are not processed again.

        Committed inputs that changed are listed in `replace`: their new rows replace the
        old ones. With `stale_unless` (release, rules fingerprint), so are the committed
        inputs another release or other rules processed, which are then processed again
        (--reprocess-stale)."""
        if state_db is None or not os.path.exists(state_db):
            return 0
        self.con.execute("ATTACH DATABASE ? AS state", (state_db,))
        try:
            with self.con:
                self.con.execute(
                    """UPDATE matched SET todo = 0 WHERE EXISTS (
                         SELECT 1 FROM state.inputs s WHERE s.path = matched.path
                         AND s.size = matched.size AND s.mtime = matched.mtime)""")
                self.con.execute(
                    """INSERT OR IGNORE INTO replace SELECT m.path, 0 FROM matched m
                       JOIN state.inputs s ON s.path = m.path WHERE m.todo = 1""")
                if stale_unless is not None:
                    self.con.execute(
                        """INSERT OR IGNORE INTO replace SELECT m.path, 0 FROM matched m
                           JOIN state.inputs s ON s.path = m.path
                           WHERE s.version IS NOT ? OR s.rules IS NOT ?""", stale_unless)
                    self.con.execute("UPDATE matched SET todo = 1 WHERE path IN (SELECT path FROM replace)")
        finally:
            self.con.execute("DETACH DATABASE state")
        return self.count("matched", "WHERE todo = 0")

    def count(self, table: str, where: str = "") -> int:
        return self.con.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]

    def todo(self) -> Iterator[tuple[str, int, float]]:
        """The files to process, in path order (the same order on every run)."""
        for key, size, mtime in self.con.execute(
                "SELECT path, size, mtime FROM matched WHERE todo = 1 ORDER BY path"):
            yield _path(key), size, mtime

    def release_memory(self) -> None:
        """Gives back the page cache (up to 16 MiB) while the pipeline runs."""
        self.con.execute("PRAGMA shrink_memory")

    def close(self) -> None:
        self.con.commit()
        self.con.close()


def stamp_mtime(seconds: float | None) -> float:
    """Modification times compare at microsecond precision (what survives a JSON round trip)."""
    return round(float(seconds or 0.0), 6)


def write_input_list(path: str, files: Iterable[tuple[str, int, float]], n: int) -> list[tuple[str, int, int]]:
    """Writes `files` (n of them) to `path` as JSON lines; returns the chunks the pipeline
    reads them by, as (path, byte offset, byte length)."""
    per_chunk = max(1, min(_MAX_CHUNK, -(-n // _MAX_CHUNKS)))
    chunks: list[tuple[str, int, int]] = []
    offset = start = lines = 0
    with FileSystems.create(path) as handle:
        for entry in files:
            line = json.dumps(entry).encode("ascii") + b"\n"
            handle.write(line)
            offset += len(line)
            lines += 1
            if lines == per_chunk:
                chunks.append((path, start, offset - start))
                start, lines = offset, 0
    if lines:
        chunks.append((path, start, offset - start))
    return chunks
