"""Throughput and memory benchmark: the pipeline beside the bare loop and a peer extractor.

Run as `article-ingest bench` or `scripts/bench.py`. Every mode runs in a child process so
that its peak resident memory (the whole process tree: Beam's multi_processing workers are
separate processes) can be read without the harness's own memory in the way.

Modes, all over the same generated dumps:
  a   the pipeline end to end, default local runner (in-process FnApiRunner)
  b   the same with --direct_running_mode multi_processing --direct_num_workers 2
  c   no framework: transforms.ingest.ingest_file in a plain loop, same Parquet via pyarrow
  d   trafilatura.extract over the same articles rendered as HTML (when installed)

Timings on a shared machine are noisy: compare ratios within one run, and repeat (`--repeat`).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["generate_dumps", "main", "render_html", "run_bench"]

MODES = ("a", "b", "c", "d")
MODE_NAMES = {
    "a": "pipeline, local runner",
    "b": "pipeline, multi_processing x2",
    "c": "plain loop (no framework)",
    "d": "trafilatura.extract on HTML",
    "a-jsonl": "pipeline, packed JSONL",
    "c-jsonl": "plain loop, packed JSONL",
}
_FILES_PER_DIR = 1000
_JSONL_PER_FILE = 1000
_MARKER = "bench-data.json"

# ---------------------------------------------------------------------------------------------
# Deterministic dump generator. Words are invented from syllables so no real text is copied;
# the shape (image block, credits, bullets, 4-18 paragraphs, footers) follows real dumps.

_ONSETS = ("b", "br", "d", "f", "g", "h", "k", "kl", "l", "m", "n", "p", "r", "s", "st", "t",
           "tr", "v", "z", "sh", "ch", "")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou")
_CODAS = ("", "", "n", "r", "s", "l", "m", "nd", "st", "k", "th")
_GLUE_WORDS = ("the", "of", "and", "to", "in", "a", "for", "on", "with", "that", "was", "by",
               "from", "at", "as", "said", "after", "will", "its", "their")
_AGENCIES = ("AP", "Reuters", "AFP via Getty Images", "Getty Images", "dpa", "EPA-EFE",
             "Anadolu Agency via Getty Images", "Bloomberg", "Xinhua", "Handout")
_BULLET_MARKS = ("  • ", "  • ", "  • ", "* ", "- ", "– ")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(rng.choice((1, 1, 2, 2, 3))))


def _name(rng: random.Random) -> str:
    return _word(rng).capitalize()


def _sentence(rng: random.Random, low: int = 8, high: int = 28) -> str:
    words = []
    for i in range(rng.randint(low, high)):
        word = rng.choice(_GLUE_WORDS) if rng.random() < 0.35 else _word(rng)
        if i == 0 or rng.random() < 0.08:
            word = word.capitalize()
        words.append(word)
    if rng.random() < 0.1:
        words.insert(rng.randrange(1, len(words)), str(rng.randint(2, 2030)))
    return " ".join(words) + rng.choice(".....?!")


def _article(index: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:{index}")
    person = f"{_name(rng)} {_name(rng)}"
    publisher = f"{_name(rng)} {rng.choice(('Post', 'Herald', 'Times', 'Courier', 'Daily'))}"
    parts: dict = {"alt": None, "caption": None, "credit": None, "credit_style": None,
                   "bullets": [], "paragraphs": [], "footer": None, "publisher": publisher}
    if rng.random() < 0.8:
        parts["caption"] = _sentence(rng, 10, 24).rstrip(".?!") + "."
        if rng.random() < 0.9:
            parts["alt"] = _sentence(rng, 4, 12).rstrip(".?!")
        if rng.random() < 0.9:
            parts["credit"] = f"{person}/{rng.choice(_AGENCIES)}"
            parts["credit_style"] = rng.choice(("glued",) * 7 + ("label", "paren"))
    if rng.random() < 0.75:
        parts["bullets"] = [_sentence(rng, 10, 22) for _ in range(rng.randint(2, 4))]
    for _ in range(rng.randint(4, 18)):
        parts["paragraphs"].append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 4))))
    roll = rng.random()
    if roll < 0.5:
        parts["footer"] = f"Read the original article on {publisher}"
    elif roll < 0.65:
        parts["footer"] = f"This article was originally published by {publisher}."
    elif roll < 0.75:
        parts["footer"] = f"The post {_sentence(rng, 4, 9).rstrip('.?!')} appeared first on {publisher}."
    elif roll < 0.8:
        parts["footer"] = f"Follow {publisher} on Instagram for more stories."
    parts["kind"] = ("markdown" if rng.random() < 0.1 else
                     "crlf" if rng.random() < 0.05 else
                     "empty" if rng.random() < 0.005 else
                     "footer_only" if rng.random() < 0.005 else "text")
    parts["bullet_mark"] = rng.choice(_BULLET_MARKS)
    return parts


def _caption_line(parts: dict) -> str:
    caption, credit = parts["caption"], parts["credit"]
    if not credit:
        return caption
    style = parts["credit_style"]
    if style == "label":
        return f"{caption} Photo: {credit}"
    if style == "paren":
        return f"{caption} ({credit})"
    return f"{caption}{credit}"


def render_text(parts: dict) -> str:
    """The article as a reference-layout text dump (or markdown, per its `kind`)."""
    kind = parts["kind"]
    if kind == "empty":
        return "\n"
    if kind == "footer_only":
        return f"{parts['footer'] or 'Read the original article on ' + parts['publisher']}\n"
    if kind == "markdown":
        out = []
        if parts["caption"]:
            out += [f"![{parts['alt'] or ''}](https://img.example/{len(parts['caption'])}.jpg)",
                    "", _caption_line(parts), ""]
        out += [f"* {b}" for b in parts["bullets"]] + ([""] if parts["bullets"] else [])
        for paragraph in parts["paragraphs"]:
            out += [paragraph, ""]
        if parts["footer"]:
            out.append(parts["footer"])
        return "\n".join(out) + "\n"
    out = []
    if parts["caption"]:
        if parts["alt"]:
            out.append(parts["alt"])
        out.append(_caption_line(parts))
    out += [parts["bullet_mark"] + b for b in parts["bullets"]]
    if out:
        out.append("")
    for paragraph in parts["paragraphs"]:
        out += [paragraph + (" " if len(paragraph) % 3 == 0 else ""), ""]
    if parts["footer"]:
        out += ["\u00a0", "", parts["footer"]]
    text = "\n".join(out) + "\n"
    return text.replace("\n", "\r\n") if kind == "crlf" else text


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_html(parts: dict) -> str:
    """The article as a small HTML page: figure/img/figcaption, a list of bullets, paragraphs."""
    body = []
    if parts["caption"]:
        credit = f" <span class=\"credit\">{_esc(parts['credit'])}</span>" if parts["credit"] else ""
        body.append(f"<figure><img src=\"/img/{len(parts['caption'])}.jpg\" alt=\"{_esc(parts['alt'] or '')}\">"
                    f"<figcaption>{_esc(parts['caption'])}{credit}</figcaption></figure>")
    if parts["bullets"]:
        body.append("<ul>" + "".join(f"<li>{_esc(b)}</li>" for b in parts["bullets"]) + "</ul>")
    body += [f"<p>{_esc(p)}</p>" for p in parts["paragraphs"]]
    if parts["footer"]:
        body.append(f"<p class=\"footer\">{_esc(parts['footer'])}</p>")
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>"
            f"{_esc(parts['publisher'])}</title></head><body><article>{''.join(body)}"
            "</article></body></html>\n")


def jsonl_supported() -> bool:
    """Whether the JSONL reader turns a packed line into an article (it is a stub until then)."""
    from schemas.record import Article
    from transforms.context import IngestContext
    from transforms.formats import reader_for
    from transforms.rules import load_rules

    line = json.dumps({"text": render_text(_article(0, 0) | {"kind": "text"}),
                       "url": "https://example.invalid/0"}) + "\n"
    ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc))
    try:
        return any(isinstance(o, Article) for o in reader_for("jsonl")(line.encode(), "x.jsonl", ctx))
    except Exception:  # noqa: BLE001 - a reader still in progress counts as not there
        return False


def generate_dumps(directory: str | Path, n: int, seed: int = 0, *, html: bool = True,
                   jsonl: bool = False) -> dict:
    """Writes N dumps (one file each, 1000 a folder) under DIRECTORY/dumps, their HTML
    renderings under DIRECTORY/html and, when asked, the same packed as JSONL. Deterministic
    in (n, seed); reuses an earlier generation with the same parameters."""
    root = Path(directory)
    marker = root / _MARKER
    want = {"n": n, "seed": seed, "html": html, "jsonl": jsonl, "generator": 2}
    if marker.exists():  # an earlier generation with the same dumps, and at least the same extras
        have = json.loads(marker.read_text())
        if all(have["params"][k] == want[k] for k in ("n", "seed", "generator")) and all(
                have["params"][k] or not want[k] for k in ("html", "jsonl")):
            return have
    sizes = {"dumps": 0, "html": 0, "jsonl": 0}
    packed = None
    for index in range(n):
        parts = _article(index, seed)
        folder = f"{index // _FILES_PER_DIR:05d}"
        if index % _FILES_PER_DIR == 0:
            for kind in ("dumps",) + (("html",) if html else ()):
                (root / kind / folder).mkdir(parents=True, exist_ok=True)
        data = render_text(parts).encode("utf-8")
        (root / "dumps" / folder / f"{index:07d}.txt").write_bytes(data)
        sizes["dumps"] += len(data)
        if html:
            page = render_html(parts).encode("utf-8")
            (root / "html" / folder / f"{index:07d}.html").write_bytes(page)
            sizes["html"] += len(page)
        if jsonl:
            if index % _JSONL_PER_FILE == 0:
                if packed:
                    packed.close()
                (root / "jsonl").mkdir(parents=True, exist_ok=True)
                # One handle at a time, rotated every _JSONL_PER_FILE lines.
                packed = open(root / "jsonl" / f"part-{index // _JSONL_PER_FILE:05d}.jsonl", "wb")  # noqa: SIM115
            line = json.dumps({"text": data.decode("utf-8"), "url": f"https://example.invalid/{index}"},
                              ensure_ascii=False).encode("utf-8") + b"\n"
            packed.write(line)
            sizes["jsonl"] += len(line)
    if packed:
        packed.close()
    info = {"params": want, "bytes": sizes, "generator": "pipeline.bench.generate_dumps"}
    root.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------------------------------------
# Child side: one mode, timed from just before the work to just after it.

def _cpu_now() -> float:
    """CPU seconds of this process and of the children it has reaped (Beam's workers)."""
    import resource

    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime


def _child(mode: str, data: str, out: str) -> dict:
    """Runs one mode; `seconds` and `cpu_seconds` cover the work only, not start-up imports."""
    cpu = _cpu_now()
    result = _child_work(mode, data, out)
    result["cpu_seconds"] = _cpu_now() - cpu
    return result


def _child_work(mode: str, data: str, out: str) -> dict:
    if mode in ("a", "b", "a-jsonl"):
        from pipeline.options import IngestOptions
        from pipeline.run import run

        pattern = f"{data}/jsonl/*.jsonl" if mode == "a-jsonl" else f"{data}/dumps/*/*.txt"
        flags = ["--input", pattern, "--output", out]
        if mode == "b":
            flags += ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"]
        start = time.perf_counter()
        summary = run(IngestOptions(flags))
        return {"seconds": time.perf_counter() - start, "articles": summary["articles"],
                "inputs": summary["inputs"]}
    if mode in ("c", "c-jsonl"):
        start = time.perf_counter()
        articles, inputs = _plain_loop(f"{data}/jsonl" if mode == "c-jsonl" else f"{data}/dumps", out)
        return {"seconds": time.perf_counter() - start, "articles": articles, "inputs": inputs}
    if mode == "d":
        import trafilatura

        files = _files(f"{data}/html")
        start = time.perf_counter()
        extracted = 0
        for path in files:
            with open(path, "rb") as handle:
                if trafilatura.extract(handle.read().decode("utf-8")):
                    extracted += 1
        return {"seconds": time.perf_counter() - start, "articles": extracted, "inputs": len(files)}
    raise ValueError(f"unknown mode {mode!r}")


def _files(directory: str) -> list[str]:
    found = []
    for folder, _, names in os.walk(directory):
        found += [os.path.join(folder, name) for name in names]
    return sorted(found)


def _to_table(rows: list[dict], schema):
    """Rows to an Arrow table a column at a time: the same table as `Table.from_pylist`, and
    about 2.5x cheaper (one conversion per column instead of a dict lookup per cell)."""
    import pyarrow as pa

    return pa.Table.from_arrays([pa.array([row[f.name] for row in rows], type=f.type) for f in schema],
                                schema=schema)


def _plain_loop(directory: str, out: str) -> tuple[int, int]:
    """The same core functions and the same Parquet, with no framework around them."""
    import pyarrow.parquet as pq

    from schemas.record import ARTICLE_SCHEMA, REJECT_SCHEMA, Article
    from transforms.context import IngestContext
    from transforms.ingest import ingest_file
    from transforms.partition import parquet_writer_options
    from transforms.rules import load_rules

    ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc))
    os.makedirs(out, exist_ok=True)
    writers = {
        True: pq.ParquetWriter(f"{out}/articles.parquet", ARTICLE_SCHEMA, compression="zstd",
                               **parquet_writer_options(ARTICLE_SCHEMA)),
        False: pq.ParquetWriter(f"{out}/rejects.parquet", REJECT_SCHEMA, compression="zstd",
                                **parquet_writer_options(REJECT_SCHEMA)),
    }
    schemas = {True: ARTICLE_SCHEMA, False: REJECT_SCHEMA}
    pending: dict[bool, list] = {True: [], False: []}
    articles = inputs = 0

    def flush(kind: bool) -> None:
        if pending[kind]:
            writers[kind].write_table(_to_table(pending[kind], schemas[kind]))
            pending[kind].clear()

    for path in _files(directory):
        with open(path, "rb") as handle:
            data = handle.read()
        for outcome in ingest_file(data, path, ctx):
            inputs += 1
            is_article = isinstance(outcome, Article)
            articles += is_article
            pending[is_article].append(outcome.to_row())
            if len(pending[is_article]) >= 1000:
                flush(is_article)
    for kind, writer in writers.items():
        flush(kind)
        writer.close()
    return articles, inputs


# ---------------------------------------------------------------------------------------------
# Parent side: start a child, sample its process tree's resident memory, collect its result.

def _tree_rss(root: int, cpu_seen: dict[int, float] | None = None) -> tuple[int, int]:
    """(resident bytes summed over `root` and its descendants, number of processes).

    `cpu_seen`, when given, is updated with each process's CPU seconds so far, which shows
    whether multi_processing workers really share the work.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(b")") + 2:].split()
            pid = int(entry)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
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


def _measure(mode: str, data: str, out: str) -> dict:
    cmd = [sys.executable, "-m", "pipeline.bench", "_child", mode, data, out]
    stdout_file, stderr_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 - read after wait4
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout_file, stderr=stderr_file,
                            cwd=str(Path(__file__).resolve().parent.parent))
    peak = {"rss": 0, "procs": 0}
    cpu_seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, count = _tree_rss(proc.pid, cpu_seen)
            peak["rss"], peak["procs"] = max(peak["rss"], rss), max(peak["procs"], count)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # wait4, not wait: its rusage is this child's own (with the workers it reaped), so the CPU
    # seconds and max RSS are not mixed with other modes' children.
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    stdout_file.seek(0)
    stderr_file.seek(0)
    stdout, stderr = stdout_file.read(), stderr_file.read()
    stdout_file.close()
    stderr_file.close()
    if proc.returncode != 0:
        raise RuntimeError(f"bench mode {mode} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result.update(wall_seconds=wall, peak_rss_bytes=peak["rss"], processes=peak["procs"],
                  work_cpu_seconds=result.pop("cpu_seconds"), tree_cpu_seconds=usage.ru_utime + usage.ru_stime,
                  maxrss_one_process_bytes=usage.ru_maxrss * 1024,
                  cpu_seconds_by_process=sorted((round(v, 2) for v in cpu_seen.values()), reverse=True))
    return result


def _startup(data: str, out: str, repeat: int) -> tuple[float, float]:
    """Wall and CPU seconds of `article-ingest run --input ONE_FILE`, Python start included
    (medians)."""
    one = _files(f"{data}/dumps")[0]
    walls, cpus = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--input", one, "--output", out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd=str(Path(__file__).resolve().parent.parent))
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"article-ingest run --input {one} failed")
    return statistics.median(walls), statistics.median(cpus)


def _sig(value: float, digits: int = 4) -> float:
    """Rounded to significant digits, so a slow smoke run never reports a rate of 0.0."""
    return float(f"{value:.{digits}g}")


def _have_trafilatura() -> bool:
    import importlib.util

    return importlib.util.find_spec("trafilatura") is not None


def run_bench(n: int, *, seed: int = 0, work: str | None = None, modes=MODES, repeat: int = 1,
              startup_repeat: int = 3, packed: bool = True, log=None) -> dict:
    """Generates N dumps and measures each mode `repeat` times (interleaved); medians reported."""
    work = work or tempfile.mkdtemp(prefix="article-ingest-bench-")
    data = f"{work}/data-{n}-{seed}"
    packed_wanted = packed
    packed = packed and jsonl_supported()
    modes = [m for m in modes if m != "d" or _have_trafilatura()]
    if packed:
        modes += [m + "-jsonl" for m in ("a", "c") if m in modes]
    t0 = time.perf_counter()
    info = generate_dumps(data, n, seed, html="d" in modes, jsonl=packed)
    generated = time.perf_counter() - t0
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for round_ in range(repeat):
        for mode in modes:
            result = _measure(mode, data, f"{work}/out-{mode}")
            runs[mode].append(result)
            if log:
                log(f"round {round_ + 1} mode {mode}: {result['seconds']:.2f} s, "
                    f"{result['peak_rss_bytes'] / 2**20:.0f} MiB")
    figures = {}
    for mode, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        source = "jsonl" if mode.endswith("jsonl") else "html" if mode == "d" else "dumps"
        figures[mode] = {
            "name": MODE_NAMES[mode],
            "articles": results[0]["articles"],
            "inputs": results[0]["inputs"],
            "seconds": round(seconds, 3),
            "articles_per_second": _sig(n / seconds),
            "mb_per_second": _sig(info["bytes"][source] / 1e6 / seconds),
            "cpu_seconds": round(statistics.median(r["work_cpu_seconds"] for r in results), 3),
            "articles_per_cpu_second": _sig(n / statistics.median(r["work_cpu_seconds"] for r in results)),
            "peak_rss_mib": round(max(r["peak_rss_bytes"] for r in results) / 2**20, 1),
            "processes": max(r["processes"] for r in results),
            "wall_seconds_incl_start": round(statistics.median(r["wall_seconds"] for r in results), 3),
            "all_seconds": [round(r["seconds"], 3) for r in results],
            # CPU seconds of each process of the mode (last sample before it ended), largest first.
            "cpu_seconds_by_process": results[-1]["cpu_seconds_by_process"],
        }

    def ratio(top: str, bottom: str):
        if top in figures and bottom in figures:
            return round(figures[top]["articles_per_second"] / figures[bottom]["articles_per_second"], 3)
        return None

    def cpu_ratio(top: str, bottom: str):
        if top in figures and bottom in figures:
            return round(figures[bottom]["cpu_seconds"] / figures[top]["cpu_seconds"], 3)
        return None

    report = {
        "n": n,
        "seed": seed,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "repeat": repeat,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input_bytes": info["bytes"],
        "generate_seconds": round(generated, 2),
        "packed_jsonl": "measured" if packed else "not measured (--no_packed)" if not packed_wanted
        else "pending: the JSONL reader (transforms/formats/jsonl.py) does not read articles yet",
        "modes": figures,
        "ratios": {"a/c": ratio("a", "c"), "b/a": ratio("b", "a"), "a/d": ratio("a", "d")},
        # Per CPU second: steadier than wall-clock ratios when other jobs share the machine
        # (not meaningful for b, whose point is to use more CPUs).
        "cpu_ratios": {"a/c": cpu_ratio("a", "c"), "a/d": cpu_ratio("a", "d")},
    }
    if startup_repeat:
        wall, cpu = _startup(data, f"{work}/out-startup", startup_repeat)
        report.update(startup_seconds=round(wall, 3), startup_cpu_seconds=round(cpu, 3))
    return report


def format_table(report: dict) -> str:
    """The report as a Markdown table plus the ratios, for the terminal and docs/performance.md."""
    lines = [(f"N = {report['n']} dumps (seed {report['seed']}), {report['cpus']} CPUs, "
              f"median of {report['repeat']} run(s)"), "",
             "| mode | articles/s | MB/s | articles/CPU-s | peak RSS (MiB) | processes | seconds |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for mode, fig in report["modes"].items():
        lines.append(f"| ({mode}) {fig['name']} | {fig['articles_per_second']:,.0f} | "
                     f"{fig['mb_per_second']:.2f} | {fig['articles_per_cpu_second']:,.0f} | "
                     f"{fig['peak_rss_mib']:.0f} | {fig['processes']} | "
                     f"{fig['seconds']:.2f} |")
    ratios = ", ".join(f"({k.replace('/', ')/(')}) = {v}" for k, v in report["ratios"].items() if v is not None)
    cpu_ratios = ", ".join(f"({k.replace('/', ')/(')}) = {v}" for k, v in report["cpu_ratios"].items()
                           if v is not None)
    lines += ["", f"ratios (articles/s): {ratios}", f"ratios (articles per CPU second): {cpu_ratios}",
              f"load average (1 min) at the end: {report['load_average_1min']}"]
    if report.get("startup_seconds") is not None:
        lines.append(f"start-up (run over one dump, incl. Python start): {report['startup_seconds']} s wall, "
                     f"{report['startup_cpu_seconds']} s CPU")
    lines.append(f"packed JSONL: {report['packed_jsonl']}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="article-ingest bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--n", type=int, default=10000, help="Dumps to generate (default 10000).")
    parser.add_argument("--seed", type=int, default=0, help="Generator seed (default 0).")
    parser.add_argument("--modes", default=",".join(MODES), help="Comma-separated modes of a,b,c,d.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds per mode; medians are reported.")
    parser.add_argument("--startup_repeat", type=int, default=3, help="Start-up runs (0 skips).")
    parser.add_argument("--work", default=None, help="Work directory (generated data is reused).")
    parser.add_argument("--no_packed", action="store_true", help="Skip the packed JSONL modes.")
    parser.add_argument("--json", dest="json_path", default=None, help="Also write the report here.")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_child"]:
        _, mode, data, out = argv
        print(json.dumps(_child(mode, data, out)))
        return 0
    args = _parser().parse_args(argv)
    report = run_bench(args.n, seed=args.seed, work=args.work, modes=tuple(args.modes.split(",")),
                       repeat=args.repeat, startup_repeat=args.startup_repeat, packed=not args.no_packed,
                       log=lambda msg: print(msg, file=sys.stderr))
    print(format_table(report))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
