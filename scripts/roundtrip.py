#!/usr/bin/env python3
"""Real text from other publishers through the splitter: each HTML page's record rendered as
dumps the three reference ways, split back, and compared with what was rendered.

    scripts/roundtrip.py PAGE [PAGE ...] [--show N] [--list]

PAGE is an input the project reads: an HTML page (gzip or not), such as
`../shared/data/html-benchmark/html/*.html.gz`, or a feed, each of whose items counts. The
reader's record of each article (image alt text, caption, credit, summary bullets,
body paragraphs) is the truth here, whether or not it is the page's true text: the question
is only whether a dump laid out from it (scripts/ablate_corpus.py's seedlike, w3m and
markdown renderers, with a syndication footer naming a publisher) splits back into the same
parts. The devset has 97 articles; a few hundred pages bring captions, credits and first
paragraphs of publishers the splitter was never tuned on. Fields compare as in
scripts/layouts.py. `--show N` prints the first N articles split wrong, field by field;
`--list` names every one. Everything runs in this process; nothing is written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ablate_corpus import LAYOUTS, render  # noqa: E402 - the reference renderers, beside this script
from layouts import FIELDS, wrong_fields  # noqa: E402

PUBLISHER = "Harbour Wire"  # invented: the footer every rendering ends with


def truths(pages: list[Path]):
    """(name, truth) for each article read from the inputs: one a page, one an item of a feed."""
    from schemas.record import Article
    from transforms.context import IngestContext
    from transforms.ingest import ingest_file
    from transforms.rules import load_rules

    ctx = IngestContext(load_rules(), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    for page in pages:
        articles = [a for a in ingest_file(page.read_bytes(), str(page), ctx) if isinstance(a, Article)]
        for number, article in enumerate(articles, start=1):
            name = page.name if len(articles) == 1 else f"{page.name}#{number}"
            yield name, {
                "image_alt": article.image_alt, "caption": article.caption,
                "caption_credit": article.caption_credit, "bullets": list(article.bullets),
                "paragraphs": list(article.paragraphs), "publisher": PUBLISHER,
                "boilerplate": [f"Read the original article on {PUBLISHER}"],
            }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=0, help="Print this many articles split wrong.")
    parser.add_argument("--list", action="store_true", help="Name every article split wrong.")
    args = parser.parse_args(argv)
    from transforms.rules import load_rules
    from transforms.split import split_dump

    rules = load_rules()
    right, total, fields = Counter(), Counter(), Counter()
    shown = 0
    for name, truth in truths(args.pages):
        for layout in LAYOUTS:
            parts = split_dump(render(truth, layout), rules)
            bad = wrong_fields(truth, parts)
            total[layout] += 1
            right[layout] += not bad
            fields.update((layout, f) for f in bad)
            if bad and args.list:
                print(f"{layout}\t{name}\t{','.join(bad)}")
            if bad and layout == "seedlike" and shown < args.show:
                shown += 1
                print(f"== {name}")
                for f in bad:
                    print(f"   {f}: rendered {truth.get(f)!r:.160}")
                    print(f"   {' ' * len(f)}  split    {getattr(parts, f)!r:.160}")
    print("| layout | all fields right | " + " | ".join(FIELDS) + " |")
    print("| --- | ---: |" + " ---: |" * len(FIELDS))
    for layout in LAYOUTS:
        n = total[layout]
        print(f"| {layout} | {right[layout]}/{n} | " + " | ".join(
            f"{n - fields[layout, f]}" for f in FIELDS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
