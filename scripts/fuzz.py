#!/usr/bin/env python3
"""Bounded-time fuzzing of the text splitter, the HTML reader and the feed reader.

    python scripts/fuzz.py --target split --seconds 600 --out fuzz-out/
    python scripts/fuzz.py --target html --seconds 600 --engine hypothesis

Targets (each must never raise, whatever the input):
  split  transforms.split.split_dump on any string (all three markups) and
         transforms.formats.text.ingest_bytes on the raw bytes
  html   transforms.formats.html.read on the raw bytes and html_to_article on the text
  feed   transforms.formats.feeds.read on the raw bytes

Engines: atheris (coverage-guided libFuzzer, when it imports) or hypothesis (random
buffers through `fuzz_one_input`). A failing input does not stop the run: each distinct
failure (exception type + innermost frame in this project) is saved once to
OUT/TARGET/crash-<site>.bin with its traceback in .txt; inputs slower than --slow seconds
are saved as slow-*.bin. OUT/TARGET/summary.json has the counts. Exit code 1 when anything
was found. Nothing here touches the network or writes outside OUT.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("split", "html", "feed")
MARKUPS = ("auto", "text", "markdown")

# Seeds beside the shipped fixtures: small, in our own words.
_HTML_SEEDS = [
    (b"<html><head><title>Pier repairs</title><meta property='og:site_name' content='Coast Daily'>"
     b"</head><body><nav><a href='/'>Home</a></nav><article><h1>Pier repairs</h1><figure>"
     b"<img src='p.jpg' alt='The old pier'><figcaption>Workers on the pier.Lee Park/AP</figcaption>"
     b"</figure><ul><li>Repairs start in May.</li></ul><p>The council approved the repairs.</p>"
     b"<p>Read the original article on Coast Daily</p></article></body></html>"),
    b"<p>A fragment with <b>bold</b> text &amp; an entity.</p><p>Second para.</p>",
    b"<!DOCTYPE html><html><body><div><div><p>Nested</p></div></div><script>x()</script></body></html>",
]
_FEED_SEEDS = [
    (b"<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'>"
     b"<channel><title>Coast Daily</title><item><title>Pier repairs</title><link>https://example.org/p</link>"
     b"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate><description>&lt;p&gt;The council approved "
     b"the repairs.&lt;/p&gt;</description></item></channel></rss>"),
    (b"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>"
     b"<entry><title>Bridge</title><link href='https://example.org/b'/><updated>2026-03-02T10:00:00Z"
     b"</updated><content type='html'>&lt;p&gt;The bridge opened.&lt;/p&gt;</content></entry></feed>"),
    (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>"
     b"<item><title>Ferry</title><description>The ferry runs again.</description></item></rdf:RDF>"),
]


def _seeds(target: str) -> list[bytes]:
    seeds: list[bytes] = []
    if target == "split":
        for path in sorted((ROOT / "tests" / "fixtures" / "dumps").glob("*/dump.*")):
            seeds.append(path.read_bytes())
        for path in sorted((ROOT / "pipeline" / "samples").glob("*")):
            if path.is_file():
                seeds.append(path.read_bytes())
    elif target == "html":
        seeds += _HTML_SEEDS
    else:
        seeds += _FEED_SEEDS
    return seeds or [b"seed"]


class Target:
    """One fuzz target: `run(data)` raises on a finding."""

    def __init__(self, name: str):
        import transforms  # noqa: F401 - fail early with a clear import error
        from transforms.context import IngestContext
        from transforms.rules import load_rules

        self.name = name
        self.ctx = IngestContext(load_rules(None), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))

    def run(self, data: bytes) -> None:
        getattr(self, f"_run_{self.name}")(data)

    def _run_split(self, data: bytes) -> None:
        from transforms.formats.text import ingest_bytes
        from transforms.normalize import normalize_line
        from transforms.split import split_dump

        text = data.decode("utf-8", "replace")
        markup = MARKUPS[len(data) % 3]
        parts = split_dump(text, self.ctx.rules, markup)
        assert all(isinstance(p, str) and p for p in parts.paragraphs), "empty or non-str paragraph"
        assert all(isinstance(b, str) and b for b in parts.bullets), "empty or non-str bullet"
        for line in text.splitlines()[:50]:
            once = normalize_line(line)
            assert normalize_line(once) == once, f"normalize_line not idempotent on {line!r}"
        ingest_bytes(data, "fuzz://input", self.ctx.rules, self.ctx.ingested_at)

    def _run_html(self, data: bytes) -> None:
        from transforms.formats.html import html_to_article, read

        list(read(data, "fuzz://input.html", self.ctx))
        html_to_article(data.decode("utf-8", "replace"), "fuzz://input.html", self.ctx)

    def _run_feed(self, data: bytes) -> None:
        from transforms.formats.feeds import read

        list(read(data, "fuzz://input.xml", self.ctx))


def _site(err: BaseException) -> str:
    """Where an exception was raised: the innermost frame in this project, else the innermost."""
    frames = traceback.extract_tb(err.__traceback__)
    ours = [f for f in frames if str(ROOT) in f.filename and "scripts/fuzz.py" not in f.filename]
    frame = (ours or frames or [None])[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    return f"{type(err).__name__}@{where}"


class Recorder:
    """Saves each distinct finding once and keeps counts in summary.json."""

    def __init__(self, out: Path, target: str, slow: float):
        self.dir = out / target
        self.dir.mkdir(parents=True, exist_ok=True)
        self.slow = slow
        self.summary_path = self.dir / "summary.json"
        self.summary = json.loads(self.summary_path.read_text()) if self.summary_path.exists() else {
            "target": target, "executions": 0, "seconds": 0.0, "findings": {}}
        self._last_flush = time.monotonic()

    def _save(self, kind: str, site: str, data: bytes, text: str) -> None:
        key = f"{kind}:{site}"
        entry = self.summary["findings"].setdefault(key, {"count": 0})
        entry["count"] += 1
        if entry["count"] == 1 or len(data) < entry.get("size", 1 << 62):
            stem = f"{kind}-{hashlib.sha1(site.encode()).hexdigest()[:12]}"
            (self.dir / f"{stem}.bin").write_bytes(data)
            (self.dir / f"{stem}.txt").write_text(f"{site}\n{len(data)} bytes\n\n{text}")
            entry.update(file=f"{stem}.bin", size=len(data), site=site)
            self.flush()

    def check(self, target: Target, data: bytes) -> None:
        started = time.perf_counter()
        try:
            target.run(data)
        except RecursionError as err:
            self._save("crash", _site(err), data, "RecursionError (deep nesting)")
        except Exception as err:  # noqa: BLE001 - every exception is a finding
            self._save("crash", _site(err), data, traceback.format_exc())
        took = time.perf_counter() - started
        if took > self.slow:
            self._save("slow", f"{len(data) // 1000}kB", data, f"{took:.1f} s for {len(data)} bytes")
        self.summary["executions"] += 1
        if time.monotonic() - self._last_flush > 10:
            self.flush()

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        self.summary_path.write_text(json.dumps(self.summary, indent=2))


def _atheris_worker(args) -> None:
    import atheris

    with atheris.instrument_imports(include=["transforms", "bs4"]):
        target = Target(args.target)
        target.run(b"warm up imports")
    recorder = Recorder(Path(args.out), args.target, args.slow)
    corpus = Path(args.out) / args.target / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        for i, seed in enumerate(_seeds(args.target)):
            (corpus / f"seed-{i:03d}").write_bytes(seed)

    def one_input(data: bytes) -> None:
        recorder.check(target, data)

    atheris.Setup([sys.argv[0], f"-max_total_time={int(args.seconds)}", f"-timeout={int(args.timeout)}",
                   "-rss_limit_mb=2048", f"-max_len={args.max_len}", "-print_final_stats=1",
                   f"-artifact_prefix={Path(args.out) / args.target}/libfuzzer-", str(corpus)],
                  one_input)
    atheris.Fuzz()


def _mutate(rng: random.Random, pool: list[bytes], max_len: int) -> bytes:
    data = bytearray(rng.choice(pool))
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            del data[pos:pos + rng.randint(1, 64)]
        elif op == 1:
            data[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 2:
            other = rng.choice(pool)
            start = rng.randrange(len(other) + 1)
            data[pos:pos] = other[start:start + rng.randint(1, 256)]
        elif op == 3:
            token = rng.choice([b"\n", b"\r\n", b"\n\n", b"  \xe2\x80\xa2 ", b"* ", b"# ", b"![a](u)",
                                b"<div>", b"</p>", b"&amp;", b"<![CDATA[", b"]]>", b"\xc2\xa0",
                                b"\xef\xbb\xbf", b"\x00", b"\xff", b"<!ENTITY", b"Read the original article on "])
            data[pos:pos] = token
        elif op == 4 and data:
            chunk = bytes(data[pos:pos + rng.randint(1, 64)])
            data[pos:pos] = chunk * rng.randint(2, 50)
        elif data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data[:max_len])


def _hypothesis_worker(args) -> None:
    """Hypothesis' fuzzing entry point fed with mutated seeds (no coverage guidance)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    target = Target(args.target)
    recorder = Recorder(Path(args.out), args.target, args.slow)

    @settings(database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(st.binary(max_size=args.max_len) | st.text(max_size=args.max_len).map(lambda s: s.encode()))
    def prop(data: bytes) -> None:
        recorder.check(target, data)

    rng = random.Random(args.seed)
    pool = _seeds(args.target)
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        # Half structure-aware mutations of the seeds, half hypothesis' own buffers.
        if rng.random() < 0.5:
            data = _mutate(rng, pool, args.max_len)
            recorder.check(target, data)
            if rng.random() < 0.05:
                pool.append(data)
        else:
            prop.hypothesis.fuzz_one_input(rng.randbytes(rng.randint(1, 4096)))
    recorder.flush()


def _engine(choice: str) -> str:
    if choice != "auto":
        return choice
    try:
        import atheris  # noqa: F401
    except ImportError:
        return "hypothesis"
    return "atheris"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--seconds", type=float, default=60.0, help="Time budget (wall clock).")
    parser.add_argument("--out", default="fuzz-out", help="Findings and corpus directory.")
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--max_len", type=int, default=20000, help="Largest input, in bytes.")
    parser.add_argument("--slow", type=float, default=5.0, help="Seconds after which an input is 'slow'.")
    parser.add_argument("--timeout", type=float, default=60.0, help="libFuzzer per-input hard timeout.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    engine = _engine(args.engine)
    if args.worker:
        (_atheris_worker if engine == "atheris" else _hypothesis_worker)(args)
        return 0
    # libFuzzer exits on a hard timeout or an out-of-memory input: restart until the budget is spent.
    started = time.monotonic()
    deadline = started + args.seconds
    restarts = 0
    while (left := deadline - time.monotonic()) > 5:
        cmd = [sys.executable, __file__, "--worker", "--target", args.target, "--seconds", str(int(left)),
               "--out", args.out, "--engine", engine, "--max_len", str(args.max_len),
               "--slow", str(args.slow), "--timeout", str(args.timeout), "--seed", str(args.seed + restarts)]
        code = subprocess.call(cmd, cwd=ROOT)
        if code == 0 and deadline - time.monotonic() < 30:
            break
        restarts += 1
        print(f"fuzz.py: worker exited with {code}; restarting ({restarts})", file=sys.stderr)
    summary_path = Path(args.out) / args.target / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    summary["engine"] = engine
    summary["restarts"] = summary.get("restarts", 0) + restarts
    summary["seconds"] = round(summary.get("seconds", 0.0) + time.monotonic() - started, 1)
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(summary, indent=2))
    found = summary.get("findings", {})
    print(f"{args.target}: {summary.get('executions', 0)} inputs in {summary.get('seconds', 0)} s "
          f"({engine}), {len(found)} distinct findings")
    for key, entry in sorted(found.items()):
        print(f"  {key}: {entry['count']}x, smallest {entry.get('size')} bytes -> {entry.get('file')}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
