#!/usr/bin/env python3
"""Times a full `--incremental` run over N generated dumps, then a rerun after 1% new files.

    scripts/incremental_bench.py WORK_DIR [-n 20000] [--new-share 0.01] [--json FILE]

Each run is the `article-ingest` command in a child process, timed from start to exit
(wall clock, Python's start-up and imports included); `duration_seconds` from run.json is
the run's own time. Reuses the dumps under WORK_DIR/landing when they are already there
(scripts/dumps.py writes only files whose bytes differ; about 3% of the dumps repeat an
earlier article, exactly or with an edit).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _generate(landing: Path, n: int) -> None:
    subprocess.run([sys.executable, str(HERE / "dumps.py"), str(landing), str(n), "--dups"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _run(landing: Path, output: Path) -> dict:
    command = [sys.executable, "-m", "pipeline", "run", "--input", str(landing), "--output", str(output),
               "--incremental", "--progress", "off"]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    summary = json.loads((output / "run.json").read_text())
    return {"wall_seconds": round(wall, 3), "duration_seconds": summary["duration_seconds"],
            "files_processed": summary["files_processed"], "files_unchanged": summary["files_unchanged"],
            "articles": summary["articles"], "duplicates": summary["duplicates"], "rejects": summary["rejects"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path, help="Work directory (dumps are generated under it).")
    parser.add_argument("-n", type=int, default=20000, help="Dumps of the full run (default 20000).")
    parser.add_argument("--new-share", type=float, default=0.01, help="Share of new dumps (default 0.01).")
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    args = parser.parse_args(argv)
    landing, output = args.work / "landing", args.work / "out"
    new = max(1, round(args.n * args.new_share))
    # The full run sees exactly N dumps: remove any extra from an earlier rerun's generation.
    if _count(landing) not in (0, args.n):
        shutil.rmtree(landing)
    shutil.rmtree(output, ignore_errors=True)
    _generate(landing, args.n)
    full = _run(landing, output)
    _generate(landing, args.n + new)
    rerun = _run(landing, output)
    result = {"n": args.n, "new": new, "full": full, "incremental": rerun,
              "ratio_wall": round(rerun["wall_seconds"] / full["wall_seconds"], 4),
              "ratio_duration": round(rerun["duration_seconds"] / full["duration_seconds"], 4)}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _count(directory: Path) -> int:
    return sum(1 for p in directory.rglob("*") if p.is_file()) if directory.exists() else 0


if __name__ == "__main__":
    sys.exit(main())
