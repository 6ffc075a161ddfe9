#!/usr/bin/env python3
"""SIGKILL the ingest run at random moments, many times; check nothing half-written is ever
visible and that a rerun gives exactly the records of an uninterrupted run.

    python scripts/kill_test.py --kills 40 --inputs 300 --workdir /tmp/kill-test

It needs nothing but the CLI (`python -m pipeline run`). Steps:
 1. writes INPUTS dumps (plus a few empty and binary files, and duplicates) under WORKDIR/in;
 2. runs once uninterrupted into WORKDIR/baseline: the reference records, and the run's length T;
 3. cycles: starts a run into WORKDIR/out and SIGKILLs its process group at a random moment,
    picked one of three ways (--triggers): after a random delay in [0, 0.97 T], mostly past
    0.4 T, T being the quickest uninterrupted run so far ('timed'); a random 0-300 ms after the
    run stages its first file ('staged'); a random 0-30 ms after it writes its commit manifest
    ('commit'). A cycle may kill twice in a row before recovering. After each kill it checks
    what a reader sees in WORKDIR/out: every visible Parquet file is complete (its footer parses,
    its rows read) and run.json, if any, is whole JSON. Then it reruns to completion and checks
    the records equal the baseline's exactly (timestamps and run ids aside) and run.json is
    reconciled;
 4. writes WORKDIR/kill_report.json and prints a summary. Exit code 1 on any violation.

A kill lands in one of these phases, told apart by what it left behind: 'before_output'
(nothing staged yet: imports, matching, the pipeline itself), 'staged' (staging files, no
manifest), 'committing' (a manifest: the commit had begun), 'after_commit' (the run had
committed). 'mixed_visible' counts kills after which the visible datasets held neither the
previous run's records nor the new run's (e.g. half the moves of a commit done): no file is
partial then, but a reader could see a mix until the next run rolls the commit forward.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dumps  # scripts/dumps.py, next to this script

from schemas.datasets import COMMITTED as DATASETS

ROOT = Path(__file__).resolve().parent.parent
# Columns that differ between two runs over the same inputs by design.
VOLATILE = {"ingested_at", "rejected_at", "detected_at", "run_id"}


def dump(n: int, publisher: str = "Mountain Desk") -> str:
    return dumps.dump(n, publisher=publisher, credit="Tove Lind/Mountain Desk")


def write_inputs(directory: Path, count: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (directory / f"d{n:05d}.txt").write_text(dump(n))
    for n in range(max(1, count // 20)):  # duplicates of earlier dumps, other footer
        (directory / f"dup{n:04d}.txt").write_text(dump(n * 3, publisher="Alpine Post"))
    (directory / "empty.txt").write_text("")
    (directory / "blob.bin").write_bytes(bytes(range(256)) * 4)


def _visible_files(output: Path) -> list[Path]:
    found = []
    for dataset in DATASETS:
        for directory, subdirs, files in os.walk(output / dataset):
            subdirs[:] = [d for d in subdirs if not d.startswith(("_", "."))]
            found += [Path(directory) / f for f in files if not f.startswith(("_", "."))]
    return sorted(found)


def visible_records(output: Path) -> tuple[dict, list[str]]:
    """(records by dataset, problems): what a reader listing OUTPUT would see, and what is broken."""
    import pyarrow.parquet as pq

    problems: list[str] = []
    records: dict[str, list] = {d: [] for d in DATASETS}
    for path in _visible_files(output):
        rel = path.relative_to(output)
        if path.suffix != ".parquet":
            problems.append(f"visible non-Parquet file {rel}")
            continue
        try:
            rows = pq.read_table(path).to_pylist()
        except Exception as err:  # noqa: BLE001 - any failure means a partial or corrupt file
            problems.append(f"unreadable Parquet {rel}: {type(err).__name__}: {err}")
            continue
        records[rel.parts[0]] += [_stable(row) for row in rows]
    run_json = output / "run.json"
    if run_json.exists():
        try:
            json.loads(run_json.read_text())
        except ValueError as err:
            problems.append(f"run.json is not whole JSON: {err}")
    return {d: sorted(rows) for d, rows in records.items()}, problems


def _stable(row: dict) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in VOLATILE}, sort_keys=True, default=str)


def _phase(output: Path, committed_runs: int) -> str:
    staging = output / "_staging"
    runs = sorted(staging.iterdir()) if staging.is_dir() else []
    if any((run / "_manifest.json").exists() for run in runs):
        return "committing"
    if runs and any(p.is_file() for run in runs for p in run.rglob("*")):
        return "staged"
    history = output / "_runs"
    if history.is_dir() and len(list(history.glob("*.json"))) > committed_runs:
        return "after_commit"
    return "before_output"


def run_cli(output: Path, inputs: Path, *, extra: list[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", str(inputs), "--output", str(output),
           "--progress", "off", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def start_cli(output: Path, inputs: Path, *, extra: list[str]) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", str(inputs), "--output", str(output),
           "--progress", "off", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True)


def _staged_runs(output: Path) -> set[str]:
    staging = output / "_staging"
    return {p.name for p in staging.iterdir()} if staging.is_dir() else set()


def _wait_for(output: Path, known: set[str], trigger: str, proc: subprocess.Popen, timeout: float) -> None:
    """Until a new run's staging holds a file ('staged') or its manifest ('commit'), or the run ends."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        for run_id in _staged_runs(output) - known:
            run = output / "_staging" / run_id
            if trigger == "commit" and (run / "_manifest.json").exists():
                return
            if trigger == "staged" and any(p.is_file() for p in run.rglob("*")):
                return
        time.sleep(0.005)


def kill_group(proc: subprocess.Popen) -> bool:
    """SIGKILL the run and every process it started; True if it was still running."""
    alive = proc.poll() is None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return alive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=30,
                        help="How many SIGKILLs that hit a running process. Default 30.")
    parser.add_argument("--inputs", type=int, default=200, help="Good dumps in the corpus. Default 200.")
    parser.add_argument("--workdir", default="kill-test-work", help="Scratch directory (replaced).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--triggers", nargs="+", choices=("timed", "staged", "commit"),
                        default=["timed", "staged", "commit"],
                        help="How each kill's moment is picked, at random among these: 'timed' "
                        "(a random delay), 'staged' (soon after the run stages its first file), "
                        "'commit' (just after its manifest is written). Default: all three.")
    parser.add_argument("--incremental", action="store_true", help="Run with --incremental (append mode).")
    args = parser.parse_args(argv)
    if not (ROOT / "pipeline" / "storage" / "commit.py").exists():
        print("kill_test.py: pipeline/storage/commit.py is missing: atomic commit has not landed", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    work = Path(args.workdir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    inputs, baseline_dir, output = work / "in", work / "baseline", work / "out"
    write_inputs(inputs, args.inputs)
    extra = ["--incremental"] if args.incremental else []

    started = time.monotonic()
    done = run_cli(baseline_dir, inputs, extra=extra)
    length = time.monotonic() - started
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    baseline, problems = visible_records(baseline_dir)
    assert not problems, problems
    print(f"baseline: {sum(map(len, baseline.values()))} records in {length:.1f} s", flush=True)

    report = {"kills": 0, "kills_while_running": 0, "cycles": 0, "phases": collections.Counter(),
              "partial_files_seen": 0, "mixed_visible": 0, "reruns_equal_baseline": 0,
              "reruns_different": 0, "leftovers": [], "violations": [], "baseline_seconds": round(length, 1),
              "inputs": args.inputs, "incremental": args.incremental}
    previous = None  # what a reader saw after the last completed run
    committed_runs = 0
    attempts = 0
    while report["kills_while_running"] < args.kills and attempts < 3 * args.kills:
        report["cycles"] += 1
        for _ in range(min(rng.choice((1, 1, 2)), args.kills - report["kills_while_running"])):
            attempts += 1
            known = _staged_runs(output)
            proc = start_cli(output, inputs, extra=extra)
            started_at = time.monotonic()
            trigger = rng.choice(args.triggers)
            if trigger == "timed":
                # Most of a short run is start-up; aim most timed kills at its second half.
                time.sleep(rng.uniform(0.4 if rng.random() < 0.7 else 0.0, 0.97) * length)
            else:
                # The window of writing and committing is short: wait for it, then a random bit more.
                _wait_for(output, known, trigger, proc, timeout=3 * length)
                time.sleep(rng.uniform(0, 0.3 if trigger == "staged" else 0.03))
            delay = time.monotonic() - started_at
            alive = kill_group(proc)
            report["kills"] += 1
            report["kills_while_running"] += alive
            phase = _phase(output, committed_runs) if alive else "finished_first"
            if not alive:
                committed_runs += 1
            report["phases"][phase] += 1
            seen, problems = visible_records(output) if output.exists() else ({d: [] for d in DATASETS}, [])
            if problems:
                report["partial_files_seen"] += 1
                report["violations"].append({"kill": report["kills"], "delay": round(delay, 2), "phase": phase,
                                             "trigger": trigger,
                                             "problems": problems[:5]})
            empty = not any(seen.values())
            if not (empty or seen == baseline or (previous is not None and seen == previous)):
                report["mixed_visible"] += 1
            print(f"kill {report['kills']:3d}: {trigger:6s} after {delay:5.1f} s, phase {phase:14s} "
                  f"{'PARTIAL FILE ' if problems else ''}"
                  f"{'' if empty or seen == baseline else 'mixed visible'}", flush=True)
        rerun_started = time.monotonic()
        done = run_cli(output, inputs, extra=extra)
        # The machine's load changes: aim by the quickest uninterrupted run seen, so that kills
        # land while the run is still going (a run that ends first does not count as a kill).
        length = min(length, time.monotonic() - rerun_started)
        committed_runs = len(list((output / "_runs").glob("*.json"))) if (output / "_runs").is_dir() else 0
        seen, problems = visible_records(output)
        summary = json.loads((output / "run.json").read_text()) if (output / "run.json").exists() else {}
        ok = done.returncode == 0 and not problems and seen == baseline and summary.get("reconciled") is True
        if ok:
            report["reruns_equal_baseline"] += 1
        else:
            report["reruns_different"] += 1
            diff = {d: (len(seen[d]), len(baseline[d])) for d in DATASETS}
            report["violations"].append({"rerun_after_kill": report["kills"], "code": done.returncode,
                                         "problems": problems[:5], "rows_seen_vs_baseline": diff,
                                         "stderr": done.stderr[-1500:]})
        leftovers = [str(p.relative_to(output)) for p in output.rglob(".tmp-*")]
        if (output / "_staging").is_dir():
            leftovers += [str(p.relative_to(output)) for p in (output / "_staging").rglob("*") if p.is_file()]
        new_leftovers = sorted(set(leftovers) - set(report["leftovers"]))
        if new_leftovers:
            # Hidden (readers skip '.'/'_' names) but never cleaned up: reported, and a failure.
            report["leftovers"] += new_leftovers
            report["violations"].append({"leftovers_after_rerun": new_leftovers[:10],
                                         "after_kill": report["kills"]})
        previous = seen
        print(f"rerun after kill {report['kills']}: {'equal to baseline' if ok else 'DIFFERENT'}", flush=True)

    report["phases"] = dict(report["phases"])
    (work / "kill_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "violations"}, indent=2))
    print(f"violations: {len(report['violations'])} (details in {work / 'kill_report.json'})")
    return 1 if report["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
