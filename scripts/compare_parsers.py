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
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bs4.dammit import EncodingDetector
from lxml import etree

from transforms.decode import declared_charset
from transforms.formats.html.soup import parse_soup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_trafilatura import cpu_per_file, read_pages  # noqa: E402 - beside this script


def main(argv: list[str] | None = None) -> int:
    pages = read_pages(argv, argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    if pages is None:
        return 2
    paths, raw, texts, args = pages
    repeat = args.repeat
    html_parser = etree.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True)
    lxml_s = cpu_per_file(lambda t: etree.fromstring(t, html_parser), texts, repeat)
    soup_s = cpu_per_file(parse_soup, texts, repeat)
    ours_s = cpu_per_file(declared_charset, raw, repeat)
    bs4_s = cpu_per_file(
        lambda b: EncodingDetector.find_declared_encoding(b, is_html=True), raw, repeat)
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
