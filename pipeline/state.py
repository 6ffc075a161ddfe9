"""What earlier runs committed to an output directory: the state behind --incremental.

OUTPUT/_state/state.json holds, for every input a committed run processed, its size and
modification time, and the relative paths of the committed Parquet files. It is replaced
(never edited in place) only as the last step of a commit, so a run that fails or is
killed leaves the previous state, and its inputs are simply processed again next time.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile

from apache_beam.io.filesystems import FileSystems

__all__ = [
    "InputStamp",
    "State",
    "changed_inputs",
    "is_local",
    "load_state",
    "read_bytes",
    "save_state",
    "state_path",
    "write_atomic",
]

STATE_FORMAT = 1


def is_local(path: str) -> bool:
    return "://" not in path


def state_path(output: str) -> str:
    return f"{output.rstrip('/')}/_state/state.json"


@dataclasses.dataclass(frozen=True)
class InputStamp:
    """How an input looked when it was ingested; a different size or mtime means 'changed'."""

    size: int
    mtime: float

    @classmethod
    def of(cls, metadata) -> InputStamp:
        return cls(int(metadata.size_in_bytes or 0), round(float(metadata.last_updated_in_seconds or 0.0), 6))


@dataclasses.dataclass
class State:
    """The committed state of one output directory."""

    inputs: dict[str, InputStamp] = dataclasses.field(default_factory=dict)
    # Relative paths (under OUTPUT) of committed files, by dataset: articles, rejects, duplicates.
    files: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    last_run_id: str | None = None

    def to_json(self) -> dict:
        return {
            "format": STATE_FORMAT,
            "last_run_id": self.last_run_id,
            "files": {k: sorted(v) for k, v in sorted(self.files.items())},
            "inputs": {uri: [s.size, s.mtime] for uri, s in sorted(self.inputs.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> State:
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown state format {data.get('format')!r}")
        return cls(
            inputs={uri: InputStamp(int(v[0]), float(v[1])) for uri, v in data.get("inputs", {}).items()},
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
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
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


def load_state(output: str) -> State:
    raw = read_bytes(state_path(output))
    return State() if raw is None else State.from_json(json.loads(raw))


def save_state(output: str, state: State) -> None:
    write_atomic(state_path(output), json.dumps(state.to_json(), ensure_ascii=False).encode("utf-8"))


def changed_inputs(matched: list, state: State) -> tuple[list, list]:
    """Splits matched file metadata into (new or changed, unchanged since the last commit)."""
    todo, unchanged = [], []
    for metadata in matched:
        seen = state.inputs.get(metadata.path)
        (unchanged if seen == InputStamp.of(metadata) else todo).append(metadata)
    return todo, unchanged
