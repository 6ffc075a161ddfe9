#!/usr/bin/env python3
"""Measurements of `article-ingest run --watch` (docs/streaming.md), on invented dumps.

    python scripts/watch_bench.py latency --rates 1 10 100 --seconds 30 --workdir /tmp/wl
    python scripts/watch_bench.py backlog --files 100000 --max-files 5000 --workdir /tmp/wb
    python scripts/watch_bench.py kill --kills 40 --workdir /tmp/wk

latency: for each rate, a producer lands dumps at that many per second (write under a
  hidden name, rename into place: the landing contract) while a watch runs with
  --trigger-interval 1; a poller lists OUTPUT/articles/ every 50 ms and reads the new files'
  source_uri column with pyarrow. Latency = first seen in the output - renamed into place.
  Prints p50/p95/max per rate.
backlog: lands FILES dumps first, then runs a watch with --max-files-per-trigger until the
  status file says the backlog is gone; prints the time, the batches, and the watch's peak
  RSS (wait4) with its RSS sampled after each batch (flat memory means a flat series).
kill: a producer keeps landing dumps (and now and then a copy of an earlier one under
  another name, a duplicate) while a watch is SIGKILLed at random moments and restarted,
  KILLS times; after each kill every visible file must be whole. At the end the producer
  stops, one last watch works off what is left, and every landed dump must be in the output
  exactly once (an article or a duplicate row), with the records of one scheduled run over
  the same landing directory (timestamps and run ids aside). Exit code 1 on any violation.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from kill_test import dump, kill_group, visible_records  # noqa: E402 - a sibling script


def land(directory: Path, name: str, text: str) -> float:
    """The landing contract: a hidden name first, then a rename. Returns the rename's time."""
    hidden = directory / f".{name}.tmp"
    hidden.write_text(text, encoding="utf-8")
    os.replace(hidden, directory / name)
    return time.time()


def start_watch(land_dir: Path, output: Path, *flags: str, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline", "run", "--watch", "--input", str(land_dir),
           "--output", str(output), "--progress", "log", *flags]
    with open(log, "ab") as sink:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, stdout=sink, stderr=sink, cwd=ROOT, start_new_session=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})


def status(output: Path) -> dict:
    try:
        return json.loads((output / "_watch.json").read_text())
    except (OSError, ValueError):
        return {}


def _visible_parquet(directory: Path):
    for folder, subdirs, files in os.walk(directory):
        subdirs[:] = [d for d in subdirs if not d.startswith(("_", "."))]
        for name in files:
            if name.endswith(".parquet") and not name.startswith(("_", ".")):
                yield Path(folder) / name


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------------


def _produce(land_dir: Path, rate: float, seconds: float, landed: dict[str, float],
             done: threading.Event) -> None:
    """Lands dumps at `rate` a second for `seconds`, noting when each was renamed in."""
    start, n = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        if (wait := start + n / rate - time.monotonic()) > 0:
            time.sleep(wait)
        name = f"r{rate:g}-{n:06d}.txt"
        landed[str(land_dir / name)] = land(land_dir, name, dump(n))
        n += 1
    done.set()


def latency(args) -> int:
    import pyarrow.parquet as pq

    results = []
    for rate in args.rates:
        work = Path(args.workdir) / f"rate{rate:g}"
        shutil.rmtree(work, ignore_errors=True)
        land_dir, output = work / "land", work / "out"
        land_dir.mkdir(parents=True)
        watch = start_watch(land_dir, output, "--trigger-interval", "1", "--settle", str(args.settle),
                            log=work / "watch.log")
        while not status(output):  # the watch is up (its first trigger wrote the status file)
            time.sleep(0.1)
        landed: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()
        producer = threading.Thread(target=_produce, args=(land_dir, rate, args.seconds, landed, done))
        producer.start()
        read: set[Path] = set()
        deadline = None
        while True:
            for path in _visible_parquet(output / "articles"):
                if path in read:
                    continue
                try:
                    uris = pq.read_table(path, columns=["source_uri"]).column("source_uri").to_pylist()
                except (OSError, ValueError):
                    continue  # removed by a compaction since the listing: its rows are elsewhere
                now = time.time()
                read.add(path)
                for uri in uris:
                    seen.setdefault(uri, now)
            if done.is_set():
                deadline = deadline or time.monotonic() + 60
                if len(seen) >= len(landed) or time.monotonic() > deadline:
                    break
            time.sleep(0.05)
        producer.join()
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=120)
        waits = [seen[uri] - t for uri, t in landed.items() if uri in seen]
        row = {"rate": rate, "dumps": len(landed), "seen": len(waits),
               "p50": round(percentile(waits, 0.5), 2), "p95": round(percentile(waits, 0.95), 2),
               "max": round(max(waits), 2), "batches": status(output).get("batches"),
               "exit_code": watch.returncode}
        results.append(row)
        print(json.dumps(row), flush=True)
    print("\n| dumps/s | dumps | p50 (s) | p95 (s) | max (s) | batches |\n|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rate']:g} | {r['dumps']} | {r['p50']} | {r['p95']} | {r['max']} | {r['batches']} |")
    return 0 if all(r["seen"] == r["dumps"] and r["exit_code"] == 0 for r in results) else 1


# ---------------------------------------------------------------------------------------------


def backlog(args) -> int:
    work = Path(args.workdir)
    land_dir, output = work / "land", work / "out"
    if not args.keep_landing or not land_dir.is_dir():
        shutil.rmtree(work, ignore_errors=True)
        land_dir.mkdir(parents=True)
        started = time.monotonic()
        for n in range(args.files):
            sub = land_dir / f"{n // 10_000:02d}"
            if n % 10_000 == 0:
                sub.mkdir(exist_ok=True)
            (sub / f"b{n:06d}.txt").write_text(dump(n), encoding="utf-8")
        print(f"landed {args.files:,} dumps in {time.monotonic() - started:.0f} s", flush=True)
    shutil.rmtree(output, ignore_errors=True)
    cmd = [sys.executable, "-m", "pipeline", "run", "--watch", "--input", str(land_dir), "--output",
           str(output), "--progress", "log", "--trigger-interval", "1", "--settle", "0",
           "--max-files-per-trigger", str(args.max_files)]
    started = time.monotonic()
    with open(work / "watch.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        rss: list[int] = []
        batches, sent = -1, False
        while True:
            pid, code, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = status(output)
            if now.get("batches", 0) != batches:
                batches = now.get("batches", 0)
                try:
                    lines = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                    rss.append(int(next(line.split()[1] for line in lines if line.startswith("VmRSS"))) // 1024)
                except (OSError, StopIteration):
                    pass
            if now.get("dumps", 0) >= args.files and now.get("backlog") == 0 and not sent:
                proc.send_signal(signal.SIGTERM)
                sent = True
            time.sleep(0.2)
    seconds = time.monotonic() - started
    final = status(output)
    row = {"files": args.files, "max_files_per_trigger": args.max_files, "seconds": round(seconds, 1),
           "batches": final.get("batches"), "dumps": final.get("dumps"), "articles": final.get("articles"),
           "compactions": final.get("compactions"), "peak_rss_mb": usage.ru_maxrss // 1024,
           "rss_mb_after_each_batch": rss, "exit_code": os.waitstatus_to_exitcode(code)}
    print(json.dumps(row), flush=True)
    return 0 if row["dumps"] == args.files and row["exit_code"] == 0 else 1


# ---------------------------------------------------------------------------------------------


def kill(args) -> int:
    rng = random.Random(args.seed)
    work = Path(args.workdir).resolve()
    shutil.rmtree(work, ignore_errors=True)
    land_dir, output, reference = work / "land", work / "out", work / "reference"
    land_dir.mkdir(parents=True)
    stop = threading.Event()
    landed: list[str] = []

    def produce():
        n = 0
        while not stop.is_set():
            if n % 10 == 9:  # a copy of an earlier dump under another name: a duplicate
                text = dump(n - 7, publisher="Alpine Post")
            else:
                text = dump(n)
            land(land_dir, f"k{n:06d}.txt", text)
            landed.append(f"k{n:06d}.txt")
            n += 1
            time.sleep(rng.uniform(0, 2 / args.rate))

    producer = threading.Thread(target=produce)
    producer.start()
    violations: list[str] = []
    phases: dict[str, int] = {}
    try:
        for k in range(args.kills):
            watch = start_watch(land_dir, output, "--trigger-interval", str(args.trigger_interval),
                                "--settle", "0", "--compact-at", "4", log=work / "watch.log")
            time.sleep(rng.uniform(args.min_delay, args.max_delay))
            staging = output / "_staging"
            runs = list(staging.iterdir()) if staging.is_dir() else []
            phase = ("starting" if status(output).get("pid") != watch.pid
                     else "committing" if any((r / "_manifest.json").exists() for r in runs)
                     else "staged" if runs else "between_batches")
            alive = kill_group(watch)
            phases[phase if alive else "exited"] = phases.get(phase if alive else "exited", 0) + 1
            _, problems = visible_records(output)
            violations += [f"kill {k}: {p}" for p in problems]
            print(f"kill {k + 1}/{args.kills}: {phase}; {len(landed)} landed so far", flush=True)
    finally:
        stop.set()
        producer.join()
    final = start_watch(land_dir, output, "--trigger-interval", "0.5", "--settle", "0",
                        log=work / "watch.log")
    deadline = time.monotonic() + 600
    while status(output).get("backlog", 1) or status(output).get("state") != "running" or \
            _committed(output) < len(landed):
        if time.monotonic() > deadline or final.poll() is not None:
            violations.append("the last watch did not catch up")
            break
        time.sleep(0.5)
    final.send_signal(signal.SIGTERM)
    final.wait(timeout=120)
    got, problems = visible_records(output)
    violations += problems
    run = subprocess.run([sys.executable, "-m", "pipeline", "run", "--input", str(land_dir), "--output",
                          str(reference), "--progress", "off"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    if run.returncode:
        violations.append(f"reference run failed: {run.stderr[-500:]}")
    want, _ = visible_records(reference)
    uris = [json.loads(r)["source_uri"] for d in ("articles", "duplicates") for r in got[d]]
    names = sorted(Path(u).name for u in uris)
    lost = sorted(set(landed) - set(names))
    duplicated = sorted(name for name, times in collections.Counter(names).items() if times > 1)
    if lost:
        violations.append(f"{len(lost)} dumps lost, e.g. {lost[:3]}")
    if duplicated:
        violations.append(f"{len(duplicated)} dumps written twice, e.g. {duplicated[:3]}")
    # Same article ids and content as one scheduled run (which duplicate is kept may differ).
    def ids(records: dict) -> list[str]:
        return sorted(json.loads(r)["article_id"] for r in records["articles"])

    if ids(got) != ids(want):
        violations.append("article ids differ from a scheduled run over the same dumps")
    report = {"kills": args.kills, "phases": phases, "landed": len(landed), "articles": len(got["articles"]),
              "duplicates": len(got["duplicates"]), "rejects": len(got["rejects"]), "lost": len(lost),
              "duplicated": len(duplicated), "violations": violations}
    (work / "kill_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report))
    return 1 if violations else 0


def _committed(output: Path) -> int:
    """Inputs recorded as committed (the state database)."""
    import sqlite3

    path = output / "_state" / "state.sqlite"
    if not path.exists():
        return 0
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM inputs").fetchone()[0]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("latency")
    p.add_argument("--rates", type=float, nargs="+", default=[1, 10, 100])
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--settle", type=float, default=0, help="--settle of the watch. Default 0.")
    p.add_argument("--workdir", default="/tmp/watch-latency")
    p = sub.add_parser("backlog")
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--max-files", type=int, default=5000)
    p.add_argument("--workdir", default="/tmp/watch-backlog")
    p.add_argument("--keep-landing", action="store_true", help="Reuse WORKDIR/land if it is there.")
    p = sub.add_parser("kill")
    p.add_argument("--kills", type=int, default=40)
    p.add_argument("--rate", type=float, default=20, help="Dumps landed per second. Default 20.")
    p.add_argument("--trigger-interval", type=float, default=0.5)
    p.add_argument("--min-delay", type=float, default=2.5, help="Least time before a kill (the "
                   "watch needs about 2-4 s to import). Default 2.5.")
    p.add_argument("--max-delay", type=float, default=9.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", default="/tmp/watch-kill")
    args = parser.parse_args(argv)
    return {"latency": latency, "backlog": backlog, "kill": kill}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
