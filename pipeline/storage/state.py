"""What earlier runs committed to an output directory: the state behind --incremental.

Two files under OUTPUT/_state/:
- state.json: the committed Parquet files by dataset and the last run's id. It is replaced
  (never edited in place) as the last step of a commit.
- state.sqlite: one row per input a committed run processed (path, size, modification
  time, and the release and rules fingerprint that processed it), one per article id
  committed, and one per purged source_uri or article id. So a rerun can skip unchanged
  inputs, find stale ones (--reprocess-stale), drop articles it already has without reading
  them into memory, and keep purged records out. A commit applies a run's rows in one
  SQLite transaction, which is idempotent, so a commit rolled forward after a kill simply
  applies it again.

A run that fails or is killed before its manifest is written changes neither file; its
inputs are simply processed again next time.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import sqlite3
import tempfile

from apache_beam.io.filesystems import FileSystems

__all__ = [
    "PURGED_ID",
    "PURGED_SOURCE",
    "RUN_CHANGES_SCHEMA",
    "State",
    "apply_run",
    "committed_inputs",
    "copy_file",
    "forget_state_db",
    "is_local",
    "load_state",
    "read_bytes",
    "save_state",
    "state_db",
    "state_db_path",
    "state_path",
    "write_atomic",
]

STATE_FORMAT = 2
_STATE_DB_SCHEMA = """
    CREATE TABLE IF NOT EXISTS inputs (path BLOB PRIMARY KEY, size INTEGER, mtime REAL,
                                       version TEXT, rules TEXT) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS ids (article_id TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS purged (kind TEXT, value TEXT, run_id TEXT,
                                       PRIMARY KEY (kind, value)) WITHOUT ROWID;
"""
# The tables a run's database (pipeline/storage/inputs.py RunDb) hands to `apply_run` besides
# `matched` and `keys`: article ids whose committed record the run removed (replaced inputs,
# purge) and what a purge adds to the state's purged list. Created when missing, so a run
# staged by an earlier release still commits.
RUN_CHANGES_SCHEMA = """
    CREATE TABLE IF NOT EXISTS {db}removed_ids (article_id TEXT PRIMARY KEY, rel TEXT, row INTEGER)
        WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS {db}purged (kind TEXT, value TEXT, PRIMARY KEY (kind, value)) WITHOUT ROWID;
    -- Inputs this run could not read (an `unreadable` reject: a permission, a file gone for a
    -- moment): recorded with no mtime, so that the next incremental run reads them again.
    CREATE TABLE IF NOT EXISTS {db}retry (path BLOB PRIMARY KEY) WITHOUT ROWID;
"""
# Purge kinds (the state's `purged` table and `article-ingest purge`).
PURGED_SOURCE = "source_uri"
PURGED_ID = "article_id"


def is_local(path: str) -> bool:
    return "://" not in path


def state_path(output: str) -> str:
    return f"{output.rstrip('/')}/_state/state.json"


def state_db_path(output: str) -> str:
    return f"{output.rstrip('/')}/_state/state.sqlite"


@dataclasses.dataclass
class State:
    """The committed state of one output directory (state.json)."""

    # Relative paths (under OUTPUT) of committed files, by dataset: articles, rejects, duplicates.
    files: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    last_run_id: str | None = None

    def to_json(self) -> dict:
        return {
            "format": STATE_FORMAT,
            "last_run_id": self.last_run_id,
            "files": {k: sorted(v) for k, v in sorted(self.files.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> State:
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown state format {data.get('format')!r}")
        return cls(
            files={k: list(v) for k, v in data.get("files", {}).items()},
            last_run_id=data.get("last_run_id"),
        )


def read_bytes(path: str) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    if is_local(path):
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return handle.read()


def write_atomic(path: str, data: bytes) -> None:
    """Readers see the old file or the new one, never a half-written one.

    Locally: a temporary file in the same directory, fsync, then rename over the target.
    Object stores (gs://, s3://) publish an object only once its upload completes.
    """
    if not is_local(path):
        with FileSystems.create(path) as handle:
            handle.write(data)
        return
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = _create_temp(directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _create_temp(directory: str) -> tuple[int, str]:
    """A new hidden file in `directory`, created with the mode the umask allows (0644 under
    the usual 022), as the Parquet files are: tempfile.mkstemp would make it 0600."""
    while True:
        tmp = os.path.join(directory, f".tmp-{secrets.token_hex(8)}")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


class StateError(Exception):
    """An output's state (state.json or state.sqlite) that cannot be read."""


def _state_error(path: str, err: Exception) -> StateError:
    return StateError(f"{path} cannot be read ({type(err).__name__}: {err}): restore it from a backup, "
                      "or start the output over with --incremental --full-refresh, which reads every input again")


def load_state(output: str, *, forgiving: bool = False) -> State:
    """The output's committed state; an empty one where there is none. A state.json that
    cannot be read raises StateError, or with `forgiving` (a run that replaces everything
    anyway) reads as none."""
    path = state_path(output)
    raw = read_bytes(path)
    try:
        return State() if raw is None else State.from_json(json.loads(raw))
    except (ValueError, TypeError, AttributeError) as err:  # JSONDecodeError and UnicodeDecodeError too
        if forgiving:
            return State()
        raise _state_error(path, err) from None


def save_state(output: str, state: State | dict) -> None:
    data = state.to_json() if isinstance(state, State) else state
    write_atomic(state_path(output), json.dumps(data, ensure_ascii=False).encode("utf-8", "backslashreplace"))


def _connect(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA cache_size = -16384")  # 16 MiB at most, whatever the state's size
    con.executescript(_STATE_DB_SCHEMA)
    columns = {row[1] for row in con.execute("PRAGMA table_info(inputs)")}
    for column in ("version", "rules"):  # a state written before release and rules were kept
        if column not in columns:
            con.execute(f"ALTER TABLE inputs ADD COLUMN {column} TEXT")
    return con


@contextlib.contextmanager
def state_db(output: str, *, write: bool = False):
    """A local path to the output's state database, or None when there is none yet (and
    `write` is false). Remote outputs get a local copy, uploaded again after a write."""
    path = state_db_path(output)
    if is_local(path):
        if write:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            _check_db(path)
        yield path if write or os.path.exists(path) else None
        return
    with tempfile.TemporaryDirectory(prefix="article-ingest-state-") as temp:
        local = os.path.join(temp, "state.sqlite")
        found = FileSystems.exists(path)
        if found:
            copy_file(path, local)
            _check_db(local, path)
        yield local if write or found else None
        if write:
            copy_file(local, path)


def state_db_readable(output: str) -> bool:
    """Whether the output's state database is missing or readable (not a broken file)."""
    try:
        with state_db(output):
            return True
    except StateError:
        return False


def _check_db(path: str, name: str | None = None) -> None:
    """Raises StateError when the state database at `path` is no SQLite database."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as err:
        raise _state_error(name or path, err) from None
    finally:
        con.close()


def copy_file(source: str, destination: str) -> None:
    """Copies a file between any two file systems Beam knows (local paths included), in
    1 MiB pieces."""
    def opened(path: str, mode: str):
        if is_local(path):
            return open(path, mode)  # noqa: SIM115 - closed by the with below
        return FileSystems.open(path) if mode == "rb" else FileSystems.create(path)

    with opened(source, "rb") as reader, opened(destination, "wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)


def apply_run(output: str, run_db: str, *, replace: bool, provenance: dict | None = None,
              run_id: str | None = None) -> None:
    """Applies a run's changes to the state database, in one transaction: the ids of records
    it removed leave, its processed inputs (with the release and rules that processed them,
    from `provenance`) and its article ids are added, and so are its purges. `replace` (a
    full run) first forgets the inputs and ids earlier runs recorded; purges stay. Applying
    the same run twice gives the same state."""
    provenance = provenance or {}
    with state_db(output, write=True) as path:
        con = _connect(path)
        try:
            con.execute("ATTACH DATABASE ? AS run", (run_db,))
            con.executescript(RUN_CHANGES_SCHEMA.format(db="run."))
            with con:
                if replace:
                    con.execute("DELETE FROM inputs")
                    con.execute("DELETE FROM ids")
                con.execute("DELETE FROM ids WHERE article_id IN (SELECT article_id FROM run.removed_ids)")
                con.execute("INSERT OR REPLACE INTO inputs SELECT path, size, mtime, ?, ? FROM run.matched "
                            "WHERE todo = 1",
                            (provenance.get("pipeline_version"), provenance.get("rules_fingerprint")))
                # No mtime equals NULL: never skipped as unchanged, its reject replaced when read.
                con.execute("UPDATE inputs SET mtime = NULL WHERE path IN (SELECT path FROM run.retry)")
                con.execute("INSERT OR IGNORE INTO ids SELECT DISTINCT article_id FROM run.keys")
                con.execute("INSERT OR IGNORE INTO purged SELECT kind, value, ? FROM run.purged", (run_id,))
        finally:
            con.close()


def forget_state_db(output: str) -> None:
    """Deletes the state database (when state.json is gone, the database cannot be trusted)."""
    path = state_db_path(output)
    if is_local(path):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    elif FileSystems.exists(path):
        FileSystems.delete([path])


def committed_inputs(output: str) -> dict[str, tuple[int, float]]:
    """{path: (size, mtime)} of every input committed runs processed (for tests and tools;
    it holds every row in memory)."""
    with state_db(output) as path:
        if path is None:
            return {}
        con = _connect(path)
        try:
            return {key.decode("utf-8", "surrogateescape"): (size, mtime)
                    for key, size, mtime in con.execute("SELECT path, size, mtime FROM inputs")}
        finally:
            con.close()
