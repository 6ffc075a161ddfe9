#!/usr/bin/env python3
"""Parse time of lxml (the HTML reader's parser) against BeautifulSoup (its parser of last
resort), and the charset each finds declared, on the same HTML files.

usage: compare_parsers.py GLOB [--repeat N]

Times, in CPU seconds of this one process, lxml's HTML parser and
`transforms.formats.html.soup.parse_soup` (BeautifulSoup over html.parser, converted to an
lxml tree) on every file, N times each after one warm-up, and counts the files on which
`transforms.decode.declared_charset` and bs4's `EncodingDetector.find_declared_encoding`
disagree, with the time each takes.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bs4.dammit import EncodingDetector
from lxml import etree

from transforms.decode import declared_charset
from transforms.formats.html.soup import parse_soup


def _cpu_per_file(work, inputs: list, repeat: int) -> float:
    for item in inputs[:3]:
        work(item)
    started = time.process_time()
    for _ in range(repeat):
        for item in inputs:
            work(item)
    return (time.process_time() - started) / (repeat * len(inputs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pattern")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(args.pattern))
    if not paths:
        print(f"no file matches {args.pattern!r}", file=sys.stderr)
        return 2
    raw = [Path(p).read_bytes() for p in paths]
    raw = [gzip.decompress(b) if p.endswith(".gz") else b for p, b in zip(paths, raw)]
    texts = [b.decode("utf-8", "replace") for b in raw]
    html_parser = etree.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True)
    lxml_s = _cpu_per_file(lambda t: etree.fromstring(t, html_parser), texts, args.repeat)
    soup_s = _cpu_per_file(parse_soup, texts, args.repeat)
    ours_s = _cpu_per_file(declared_charset, raw, args.repeat)
    bs4_s = _cpu_per_file(
        lambda b: EncodingDetector.find_declared_encoding(b, is_html=True), raw, args.repeat)
    differ = 0
    for data in raw:
        a = (declared_charset(data) or "").lower()
        b = (EncodingDetector.find_declared_encoding(data, is_html=True) or "").lower()
        differ += a != b
    print(json.dumps({
        "files": len(paths),
        "lxml_ms_per_file": round(lxml_s * 1000, 3),
        "bs4_ms_per_file": round(soup_s * 1000, 3),
        "bs4_speed_vs_lxml": round(lxml_s / soup_s, 3),
        "declared_charset_us_per_file": round(ours_s * 1e6, 1),
        "bs4_find_declared_encoding_us_per_file": round(bs4_s * 1e6, 1),
        "declared_charset_disagreements": differ,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
