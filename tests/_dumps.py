"""Small article dumps for the scheduled-run tests, in the reference text layout."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow.dataset as ds

TOWNS = ["Amberly", "Brockhollow", "Cindervale", "Duskmoor", "Eastfold", "Fernwick", "Gallowmere",
         "Hartsgrove", "Ivyreach", "Juniper Quay", "Kestrel Ford", "Larkspur"]


def body(n: int) -> list[str]:
    """Two or three paragraphs that differ for every n."""
    town = TOWNS[n % len(TOWNS)]
    paragraphs = [
        f"The council of {town} voted {n + 3} to {n % 5} on Tuesday to reopen the old pier for anglers.",
        f"Repairs to plank row {n} will take about {n % 7 + 2} weeks, the harbour keeper told reporters.",
    ]
    if n % 2:
        paragraphs.append(f"Visitors from {TOWNS[(n + 5) % len(TOWNS)]} are expected once the work ends.")
    return paragraphs


def dump(n: int, publisher: str = "Pier Bulletin", credit: str = "Rui Tamm/Harbour Photos") -> str:
    lines = [f"Anglers at the {TOWNS[n % len(TOWNS)]} pier",
             f"Anglers line the railing of the pier at first light.{credit}",
             f"  • The pier reopens in spring, case {n}.", ""]
    for paragraph in body(n):
        lines += [paragraph, ""]
    lines.append(f"Read the original article on {publisher}")
    return "\n".join(lines) + "\n"


def long_dump(n: int) -> str:
    """dump(n) with six more paragraphs: long enough for one edit to leave it a near-duplicate."""
    extra = "".join(f"Stall {k} of the fish market in case {n} sells smoked eel, pickled herring and "
                    f"rye bread to the anglers who come down before dawn on weekday {k}.\n\n"
                    for k in range(6))
    return dump(n).replace("Read the original", extra + "Read the original")


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
