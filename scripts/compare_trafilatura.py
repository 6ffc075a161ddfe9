#!/usr/bin/env python3
"""Throughput of the HTML reader against trafilatura.extract on the same HTML files, per core.

usage: compare_trafilatura.py GLOB [--repeat N] [--dumps NAME]

Reads every file matching GLOB (gzip-compressed files are decompressed first, outside the
timing), then times, in CPU seconds of this one process, `transforms.formats.html.read`
(decoding, parsing, main-content choice, splitting, article id: all a run does per input)
and `trafilatura.extract` (text only) over all of them, N times each, after one warm-up.

With `--dumps NAME`, ours is `transforms.ingest.ingest_file` over the file NAME beside each
page instead (the devset's `seedlike.txt`, `w3m.txt` or `markdown.md` beside its
`item.html`): a real article's text dump against trafilatura on the same article's HTML.
"""
from __future__ import annotations

import argparse
import datetime as dt
import glob
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.context import IngestContext
from transforms.formats import html
from transforms.ingest import ingest_file
from transforms.rules import load_rules


def cpu_per_file(work, inputs: list, repeat: int) -> float:
    for item in inputs[:3]:
        work(item)  # warm-up: imports, compiled patterns, caches
    started = time.process_time()
    for _ in range(repeat):
        for item in inputs:
            work(item)
    return (time.process_time() - started) / (repeat * len(inputs))


def read_pages(argv: list[str] | None, parser: argparse.ArgumentParser):
    """The command line of the comparison scripts: (paths, raw bytes, texts, options), or
    None when the glob matches nothing. `parser`: the script's, with its own options."""
    parser.add_argument("pattern")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(args.pattern))
    if not paths:
        print(f"no file matches {args.pattern!r}", file=sys.stderr)
        return None
    raw = [Path(p).read_bytes() for p in paths]
    raw = [gzip.decompress(b) if p.endswith(".gz") else b for p, b in zip(paths, raw)]
    return paths, raw, [b.decode("utf-8", "replace") for b in raw], args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dumps", metavar="NAME", default=None,
                        help="Time ingest_file on the file NAME beside each page instead.")
    pages = read_pages(argv, parser)
    if pages is None:
        return 2
    paths, raw, texts, args = pages
    repeat, dumps = args.repeat, args.dumps
    if dumps:
        uris = [str(Path(p).with_name(dumps)) for p in paths]
        inputs = [(uri, Path(uri).read_bytes()) for uri in uris]
        ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc))
        ours = cpu_per_file(lambda item: list(ingest_file(item[1], item[0], ctx)), inputs, repeat)
    else:
        ctx = IngestContext(load_rules(), dt.datetime.now(dt.timezone.utc), "html")
        ours = cpu_per_file(lambda data: list(html.read(data, "bench", ctx)), raw, repeat)
    import trafilatura

    theirs = cpu_per_file(trafilatura.extract, texts, repeat)
    print(json.dumps({
        "files": len(paths),
        "ours": f"ingest_file on {dumps}" if dumps else "the HTML reader",
        "ours_ms_per_file": round(ours * 1000, 3),
        "ours_files_per_second_per_core": round(1 / ours, 1),
        "trafilatura_ms_per_file": round(theirs * 1000, 3),
        "trafilatura_files_per_second_per_core": round(1 / theirs, 1),
        "speedup": round(theirs / ours, 2),
        "trafilatura_version": trafilatura.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
