"""Dumps and output readers for the tests.

The dumps come from scripts/dumps.py (loaded by path: scripts/ is not a package), the one
generator that the benchmark and the other scripts use too.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pyarrow.dataset as ds

_spec = importlib.util.spec_from_file_location(
    "dumps", Path(__file__).resolve().parent.parent / "scripts" / "dumps.py")
generator = importlib.util.module_from_spec(_spec)
sys.modules["dumps"] = generator  # so that write_corpus's worker processes find their function
_spec.loader.exec_module(generator)
# The template dumps of scripts/dumps.py, the generator the scripts use too.
body, dump, long_dump = generator.body, generator.dump, generator.long_dump


def write(directory: Path, name: str, text: str, mtime: float | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return ds.dataset(str(path), partitioning="hive").to_table().to_pylist()


def content(row: dict) -> dict:
    """A record without what may differ between runs (run id and time, partition column)."""
    return {k: v for k, v in row.items() if k not in ("run_id", "ingested_at", "ingest_date")}
