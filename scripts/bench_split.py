#!/usr/bin/env python3
"""Times the splitter (split_dump) over every dump of a corpus, optionally against a baseline.

    scripts/bench_split.py CORPUS_DIR [--baseline CHECKOUT] [--rounds N]

CORPUS_DIR holds dumps (*.txt, *.md, in any subfolder), like ../shared/data/devset. One pass
splits every dump once. With --baseline (another checkout of this repository, e.g. made with
`git worktree add /tmp/base HEAD~3`), both splitters are loaded in this one process and their
passes alternate, so machine load falls on both alike; the report gives each one's median pass
and the median of the per-round ratios (this / baseline). Timings are noisy on a shared
machine: compare ratios, not absolute times.
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(checkout: Path):
    """(split_dump, rules) of the code in `checkout`, imported apart from any other checkout."""
    for name in [m for m in sys.modules if m.split(".")[0] in ("transforms", "schemas")]:
        del sys.modules[name]
    sys.path.insert(0, str(checkout))
    try:
        split = importlib.import_module("transforms.split")
        rules = importlib.import_module("transforms.rules").load_rules()
    finally:
        sys.path.remove(str(checkout))
    return split.split_dump, rules


def _pass(split_dump, rules, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        split_dump(text, rules)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--baseline", type=Path, default=None,
                        help="Another checkout to compare with.")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.rglob("*"))
             if p.suffix in (".txt", ".md") and p.is_file()]
    candidates = {"this": _load(ROOT)}
    if args.baseline:
        candidates["baseline"] = _load(args.baseline.resolve())
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for split_dump, rules in candidates.values():
        _pass(split_dump, rules, texts)  # warm up: compiled patterns, caches
    for _ in range(args.rounds):
        for name, (split_dump, rules) in candidates.items():
            times[name].append(_pass(split_dump, rules, texts))
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name}: {len(texts)} dumps, median pass {median * 1000:.1f} ms, "
              f"{median / len(texts) * 1e6:.0f} µs a dump")
    if args.baseline:
        ratios = [a / b for a, b in zip(times["this"], times["baseline"])]
        ratio = statistics.median(ratios)
        print(f"this / baseline: median ratio {ratio:.3f} over {args.rounds} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
