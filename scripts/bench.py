#!/usr/bin/env python3
"""Throughput and memory of article-ingest on generated dumps, beside trafilatura.

    scripts/bench.py -n 4000 --repeat 3 --big --json bench.json      # the whole table
    scripts/bench.py -n 100000 --modes a --startup-repeat 0           # memory over a long run

Every mode runs in a child process, so that its peak resident memory (the whole process
tree: Beam's multi_processing workers are processes of their own) is read without the
harness's memory in the way. Modes, all over the same generated inputs (scripts/dumps.py):

  a     the CLI end to end (`python -m pipeline run`, default runner): wall clock from
        spawning it to its exit, Python's start-up included
  b     the same with --direct_running_mode multi_processing --direct_num_workers 2
  c     the bare loop: transforms.ingest.ingest_file over each file, the same Parquet
        written with pyarrow, no framework (timed after imports, those decoding makes at
        its first need included: transforms.decode.warm_up)
  core  transforms.ingest.ingest_file alone, no Parquet (timed likewise)
  d     trafilatura.extract over the same articles as HTML pages (when it is installed;
        timed after imports). It is not a dependency: `pip install trafilatura`.

`--big` adds the peak memory of the CLI over one 45 MB input, twice: one line of words, and
150,000 paragraphs. `--size small` measures the earlier, shorter synthetic articles;
`--mix real` makes a share of the inputs HTML pages and feeds.

Timings on a shared machine are noisy: compare ratios within one run and repeat
(`--repeat`, medians reported; rounds interleave the modes, every other one in reverse
order).

The children run the checkout (their working directory is the repository). Its bytecode is
written first (`__pycache__`, as `pip install .` writes an installed copy's), so that where
PYTHONDONTWRITEBYTECODE is set, as in many containers, the CLI's start-up is not timed
compiling the project's sources again at every start.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import dumps  # noqa: E402 - scripts/dumps.py, next to this file

MODES = ("a", "b", "c", "core", "d")
MODE_NAMES = {
    "a": "CLI end to end, default runner",
    "b": "CLI end to end, multi_processing x2",
    "c": "bare loop + Parquet (no framework)",
    "core": "bare loop, ingest_file only",
    "d": "trafilatura.extract on the HTML",
    "a-jsonl": "CLI end to end, packed JSONL",
}
# The project's packages, whose bytecode compile_project writes.
PACKAGES = ("pipeline", "schemas", "transforms")
_JSONL_PER_FILE = 1000
BIG_BYTES = 45_000_000
BIG_PARAGRAPHS = 150_000


# ---------------------------------------------------------------------------------------------
# Inputs

def generate(data: Path, n: int, seed: int, size: str, mix: str, *, packed: bool,
             html: bool = True, jobs: int = 1) -> dict:
    """The inputs of a run, with `html` an HTML copy of every article too (mode d reads them).
    Reused when an earlier call wrote the same ones (with HTML copies if these need them)."""
    marker = data / "bench-data.json"
    want = {"n": n, "seed": seed, "size": size, "mix": mix, "packed": packed, "generator": 3}
    if marker.exists():
        have = json.loads(marker.read_text())
        params = dict(have["params"])
        has_html = params.pop("html", True)  # markers written before the flag: always copies
        if (params == want or params == want | {"packed": True}) and (has_html or not html):
            return have
        marker.unlink()  # until the new inputs are all written
    info = dumps.write_corpus(data, n, seed, size=size, mix=mix, html_copy=html, jobs=jobs)
    if packed:
        info["bytes"]["jsonl"] = _pack_jsonl(data)
    info["params"] = want | {"html": html}
    marker.write_text(json.dumps(info))
    return info


def _pack_jsonl(data: Path) -> int:
    """The text dumps packed as JSONL lines ({"text", "url"}), 1000 a file."""
    (data / "jsonl").mkdir(parents=True, exist_ok=True)
    total = 0
    files = [f for f in _files(data / "dumps") if f.endswith((".txt", ".md"))]
    for start in range(0, len(files), _JSONL_PER_FILE):
        with open(data / "jsonl" / f"part-{start // _JSONL_PER_FILE:05d}.jsonl", "wb") as out:
            for path in files[start:start + _JSONL_PER_FILE]:
                line = json.dumps({"text": Path(path).read_text(encoding="utf-8"),
                                   "url": f"https://news.example/{Path(path).stem}"},
                                  ensure_ascii=False).encode("utf-8") + b"\n"
                out.write(line)
                total += len(line)
    return total


def big_inputs(directory: Path) -> dict[str, Path]:
    """One 45 MB input of one line, and one of 150,000 paragraphs, of generated article text
    (typographic quotes and accents included, as in real news: not plain ASCII)."""
    import random

    directory.mkdir(parents=True, exist_ok=True)
    made = {"one line": directory / "one-line.txt",
            "150,000 paragraphs": directory / "paragraphs.txt"}
    rng = random.Random(45)
    width = BIG_BYTES // BIG_PARAGRAPHS - 2  # bytes a paragraph, with its blank line
    if not made["one line"].exists():
        with open(made["one line"], "wb") as out:
            written = 0
            while written < BIG_BYTES:
                piece = (dumps._paragraph(rng, False) + " ").encode("utf-8")[: BIG_BYTES - written]
                piece = piece.decode("utf-8", "ignore").encode("utf-8")
                out.write(piece)
                written += len(piece)
            out.write(b"\n")
    if not made["150,000 paragraphs"].exists():
        with open(made["150,000 paragraphs"], "wb") as out:
            for k in range(BIG_PARAGRAPHS):
                text = f"{k} " + dumps._paragraph(rng, False) + " " + dumps._paragraph(rng, False)
                cut = text.encode("utf-8")[:width].decode("utf-8", "ignore").rstrip()
                out.write(cut.encode("utf-8") + b"\n\n")
    return made


def compile_project() -> None:
    """The checkout's bytecode, as an installed copy has it (see the module's docstring)."""
    import compileall

    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def _files(directory: str | Path) -> list[str]:
    found = []
    for folder, _, names in os.walk(directory):
        found += [os.path.join(folder, name) for name in names]
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Child side: one mode in-process (c, core, d), timed from just before the work to just after.

def _cpu_now() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _child(mode: str, data: str, out: str) -> dict:
    cpu = _cpu_now()
    start = time.perf_counter()
    if mode == "d":
        import trafilatura

        files = _files(f"{data}/html")
        start, cpu = time.perf_counter(), _cpu_now()
        extracted = 0
        for path in files:
            with open(path, "rb") as handle:
                extracted += bool(trafilatura.extract(handle.read().decode("utf-8")))
        articles, inputs = extracted, len(files)
    elif mode in ("c", "core"):
        articles, inputs, start, cpu = _plain_loop(f"{data}/dumps", out, parquet=mode == "c")
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return {"seconds": time.perf_counter() - start, "cpu_seconds": _cpu_now() - cpu,
            "articles": articles, "inputs": inputs}


def _plain_loop(directory: str, out: str, *, parquet: bool) -> tuple[int, int, float, float]:
    """The same core function and (with `parquet`) the same rows and Parquet, with no
    framework. pyarrow makes its one check for pandas without pandas, as in the CLI (which
    would otherwise import pandas, 0.4 s, at the first conversion)."""
    from pipeline.startup import import_pyarrow

    import_pyarrow()
    import pyarrow.parquet as pq

    from schemas.record import ARTICLE_SCHEMA, REJECT_SCHEMA, Article
    from transforms.context import IngestContext
    from transforms.decode import warm_up
    from transforms.ingest import ingest_file
    from transforms.partition import arrow_table, parquet_writer_options
    from transforms.rules import load_rules

    warm_up()  # the imports decoding makes at its first need (ftfy), as (d) imports trafilatura
    ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc))
    files = _files(directory)
    start, cpu = time.perf_counter(), _cpu_now()
    os.makedirs(out, exist_ok=True)
    schemas = {True: ARTICLE_SCHEMA, False: REJECT_SCHEMA}
    writers = {kind: pq.ParquetWriter(f"{out}/{'articles' if kind else 'rejects'}.parquet", schema,
                                      compression="zstd", **parquet_writer_options(schema))
               for kind, schema in schemas.items()} if parquet else {}
    pending: dict[bool, list] = {True: [], False: []}
    articles = inputs = 0

    def flush(kind: bool) -> None:
        if pending[kind]:
            writers[kind].write_table(arrow_table(pending[kind], schemas[kind]))
            pending[kind].clear()

    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        for outcome in ingest_file(data, path, ctx):
            inputs += 1
            is_article = isinstance(outcome, Article)
            articles += is_article
            if parquet:
                pending[is_article].append(outcome.to_row())
                if len(pending[is_article]) >= 1000:
                    flush(is_article)
    for kind, writer in writers.items():
        flush(kind)
        writer.close()
    return articles, inputs, start, cpu


# ---------------------------------------------------------------------------------------------
# Parent side: start a child, sample its process tree's resident memory, collect its result.

def _tree_rss(root: int, cpu_seen: dict[int, float] | None = None) -> tuple[int, int]:
    """(resident bytes summed over `root` and its descendants, number of processes)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    ticks, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            pid = int(entry)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page
            cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            continue
    total, count, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        if pid in rss:
            total += rss[pid]
            count += 1
            if cpu_seen is not None:
                cpu_seen[pid] = cpu[pid]
        stack.extend(children.get(pid, ()))
    return total, count


def _spawn(cmd: list[str]) -> dict:
    """Runs `cmd`, sampling its tree's RSS every 50 ms; wall, CPU (wait4) and peak RSS."""
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, cwd=str(ROOT))
    peak = {"rss": 0, "procs": 0}
    cpu_seen: dict[int, float] = {}
    timeline: list[tuple[float, int]] = []  # (seconds since the start, tree RSS)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, count = _tree_rss(proc.pid, cpu_seen)
            peak["rss"], peak["procs"] = max(peak["rss"], rss), max(peak["procs"], count)
            timeline.append((time.perf_counter() - start, rss))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4, not wait: its rusage is this child's own (with the workers it reaped).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    out_file.seek(0)
    err_file.seek(0)
    stdout, stderr = out_file.read().decode(), err_file.read().decode()
    out_file.close()
    err_file.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return {"wall_seconds": wall, "tree_cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_rss_bytes": max(peak["rss"], usage.ru_maxrss * 1024), "processes": peak["procs"],
            "stdout": stdout, "rss_mib_at": _rss_at(timeline, wall),
            "cpu_seconds_by_process": sorted((round(v, 2) for v in cpu_seen.values()),
                                             reverse=True)}


def _rss_at(timeline: list[tuple[float, int]], wall: float) -> dict[str, float]:
    """The tree's RSS (MiB) at 10%, 50% and 90% of the run's wall time: flat or growing."""
    at = {}
    for share in (10, 50, 90):
        when = wall * share / 100
        rss = next((r for t, r in timeline if t >= when), timeline[-1][1] if timeline else 0)
        at[f"{share}%"] = round(rss / 2**20, 1)
    return at


def _cli(pattern: str, out: str, extra: list[str] = ()) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--input", pattern, "--output", out,
            "--progress", "off", *extra]


def measure(mode: str, data: str, out: str) -> dict:
    if mode in ("a", "b", "a-jsonl"):
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        pattern = f"{data}/jsonl/*.jsonl" if mode == "a-jsonl" else f"{data}/dumps/*/*"
        extra = ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]
        extra = extra if mode == "b" else []
        result = _spawn(_cli(pattern, out, extra))
        summary = json.loads(Path(out, "run.json").read_text())
        result.update(seconds=result["wall_seconds"], cpu_seconds=result["tree_cpu_seconds"],
                      articles=summary["articles"] + summary.get("duplicates", 0),
                      inputs=summary["inputs"])
        return result
    result = _spawn([sys.executable, str(Path(__file__).resolve()), "_child", mode, data, out])
    result.update(json.loads(result["stdout"].strip().splitlines()[-1]))
    return result


def startup(one: str, out: str, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the CLI over one dump, Python's start-up included."""
    walls, cpus = [], []
    for _ in range(repeat):
        import shutil

        shutil.rmtree(out, ignore_errors=True)
        result = _spawn(_cli(one, out))
        walls.append(result["wall_seconds"])
        cpus.append(result["tree_cpu_seconds"])
    return statistics.median(walls), statistics.median(cpus)


def machine_spread(seconds: float) -> dict:
    """How steady the machine is: a fixed pure-Python loop (about 12 ms at best on the
    2-core machine of docs/performance.md) timed back to back for `seconds`. Reports its best
    time, its median over its best, and the share of tries at least 1.45 times the best."""
    def loop() -> int:
        total = 0
        for i in range(300_000):
            total += i * i
        return total

    tries: list[float] = []
    end = time.perf_counter() + seconds
    while not tries or time.perf_counter() < end:
        start = time.perf_counter()
        loop()
        tries.append(time.perf_counter() - start)
    best = min(tries)
    return {"tries": len(tries), "best_ms": round(best * 1000, 2),
            "median_over_best": round(statistics.median(tries) / best, 3),
            "slow_share": round(sum(t >= 1.45 * best for t in tries) / len(tries), 3)}


def _sig(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


def _have_trafilatura() -> bool:
    import importlib.util

    return importlib.util.find_spec("trafilatura") is not None


def run_bench(n: int, *, seed: int = 0, size: str = "real", mix: str = "text",
              work: str | None = None, modes=MODES, repeat: int = 1, startup_repeat: int = 3,
              packed: bool = False, big: bool = False, jobs: int = 1, probe: float = 0.0,
              log=None) -> dict:
    """Generates N inputs and measures each mode `repeat` times (interleaved); medians
    reported. With `probe` seconds, first times how steady the machine is (machine_spread)."""
    work = work or tempfile.mkdtemp(prefix="article-ingest-bench-")
    data = Path(work) / f"data-{size}-{mix}-{n}-{seed}"
    modes = [m for m in modes if m != "d" or _have_trafilatura()]
    if packed and "a" in modes:
        modes.append("a-jsonl")
    compile_project()
    t0 = time.perf_counter()
    info = generate(data, n, seed, size, mix, packed=packed, html="d" in modes, jobs=jobs)
    generated = time.perf_counter() - t0
    if log:
        log(f"inputs ready in {generated:.0f} s: {data}")
    spread = machine_spread(probe) if probe > 0 else None
    if log and spread:
        log(f"machine: {spread}")
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for round_ in range(repeat):
        # Every other round runs the modes in reverse order, so that a machine speeding up
        # or slowing down through the run does not favour the modes that run first.
        for mode in modes if round_ % 2 == 0 else modes[::-1]:
            result = measure(mode, str(data), f"{work}/out-{mode}")
            runs[mode].append(result)
            if log:
                log(f"round {round_ + 1} mode {mode}: {result['seconds']:.2f} s, "
                    f"{result['peak_rss_bytes'] / 2**20:.0f} MiB peak, "
                    f"MiB at 10/50/90% of the run: {result['rss_mib_at']}")
    figures = {}
    for mode, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        cpu = statistics.median(r["cpu_seconds"] for r in results)
        source = "jsonl" if mode.endswith("jsonl") else "html" if mode == "d" else "dumps"
        figures[mode] = {
            "name": MODE_NAMES[mode],
            "articles": results[0]["articles"],
            "inputs": results[0]["inputs"],
            "seconds": round(seconds, 3),
            "all_seconds": [round(r["seconds"], 3) for r in results],
            "dumps_per_second": _sig(n / seconds),
            "mb_per_second": _sig(info["bytes"][source] / 1e6 / seconds),
            "cpu_seconds": round(cpu, 3),
            "dumps_per_cpu_second": _sig(n / cpu),
            # The fastest round: the machine's slow spells only ever add time.
            "best_dumps_per_second": _sig(n / min(r["seconds"] for r in results)),
            "best_dumps_per_cpu_second": _sig(n / min(r["cpu_seconds"] for r in results)),
            "peak_rss_mib": round(max(r["peak_rss_bytes"] for r in results) / 2**20, 1),
            "processes": max(r["processes"] for r in results),
            "rss_mib_at": results[-1]["rss_mib_at"],
            "cpu_seconds_by_process": results[-1]["cpu_seconds_by_process"],
        }

    def ratio(top: str, bottom: str, key: str = "dumps_per_second"):
        if top in figures and bottom in figures:
            return round(figures[top][key] / figures[bottom][key], 3)
        return None

    def paired(top: str, bottom: str):
        """Median over rounds of bottom's seconds over top's, each pair measured minutes apart
        at most: steadier than a ratio of medians when the machine's load drifts."""
        if top in runs and bottom in runs:
            return round(statistics.median(b["seconds"] / t["seconds"]
                                           for t, b in zip(runs[top], runs[bottom])), 3)
        return None

    def cpu(top: str, bottom: str):
        return ratio(top, bottom, "dumps_per_cpu_second")

    report = {
        "n": n, "seed": seed, "size": size, "mix": mix, "repeat": repeat, "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input_bytes": info["bytes"], "kinds": info["kinds"],
        "median_input_bytes": _median_size(data),
        "generate_seconds": round(generated, 2),
        "modes": figures,
        # a/d: the CLI's dumps/s over trafilatura's; c/a and core/a: the bare loop's seconds
        # over the CLI's (1 - the CLI's overhead); b/a: two workers over one.
        "ratios": {"a/d": ratio("a", "d"), "c/a": ratio("c", "a", "seconds"),
                   "core/a": ratio("core", "a", "seconds"), "b/a": ratio("b", "a")},
        "paired_ratios": {"a/d": paired("a", "d"), "core/a": paired("a", "core"),
                          "b/a": paired("b", "a")},
        # Per CPU second: steadier than wall clock on a shared machine (not for b, whose
        # point is to use more CPUs).
        "cpu_ratios": {"a/d": cpu("a", "d"), "core/d": cpu("core", "d"),
                       "core/a": ratio("core", "a", "cpu_seconds")},
        # Fastest round over fastest round (core/a: the CLI's best dumps/s over the bare
        # loop's, i.e. its seconds over the CLI's).
        "best_ratios": {pair: ratio(top, bottom, "best_dumps_per_second")
                        for pair, top, bottom in (("a/d", "a", "d"), ("core/a", "a", "core"), ("b/a", "b", "a"))},
        "load_average_1min": round(os.getloadavg()[0], 2),
        "machine": spread,
    }
    if startup_repeat:
        one = _files(data / "dumps")[0]
        wall, cpu = startup(one, f"{work}/out-startup", startup_repeat)
        report.update(startup_seconds=round(wall, 3), startup_cpu_seconds=round(cpu, 3))
    if big:
        report["big"] = {}
        for name, path in big_inputs(Path(work) / "big").items():
            result = _spawn(_cli(str(path), f"{work}/out-big"))
            summary = json.loads(Path(work, "out-big", "run.json").read_text())
            report["big"][name] = {"input_mb": round(path.stat().st_size / 1e6, 1),
                                   "peak_rss_mib": round(result["peak_rss_bytes"] / 2**20),
                                   "seconds": round(result["wall_seconds"], 2),
                                   "articles": summary["articles"], "rejects": summary["rejects"]}
            import shutil

            shutil.rmtree(f"{work}/out-big", ignore_errors=True)
            if log:
                log(f"big input, {name}: {report['big'][name]}")
    return report


def _median_size(data: Path) -> int:
    return int(statistics.median(os.path.getsize(p) for p in _files(data / "dumps")))


def format_table(report: dict) -> str:
    """The report as a Markdown table plus the ratios."""
    lines = [(f"N = {report['n']} {report['size']}-size dumps (mix {report['mix']}, median "
              f"{report['median_input_bytes'] / 1024:.1f} KiB, seed {report['seed']}), "
              f"{report['cpus']} CPUs, "
              f"median of {report['repeat']} run(s), load {report['load_average_1min']}"), "",
             "| mode | dumps/s | MB/s | dumps/CPU-s | best round: dumps/s, per CPU-s | peak RSS (MiB) "
             "| processes | seconds |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for mode, fig in report["modes"].items():
        lines.append(f"| ({mode}) {fig['name']} | {fig['dumps_per_second']:,.0f} | "
                     f"{fig['mb_per_second']:.2f} | {fig['dumps_per_cpu_second']:,.0f} | "
                     f"{fig['best_dumps_per_second']:,.0f}, {fig['best_dumps_per_cpu_second']:,.0f} | "
                     f"{fig['peak_rss_mib']:.0f} | {fig['processes']} | {fig['seconds']:.2f} |")
    def listed(kind: str) -> str:
        return ", ".join(f"{k} = {v}" for k, v in report[kind].items() if v is not None)

    lines += ["", f"ratios of medians: {listed('ratios')}",
              f"paired by round: {listed('paired_ratios')}",
              f"per CPU second: {listed('cpu_ratios')}",
              f"best round over best round: {listed('best_ratios')}",
              "(a/d: CLI over trafilatura; c/a, core/a: bare-loop seconds over CLI seconds; "
              "b/a: two workers over one)"]
    if report.get("machine"):
        spread = report["machine"]
        lines.append(f"machine, before the rounds: a fixed loop's median {spread['median_over_best']}x "
                     f"its best ({spread['best_ms']} ms), {spread['slow_share']:.0%} of "
                     f"{spread['tries']} tries at 1.45x its best or more")
    if report.get("startup_seconds") is not None:
        lines.append("start-up (CLI over one dump, Python start included): "
                     f"{report['startup_seconds']} s "
                     f"wall, {report['startup_cpu_seconds']} s CPU")
    for name, fig in report.get("big", {}).items():
        lines.append(f"big input ({fig['input_mb']} MB, {name}): peak RSS {fig['peak_rss_mib']} "
                     f"MiB, {fig['seconds']} s, {fig['articles']} article(s), "
                     f"{fig['rejects']} reject(s)")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/bench.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--n", type=int, default=4000,
                        help="Inputs to generate (default 4000).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", choices=("real", "small"), default="real",
                        help="real: median about 5 KiB, tail to 50 KiB (default); small: 2-3 KiB.")
    parser.add_argument("--mix", choices=("text", "real"), default="text",
                        help="text: text and markdown dumps (default); "
                        "real: also HTML pages and feeds.")
    parser.add_argument("--modes", default=",".join(MODES),
                        help=f"Comma-separated, of {','.join(MODES)}.")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Rounds per mode; medians are reported.")
    parser.add_argument("--startup-repeat", type=int, default=3, help="Start-up runs (0 skips).")
    parser.add_argument("--big", action="store_true", help="Also peak RSS over two 45 MB inputs.")
    parser.add_argument("--packed", action="store_true",
                        help="Also the CLI over the dumps packed as JSONL.")
    parser.add_argument("--work", default=None, help="Work directory (generated data is reused).")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="Processes generating the inputs (default: the CPUs).")
    parser.add_argument("--probe", type=float, default=0.0, metavar="SECONDS",
                        help="First time a fixed loop for this long: how steady the machine is.")
    parser.add_argument("--json", dest="json_path", default=None,
                        help="Also write the report here.")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_child"]:
        _, mode, data, out = argv
        print(json.dumps(_child(mode, data, out)))
        return 0
    args = _parser().parse_args(argv)
    report = run_bench(args.n, seed=args.seed, size=args.size, mix=args.mix, work=args.work,
                       modes=tuple(args.modes.split(",")), repeat=args.repeat,
                       startup_repeat=args.startup_repeat, packed=args.packed, big=args.big,
                       jobs=args.jobs, probe=args.probe,
                       log=lambda msg: print(msg, file=sys.stderr))
    print(format_table(report))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
