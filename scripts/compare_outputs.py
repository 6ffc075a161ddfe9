"""Compare two output directories record by record: did a code change alter any record?

    python scripts/compare_outputs.py OLD_OUT NEW_OUT [--ignore FIELD ...] [--show N]

Each argument is an --output directory of `article-ingest run`, or a directory holding
several of them (compared by matching subdirectory name). For every dataset (articles,
rejects, duplicates) the rows of all its Parquet files are read, the per-run fields are
dropped (run_id and the run's timestamps: ingested_at, rejected_at, detected_at), and the
rows are matched by key (articles: article_id and source_uri; rejects: source_uri;
duplicates: source_uri and article_id) and compared field by field. The partition
directory a row sits in is compared too, with the ingest date masked. The Arrow schemas
(with their metadata) and run.json's counts are compared as well.

Prints the number of records compared per dataset and the first differences; exits 1 when
anything differs, 0 when everything is the same.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq

from schemas.datasets import ARTICLES, DUPLICATES, REJECTS

# The key that matches a record of each dataset in the two outputs.
DATASETS = {
    ARTICLES: ("article_id", "source_uri"),
    REJECTS: ("source_uri",),
    DUPLICATES: ("source_uri", "article_id"),
}
PER_RUN_FIELDS = ("run_id", "ingested_at", "rejected_at", "detected_at")
# run.json keys that change from run to run whatever the code does.
PER_RUN_SUMMARY = ("run_id", "input", "output", "started_at", "duration_seconds",
                   "articles_per_second", "phase_seconds", "article_ingest_version")
_DATE_DIR = re.compile(r"ingest_date=\d{4}-\d{2}-\d{2}")


def _rows(output: Path, dataset: str, ignore: tuple[str, ...]):
    """{key: row} of one dataset, and the set of schemas its files have."""
    rows: dict[tuple, dict] = {}
    schemas = set()
    base = output / dataset
    for path in sorted(base.rglob("*.parquet")) if base.is_dir() else ():
        if any(part.startswith(("_", ".")) for part in path.relative_to(output).parts):
            continue
        table = pq.read_table(path, partitioning=None)
        schemas.add(table.schema.to_string(show_schema_metadata=True))
        where = _DATE_DIR.sub("ingest_date=*", str(path.parent.relative_to(base)))
        for row in table.to_pylist():
            for field in ignore:
                row.pop(field, None)
            row["(partition)"] = where
            key = tuple(row.get(k) for k in DATASETS[dataset])
            if key in rows:
                row["(repeated key)"] = True
                key = (*key, len(rows))
            rows[key] = row
    return rows, schemas


def _summary(output: Path, ignore: tuple[str, ...]) -> dict:
    path = output / "run.json"
    if not path.exists():
        return {}
    summary = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in summary.items() if k not in PER_RUN_SUMMARY and k not in ignore}


def compare(old: Path, new: Path, ignore: tuple[str, ...], show: int) -> tuple[dict[str, int], list[str]]:
    """({dataset: records compared}, differences) of two output directories."""
    counts: dict[str, int] = {}
    problems: list[str] = []
    for dataset in DATASETS:
        old_rows, old_schemas = _rows(old, dataset, ignore)
        new_rows, new_schemas = _rows(new, dataset, ignore)
        counts[dataset] = len(old_rows)
        if old_schemas and new_schemas and old_schemas != new_schemas:
            problems.append(f"{dataset}: the Parquet schemas differ")
        for key in sorted(old_rows.keys() - new_rows.keys(), key=repr)[:show]:
            problems.append(f"{dataset}: only in {old}: {key}")
        for key in sorted(new_rows.keys() - old_rows.keys(), key=repr)[:show]:
            problems.append(f"{dataset}: only in {new}: {key}")
        missing = len(old_rows.keys() ^ new_rows.keys())
        if missing > 2 * show:
            problems.append(f"{dataset}: {missing} keys in one output only")
        shown = 0
        for key in sorted(old_rows.keys() & new_rows.keys(), key=repr):
            a, b = old_rows[key], new_rows[key]
            if a == b:
                continue
            if shown < show:
                fields = sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f))
                for field in fields:
                    problems.append(f"{dataset} {key}: {field}: {a.get(field)!r} -> {b.get(field)!r}")
            shown += 1
        if shown:
            problems.append(f"{dataset}: {shown} records differ")
    old_summary, new_summary = _summary(old, ignore), _summary(new, ignore)
    for key in sorted(old_summary.keys() | new_summary.keys()):
        if old_summary.get(key) != new_summary.get(key):
            problems.append(f"run.json {key}: {old_summary.get(key)!r} -> {new_summary.get(key)!r}")
    return counts, problems


def _pairs(old: Path, new: Path) -> list[tuple[str, Path, Path]]:
    """One output pair, or one per subdirectory name when both hold several outputs."""
    if (old / "run.json").exists() or any((old / d).is_dir() for d in DATASETS):
        return [(".", old, new)]
    names = sorted({p.name for p in old.iterdir() if p.is_dir()} | {p.name for p in new.iterdir() if p.is_dir()})
    return [(name, old / name, new / name) for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--ignore", action="append", default=[],
                        help="a further record field or run.json key to leave out (repeatable)")
    parser.add_argument("--show", type=int, default=5, help="differences shown per dataset (default 5)")
    args = parser.parse_args(argv)
    ignore = (*PER_RUN_FIELDS, *args.ignore)
    totals = dict.fromkeys(DATASETS, 0)
    failed = False
    for name, old, new in _pairs(args.old, args.new):
        if not old.is_dir() or not new.is_dir():
            print(f"{name}: missing in {'new' if old.is_dir() else 'old'}")
            failed = True
            continue
        counts, problems = compare(old, new, ignore, args.show)
        for dataset, n in counts.items():
            totals[dataset] += n
        status = "differs" if problems else "same"
        print(f"{name}: {status} ({', '.join(f'{n} {d}' for d, n in counts.items())})")
        for problem in problems:
            print(f"  {problem}")
        failed = failed or bool(problems)
    print(f"total compared: {', '.join(f'{n} {d}' for d, n in totals.items())}; "
          f"{'DIFFERENT' if failed else 'identical'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
