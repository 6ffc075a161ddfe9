#!/usr/bin/env python3
"""The cost of writing article records: `Article.to_row()` and `arrow_table` over real articles.

    scripts/write_bench.py --input '/tmp/b4k/data-real-text-4000-0/dumps/*/*' \\
        --baseline /tmp/wp-base --rounds 5

Each measurement runs in a child process of its own, under one checkout's code (this one,
or `--baseline DIR`, e.g. a `git worktree add --detach DIR main`): it ingests the inputs
(transforms.ingest.ingest_file, not timed), then times `to_row()` over every article and
`arrow_table` over the rows in batches of ROWS_PER_BATCH, as the Beam writer does. Fresh
objects in every child: pyarrow keeps the UTF-8 of a str it converted on that str, so a
second conversion in one process would be cheaper than a run's. Rounds alternate the two
checkouts; medians are printed (milliseconds; cpu is the child's process time for both).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(pattern: str) -> dict:
    """One child's figures: ingest untimed, then to_row and arrow_table timed."""
    import datetime as dt

    from schemas.record import ARTICLE_SCHEMA, Article
    from transforms.context import IngestContext
    from transforms.ingest import ingest_file
    from transforms.partition import ROWS_PER_BATCH, arrow_table
    from transforms.rules import load_rules

    ctx = IngestContext(load_rules(), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    articles = []
    for path in sorted(glob.glob(pattern, recursive=True)):
        with open(path, "rb") as handle:
            data = handle.read()
        articles.extend(o for o in ingest_file(data, path, ctx) if isinstance(o, Article))
    if not articles:
        raise SystemExit(f"no article in {pattern}")
    arrow_table([articles[0].to_row()], ARTICLE_SCHEMA)  # pyarrow's one-time set-up
    cpu, start = time.process_time(), time.perf_counter()
    rows = [article.to_row() for article in articles]
    rowed = time.perf_counter()
    for i in range(0, len(rows), ROWS_PER_BATCH):
        arrow_table(rows[i:i + ROWS_PER_BATCH], ARTICLE_SCHEMA)
    end = time.perf_counter()
    return {"articles": len(rows), "to_row": (rowed - start) * 1e3, "arrow_table": (end - rowed) * 1e3,
            "total": (end - start) * 1e3, "cpu": (time.process_time() - cpu) * 1e3}


def _child(checkout: Path, pattern: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}  # ahead of any editable install
    out = subprocess.run([sys.executable, __file__, "--child", "--input", pattern], env=env,
                         cwd=str(checkout), check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", required=True, help="Glob of the dumps (quote it).")
    parser.add_argument("--baseline", default=None, help="Another checkout, measured alternately.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.input)))
        return 0
    checkouts = {"this": ROOT}
    if args.baseline:
        checkouts["baseline"] = Path(args.baseline).resolve()
    runs: dict[str, list[dict]] = {name: [] for name in checkouts}
    for _ in range(args.rounds):
        for name, checkout in checkouts.items():
            runs[name].append(_child(checkout, args.input))
    for name, figures in runs.items():
        medians = {key: round(statistics.median(f[key] for f in figures), 1)
                   for key in ("to_row", "arrow_table", "total", "cpu")}
        print(f"{name:9s} {figures[0]['articles']} articles, median of {args.rounds} (ms): "
              + "  ".join(f"{key} {value}" for key, value in medians.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
