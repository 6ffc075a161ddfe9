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

from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems

from pipeline.storage.commit import RUN_DB, RUNS
from pipeline.storage.lock import LOCK
from pipeline.storage.state import RUN_CHANGES_SCHEMA, is_local

__all__ = ["INPUT_LIST", "RUN_DB", "RunDb", "Selection", "first_match", "is_landing_temp", "iter_matches", "landed",
           "beam_patterns", "outside_output", "pattern_root", "translate_pattern", "write_input_list"]

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
    prefix = _GLOB_PREFIX.match(pattern).group(0)
    wanted = re.compile(translate_pattern(pattern)).match
    if not is_local(pattern):
        if prefix == pattern:
            yield from FileSystems.match([pattern])[0].metadata_list
            return
        filesystem = FileSystems.get_filesystem(pattern)
        if filesystem.has_dirs():  # HDFS: list the directory the prefix is in, as Beam does
            prefix = filesystem._url_dirname(prefix)
        # The paged listing, filtered as it arrives (FileSystem.match would collect it all).
        yield from (metadata for metadata in filesystem._list(prefix) if wanted(metadata.path))
        return
    if prefix == pattern:
        if os.path.lexists(pattern) and not os.path.isdir(pattern):
            yield _metadata(pattern)
        return
    root = prefix if prefix.endswith(os.sep) else os.path.dirname(prefix)
    for path, listed in _walk(root or "."):
        if not root:
            path = path[2:]  # "./name" -> "name", as the pattern is relative
        if wanted(path) or (not listed and _may_hold(pattern, path)):
            # A directory that cannot be listed, where the pattern could match files, is
            # an input too: read, it is an `unreadable` reject that names it.
            yield _metadata(path)


def _may_hold(pattern: str, directory: str) -> bool:
    """Whether `pattern` could match a file below `directory` (whose own listing failed):
    step by step, each of the directory's names matches the pattern's step there, and a
    step is left for the file ('**' matches any number of steps)."""
    steps, names = pattern.split("/"), directory.split("/")
    for index, name in enumerate(names):
        if index >= len(steps) - 1:
            return False  # deeper than any directory the pattern names
        step = steps[index]
        if "**" in step:
            return True
        if not re.fullmatch(r"(?ms)" + _translate(step), name):
            return False
    return True


# The part of a pattern before its first wildcard.
_GLOB_PREFIX = re.compile(r"^[^[*?{]*")


def translate_pattern(pattern: str) -> str:
    """A glob as a regular expression over whole paths: Beam's pattern syntax (`*` within a
    directory, `**` across them, `?`, `[abc]`), where `**/` also matches no directory at all
    (`dumps/**/*.txt` takes `dumps/a.txt`, as a shell's globstar and Python's glob do) and
    `{txt,md}` matches either word."""
    return r"(?ms)" + _translate(pattern) + r"\Z"


def beam_patterns(pattern: str) -> list[str]:
    """Patterns in Beam's own syntax that together match what `pattern` does here: braces
    expanded, and each `**/` both kept and left out (Beam's `**/` needs a directory). For
    the matcher Beam runs itself (fileio.MatchContinuously under --streaming)."""
    if (brace := re.search(r"\{([^{}]*,[^{}]*)\}", pattern)) is not None:
        head, tail = pattern[:brace.start()], pattern[brace.end():]
        found = [p for alt in brace.group(1).split(",") for p in beam_patterns(head + alt + tail)]
    elif (star := pattern.find("**/")) != -1:
        rest = beam_patterns(pattern[star + 3:])
        found = [pattern[:star] + p for p in rest] + [pattern[:star + 3] + p for p in rest]
    else:
        found = [pattern]
    return list(dict.fromkeys(found))


def _translate(pattern: str) -> str:
    i, n, out = 0, len(pattern), []
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            if pattern.startswith("*/", i) or pattern.startswith("*\\", i):
                out.append(r"(?:.*[/\\])?")  # '**/': any directories, or none
                i += 2
            elif pattern.startswith("*", i):
                out.append(".*")
                i += 1
            else:
                out.append(r"[^/\\]*")
        elif c == "?":
            out.append(r"[^/\\]")
        elif c == "[" and (end := pattern.find("]", i + 1 if pattern.startswith(("!", "]"), i) else i)) != -1:
            body = pattern[i:end].replace("\\", "\\\\")
            i = end + 1
            out.append("[" + ("^" + body[1:] if body[0] == "!" else "\\" + body if body[0] == "^" else body) + "]")
        elif c == "{" and (end := pattern.find("}", i)) != -1 and "," in pattern[i:end]:
            out.append("(?:" + "|".join(_translate(part) for part in pattern[i:end].split(",")) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
    return "".join(out)


def _walk(root: str) -> Iterator[tuple[str, bool]]:
    """(path, True) for the non-directories under `root`, like os.walk (symlinked
    directories are not followed) but without building a list of each directory's names,
    and (path, False) for a directory below `root` that cannot be listed (no permission).
    A `root` that cannot be listed raises its OSError."""
    pending = [root]
    while pending:
        directory = pending.pop()
        if _is_output(directory):
            continue  # another run's output (Parquet, state, history) is no input
        try:
            entries = os.scandir(directory)
        except FileNotFoundError:
            continue  # deleted while listed
        except OSError:
            if directory == root:
                raise  # '--input could not be matched: ... Permission denied'
            if os.path.basename(directory) != "lost+found":  # a file system's, root's only
                yield directory, False  # os.walk would skip it, and its files with it, silently
            continue
        with entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    pending.append(entry.path)
                elif not _is_dir_link(entry):
                    yield entry.path, True


def _is_output(directory: str) -> bool:
    """Whether `directory` is an output of this tool: it holds the writer lock and the run
    history that every run leaves."""
    return os.path.isfile(os.path.join(directory, LOCK)) and os.path.isdir(os.path.join(directory, RUNS))


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


# The landing contract of a watch (docs/streaming.md): a producer writes a file under a
# hidden or temporary name (or elsewhere) and renames it into place when it is complete.
_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".filepart", ".swp")


def is_landing_temp(path: str, root: str = "", literal: frozenset[str] = frozenset()) -> bool:
    """True for a file still being landed: a name (or a directory below `root`, the
    pattern's fixed part) starting with '.' or '_', or a name ending in a temporary suffix;
    not a name in `literal`, which the pattern spells out ('land/*/_ready/*.txt')."""
    rel = path[len(root):] if root and path.startswith(root) else path.rsplit("/", 1)[-1]
    parts = rel.split("/")
    if any(part[:1] in "._" and part and part not in literal for part in parts):
        return True
    return parts[-1].lower().endswith(_TEMP_SUFFIXES) and parts[-1] not in literal


def landed(matches: Iterable[FileMetadata], pattern: str) -> Iterator[FileMetadata]:
    """`matches` without the files still being landed (`is_landing_temp`), as Hadoop's and
    Spark's file sources leave out hidden files: the rsync's '.name.XXXXXX', a download's
    'name.part', a '_staging/' directory. A name the pattern spells out is taken; so are
    temporary suffixes where the pattern's last part ends in one ('*.part')."""
    root = pattern_root(pattern)
    parts = [part for part in pattern[len(root):].split("/") if part]
    literal = frozenset(part for part in parts if _GLOB_PREFIX.fullmatch(part) is not None)
    if parts and parts[-1].lower().endswith(_TEMP_SUFFIXES):
        return iter(matches)
    return (m for m in matches if not is_landing_temp(m.path, root, literal))


def pattern_root(pattern: str) -> str:
    """The fixed directory part of a pattern ('landing/' of 'landing/**/*.txt')."""
    prefix = _GLOB_PREFIX.match(pattern).group(0)
    return prefix[: prefix.rfind("/") + 1]


class Selection:
    """Which of the new and changed inputs one watch trigger takes (pipeline/watch.py).

    Files still being landed (`is_landing_temp`) are not matched at all; a file modified less
    than `settle` seconds before `now` waits for a later trigger; of the rest, the first
    `max_files` in path order are taken and the others wait (the backlog)."""

    def __init__(self, pattern: str, *, settle: float, now: float, max_files: int | None = None):
        self.pattern = pattern
        self.settled_before = now - max(settle, 0.0)
        self.max_files = max_files

    def landed(self, matches: Iterable[FileMetadata]) -> Iterator[FileMetadata]:
        return landed(matches, self.pattern)


def outside_output(matches: Iterable[FileMetadata], pattern: str, output: str) -> Iterable[FileMetadata]:
    """`matches` without the files inside `output`, where a local output directory lies below
    the pattern's fixed part (`--input data/ --output data/out`): a run's own Parquet, state
    and lock are no input. Elsewhere `matches` as they are."""
    if not (is_local(pattern) and is_local(output)):
        return matches
    root = os.path.abspath(pattern_root(pattern) or ".")
    inside = os.path.join(os.path.abspath(output), "")
    if not inside.startswith(os.path.join(root, "")):
        return matches
    return (m for m in matches if not os.path.abspath(m.path).startswith(inside))


def first_match(pattern: str, *, landed_only: bool = False) -> FileMetadata | None:
    """The first file `pattern` matches, or None; with `landed_only`, the first that is not
    still being landed (`landed`)."""
    matches = iter_matches(pattern)
    for metadata in landed(matches, pattern) if landed_only else matches:
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
            -- Matches read again only because an earlier run could not read them.
            CREATE TABLE IF NOT EXISTS retrying (path BLOB PRIMARY KEY) WITHOUT ROWID;
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
        many. Those are not processed again. An input an earlier run could not read (the
        state holds no mtime for it) is read again; it is listed in `retrying` too (see
        hold_lone_retries).

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
                self.con.execute(
                    """INSERT OR IGNORE INTO retrying SELECT m.path FROM matched m JOIN state.inputs s
                       ON s.path = m.path WHERE m.todo = 1 AND s.mtime IS NULL AND s.size = m.size""")
        finally:
            self.con.execute("DETACH DATABASE state")
        return self.count("matched", "WHERE todo = 0")

    def hold_lone_retries(self) -> int:
        """Leaves the inputs read again only because an earlier run could not read them when
        nothing else is to be processed (a watch's trigger with nothing new, or only what it
        defers, stays idle); returns how many were left."""
        with self.con:
            others = self.con.execute(
                "SELECT count(*) FROM matched WHERE todo = 1 AND path NOT IN (SELECT path FROM retrying)")
            if others.fetchone()[0]:
                return 0
            self.con.execute("UPDATE matched SET todo = 0 WHERE todo = 1 AND path IN (SELECT path FROM retrying)")
            held = self.con.execute("SELECT changes()").fetchone()[0]
            self.con.execute("DELETE FROM replace WHERE path IN (SELECT path FROM retrying)")
        return held

    def defer(self, selection: Selection) -> tuple[int, int]:
        """Leaves the inputs `selection` does not take this time for a later one (todo = 2:
        neither processed nor recorded in the state): the unsettled ones, then (after holding
        lone retries, see hold_lone_retries) those over its limit, retried ones last.
        Returns (unsettled, over the limit)."""
        with self.con:
            self.con.execute("UPDATE matched SET todo = 2 WHERE todo = 1 AND mtime > ?",
                             (stamp_mtime(selection.settled_before),))
            unsettled = self.con.execute("SELECT changes()").fetchone()[0]
        self.hold_lone_retries()  # an idle landing area stays idle
        over = 0
        if selection.max_files is not None:
            with self.con:  # new inputs first: a retried one never takes a new one's place
                self.con.execute(
                    """UPDATE matched SET todo = 2 WHERE todo = 1 AND path NOT IN (
                         SELECT path FROM matched WHERE todo = 1
                         ORDER BY path IN (SELECT path FROM retrying), path LIMIT ?)""",
                    (selection.max_files,))
                over = self.con.execute("SELECT changes()").fetchone()[0]
        return unsettled, over

    def retry(self, paths: Iterable[str]) -> int:
        """Marks inputs of this run to be read again by the next (see state.RUN_CHANGES_SCHEMA's
        `retry`); `paths` that are no input of the run (a directory) are left out."""
        with self.con:
            self.con.executemany(
                "INSERT OR IGNORE INTO retry SELECT path FROM matched WHERE path = ?", ((_key(p),) for p in paths))
        return self.count("retry")

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
