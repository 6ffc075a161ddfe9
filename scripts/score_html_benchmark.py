#!/usr/bin/env python3
"""Body-extraction accuracy of the HTML reader on an article-extraction benchmark.

usage: score_html_benchmark.py BENCH_DIR [--out DIR] [--trafilatura] [--min F1] [-v]

BENCH_DIR holds html/*.html(.gz) and ground-truth.json ({id: {"articleBody": ...}}), the
layout of the public article-extraction benchmark. Every page goes through the reader
(`transforms.formats.html.read`, exactly what a run does); the articles are written as
Parquet to DIR/articles (so `score_body.py` and DuckDB can read them too), and scored with
the benchmark's metric: token 4-gram shingles counted per page, precision and recall
averaged over pages, F1 from the two averages. --trafilatura scores trafilatura.extract on
the same pages for comparison (DIR/trafilatura). Exits 1 when our F1 is under --min.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.record import ARTICLE_SCHEMA, Article
from transforms.context import IngestContext
from transforms.formats import html
from transforms.rules import load_rules

_WORD = re.compile(r"\w+")


def _shingles(text: str, size: int = 4) -> Counter:
    words = _WORD.findall(text or "")
    if len(words) < size:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + size]) for i in range(len(words) - size + 1))


def _fractions(truth: str, got: str) -> tuple[float, float, float]:
    """(true positive, false positive, false negative) shingle shares of one page."""
    want, have = _shingles(truth), _shingles(got)
    both = sum((want & have).values())
    extra = sum((have - want).values())
    lost = sum((want - have).values())
    total = both + extra + lost
    return (both / total, extra / total, lost / total) if total else (0.0, 0.0, 0.0)


def score(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    """Precision, recall (averaged over pages) and F1, as the benchmark computes them."""
    counts = [_fractions(text, predicted.get(key, "")) for key, text in truth.items()]

    def ratio(hit: float, miss: float, other: float) -> float:
        if miss == other == 0:
            return 1.0
        return hit / (hit + miss) if hit + miss else 0.0

    precision = statistics.mean(ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _pages(bench: Path) -> list[tuple[str, Path]]:
    pages = []
    for path in sorted((bench / "html").iterdir()):
        key = path.name
        for suffix in (".gz", ".html", ".htm"):
            key = key.removesuffix(suffix)
        pages.append((key, path))
    return pages


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _write(rows: list[dict], directory: Path, schema: pa.Schema | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, directory / "part-00000.parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/html-benchmark-out"))
    parser.add_argument("--trafilatura", action="store_true", help="also score trafilatura.extract")
    parser.add_argument("--min", type=float, default=0.0, help="exit 1 when our F1 is below this")
    parser.add_argument("-v", action="store_true", help="list the 15 worst pages")
    args = parser.parse_args(argv)

    labelled = json.loads((args.bench / "ground-truth.json").read_text())
    truth = {page_id: entry.get("articleBody", "") for page_id, entry in labelled.items()}
    pages = [(key, _read(path), str(path)) for key, path in _pages(args.bench)]
    ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc), "html")

    ours: dict[str, str] = {}
    rows = []
    started = time.process_time()
    for key, data, uri in pages:
        for outcome in html.read(data, uri, ctx):
            if isinstance(outcome, Article):
                ours[key] = outcome.body
                rows.append(outcome.to_row())
    our_cpu = time.process_time() - started
    _write(rows, args.out / "articles", ARTICLE_SCHEMA)
    result = {"pages": len(pages), "articles": len(rows), "ours": score(truth, ours),
              "ours_cpu_seconds": round(our_cpu, 2)}

    if args.trafilatura:
        import trafilatura

        theirs: dict[str, str] = {}
        started = time.process_time()
        for key, data, _ in pages:
            theirs[key] = trafilatura.extract(data.decode("utf-8", "replace")) or ""
        result["trafilatura"] = score(truth, theirs)
        result["trafilatura_cpu_seconds"] = round(time.process_time() - started, 2)
        result["trafilatura_version"] = trafilatura.__version__
        _write([{"source_uri": f"{k}.html", "body": v} for k, v in theirs.items()],
               args.out / "trafilatura" / "articles", None)

    print(json.dumps(result))
    if args.v:
        worst = sorted(truth, key=lambda k: sum(_fractions(truth[k], ours.get(k, ""))[1:]), reverse=True)[:15]
        for key in worst:
            _, fp, fn = _fractions(truth[key], ours.get(key, ""))
            print(f"  {key[:16]}  extra {fp:.2f}  lost {fn:.2f}")
    return 0 if result["ours"]["f1"] >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
