#!/usr/bin/env python3
"""What replacing one changed input costs in a big dataset (docs/maintenance.md).

    scripts/replace_bench.py WORK_DIR [--files 100] [--lines 10000] [--repeat 3] [--json FILE]

Writes FILES JSONL inputs of LINES articles each (generated text), ingests them with
`article-ingest run --incremental`, then, REPEAT times, side by side:
- a rerun after one *new* small input (no replacement: the baseline), and
- a rerun after one *changed* small input (its old row is replaced), and
- a rerun after one *changed* JSONL input of LINES rows (all its rows replaced).
Each is the CLI in a child process, timed from start to exit. Reports wall times (medians),
how many committed article files each rerun rewrote or deleted, and the bytes rewritten
against the dataset's size. Reuses WORK_DIR/landing and WORK_DIR/out when present.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dumps import body  # noqa: E402 - the project's one dump generator, beside this script


def _article(file_no: int, line: int, edit: int = 0) -> dict:
    """A distinct article for every (file, line); `edit` changes its text."""
    paragraphs = body(file_no * 1_000_000 + line)
    if edit:
        paragraphs[0] += f" The notice was revised {edit} times."
    return {"title": f"District {file_no} notes {line}", "text": "\n\n".join(paragraphs)}


def _write_jsonl(path: Path, file_no: int, lines: int, edit: int = 0) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for line in range(lines):
            handle.write(json.dumps(_article(file_no, line, edit)) + "\n")
    os.replace(tmp, path)


def _write_text(path: Path, n: int, edit: int = 0) -> None:
    article = _article(10_000 + n, n, edit)
    path.write_text(f"{article['title']}\n\n{article['text']}\n", encoding="utf-8")


def _files(output: Path) -> dict[str, tuple[int, int]]:
    """{relative path: (inode, mtime_ns)} of the committed article files."""
    found = {}
    for path in (output / "articles").rglob("*.parquet"):
        st = path.stat()
        found[str(path.relative_to(output))] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def _run(landing: Path, output: Path) -> tuple[float, dict]:
    command = [sys.executable, "-m", "pipeline", "run", "--input", str(landing / "*"), "--output", str(output),
               "--incremental", "--progress", "off"]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, json.loads((output / "run.json").read_text())


def _measure(landing: Path, output: Path, change) -> dict:
    before = _files(output)
    change()
    wall, summary = _run(landing, output)
    after = _files(output)
    touched = [rel for rel, stamp in before.items() if after.get(rel) != stamp]
    return {"wall_seconds": round(wall, 3), "run_seconds": summary["duration_seconds"],
            "files_processed": summary["files_processed"], "replaced": summary.get("replaced"),
            "article_files": len(before), "article_files_rewritten_or_deleted": len(touched),
            "dataset_bytes": sum(s for _, _, s in before.values()),
            "bytes_rewritten": sum(before[rel][2] for rel in touched)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work", type=Path)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    landing, output = args.work / "landing", args.work / "out"
    landing.mkdir(parents=True, exist_ok=True)
    for file_no in range(args.files):
        path = landing / f"district-{file_no:04d}.jsonl"
        if not path.exists():
            _write_jsonl(path, file_no, args.lines)
    for n in range(10):
        if not (landing / f"note-{n:02d}.txt").exists():
            _write_text(landing / f"note-{n:02d}.txt", n)
    if not (output / "run.json").exists():
        wall, summary = _run(landing, output)
        print(f"initial run: {summary['articles']:,} articles in {wall:.1f} s", file=sys.stderr)
    results: dict[str, list[dict]] = {"new_input": [], "changed_small_input": [], "changed_jsonl_input": []}
    stamp = int(time.time())
    middle = args.files // 2
    for round_ in range(args.repeat):
        edit = stamp + round_
        results["new_input"].append(_measure(
            landing, output, functools.partial(_write_text, landing / f"new-{edit}.txt", 500 + round_)))
        results["changed_small_input"].append(_measure(
            landing, output, functools.partial(_write_text, landing / "note-03.txt", 3, edit)))
        results["changed_jsonl_input"].append(_measure(
            landing, output, functools.partial(_write_jsonl, landing / f"district-{middle:04d}.jsonl",
                                               middle, args.lines, edit)))
    medians = {k: statistics.median(r["wall_seconds"] for r in v) for k, v in results.items()}
    report = {"files": args.files, "lines": args.lines, "rounds": results, "median_wall_seconds": medians}
    text = json.dumps(report, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
