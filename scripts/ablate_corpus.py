#!/usr/bin/env python3
"""Re-renders a labelled corpus with parts taken away or swapped, then scores each variant.

    scripts/ablate_corpus.py CORPUS_DIR WORK_DIR [--scorer PATH] [--cli CMD]

CORPUS_DIR holds one folder per article with a truth.json (image_alt, caption,
caption_credit, bullets, paragraphs, publisher, boilerplate), like ../shared/data/devset.
From each truth this script writes the three dump layouts (seedlike, w3m, markdown) of:

  full       the article as it is (a check on the renderer: it should score as the corpus)
  nobullets  without its summary bullets
  noimage    without its image block (alt, caption, credit)
  bare       without either
  altcap     alt text identical to the caption
  nocredit   a caption without its credit
  footer0-4  each syndication footer style, naming the article's publisher
  shiftK     the caption credited with another article's credit (K = 1, 5, 11, 17)

and scores each (variant, layout) with the segmentation scorer, one pipeline run each (the
variants of an article share its body, so one run would count them as duplicates). It
measures how the splitter copes with layouts and credit styles the corpus does not hold
as such: a stand-in for articles from other publishers. Nothing here is tuned to a corpus.

Last, it counts the articles whose seedlike and w3m renderings get different article_ids
(deduplication across renderers needs them equal) and lists them.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

LAYOUTS = {"seedlike": "seedlike.txt", "w3m": "w3m.txt", "markdown": "markdown.md"}
FOOTERS = [
    "Read the original article on {p}",
    "This article was originally published by {p}. Read the original article.",
    "Read more of this story at {p}.",
    "The post {t} appeared first on {p}.",
    "See more stories on the business page.\n\nRead the original article on {p}",
]
SHIFTS = (1, 5, 11, 17)


def render(truth: dict, layout: str) -> str:
    """One dump of `truth` in `layout`, laid out as the corpus's renderers lay it out."""
    alt, caption, credit = truth.get("image_alt"), truth.get("caption"), truth.get("caption_credit")
    bullets, footer = truth.get("bullets") or [], list(truth.get("boilerplate") or [])
    blocks: list[str] = []
    if layout == "markdown":
        if alt or caption or credit:
            blocks.append(f"![{alt or ''}](https://img.example/a.jpg)")
            blocks += [text for text in (caption, credit) if text]
        if bullets:
            blocks.append("\n".join(f"* {b}" for b in bullets))
    else:
        head = [alt] if alt else ([""] if layout == "w3m" and (caption or credit) else [])
        if caption or credit:
            head.append((caption or "") + (credit or ""))  # the credit glued on
        if head:
            blocks.append("\n".join(head))
        if bullets:
            listed = "\n".join(f"  • {b}" for b in bullets)
            if layout == "seedlike" and blocks:
                blocks[-1] += "\n" + listed
            else:
                blocks.append(listed)  # a text browser leaves a blank line before a list
    return "\n\n".join(blocks + list(truth["paragraphs"]) + footer) + "\n"


def variants(cases: list[tuple[str, dict]]):
    """(variant, case, truth) for every variant that applies to a case."""
    credited = [(name, t) for name, t in cases if t.get("caption") and t.get("caption_credit")]
    credits = [t["caption_credit"] for _, t in credited]
    for name, t in cases:
        yield "full", name, t
        yield "nobullets", name, {**t, "bullets": []}
        no_image = {**t, "image_alt": None, "caption": None, "caption_credit": None}
        yield "noimage", name, no_image
        yield "bare", name, {**no_image, "bullets": []}
        if t.get("caption") and t.get("caption_credit"):
            yield "altcap", name, {**t, "image_alt": t["caption"]}
            yield "nocredit", name, {**t, "caption_credit": None}
        if t.get("publisher") and t["paragraphs"]:
            title = " ".join(t["paragraphs"][0].split()[:6])
            for k, style in enumerate(FOOTERS):
                footer = style.format(p=t["publisher"], t=title).split("\n\n")
                yield f"footer{k}", name, {**t, "boilerplate": footer}
    for shift in SHIFTS:
        for i, (name, t) in enumerate(credited):
            yield f"shift{shift}", name, {**t, "caption_credit": credits[(i + shift) % len(credits)]}


def read_ids(articles: Path) -> dict[str, str]:
    """case folder -> article_id, from one run's articles dataset."""
    import pyarrow.dataset as ds

    if not articles.exists():
        return {}
    table = ds.dataset(articles, format="parquet", partitioning="hive").to_table(
        columns=["source_uri", "article_id"])
    uris, ids = (table.column(c).to_pylist() for c in ("source_uri", "article_id"))
    return {Path(uri).parent.name: aid for uri, aid in zip(uris, ids)}


def disagreements(ids: dict[str, dict[str, dict[str, str]]], a: str = "seedlike", b: str = "w3m"):
    """(variant, case) pairs whose renderings in layouts a and b got different ids (or one none).

    ids: layout -> variant -> case -> article_id. Returns (sorted differing pairs, pairs seen).
    """
    pairs = {(v, c) for layout in (a, b) for v, cases in ids.get(layout, {}).items() for c in cases}
    def id_of(layout, pair):
        return ids.get(layout, {}).get(pair[0], {}).get(pair[1])

    differ = sorted(p for p in pairs if id_of(a, p) != id_of(b, p))
    return differ, len(pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("work", type=Path, help="Where the variants and outputs are written.")
    parser.add_argument("--scorer", type=Path, default=None,
                        help="score_segmentation.py (default: CORPUS/../../tools/score_segmentation.py)")
    parser.add_argument("--cli", default=f"{shlex.quote(sys.executable)} -m pipeline",
                        help="The command that runs the pipeline (default: this Python's -m pipeline).")
    args = parser.parse_args(argv)
    scorer = args.scorer or args.corpus.resolve().parent.parent / "tools" / "score_segmentation.py"
    cases = [(p.name, json.loads((p / "truth.json").read_text(encoding="utf-8")))
             for p in sorted(args.corpus.iterdir()) if (p / "truth.json").is_file()]
    for variant, name, truth in variants(cases):
        for layout, file_name in LAYOUTS.items():
            folder = args.work / "corpus" / layout / variant / name
            folder.mkdir(parents=True, exist_ok=True)
            (folder / file_name).write_text(render(truth, layout), encoding="utf-8")
            (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    print("| variant | " + " | ".join(LAYOUTS) + " |")
    print("| --- |" + " ---: |" * len(LAYOUTS))
    for variant in sorted(os.listdir(args.work / "corpus" / "seedlike")):
        cells = []
        for layout, file_name in LAYOUTS.items():
            corpus = args.work / "corpus" / layout / variant
            out = args.work / "out" / layout / variant
            subprocess.run([*shlex.split(args.cli), "run", "--input", f"{corpus}/*/{file_name}",
                            "--output", str(out), "--progress", "off"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            scored = subprocess.run([sys.executable, str(scorer), str(corpus), str(out / "articles"), layout],
                                    capture_output=True, text=True, check=False)
            line = scored.stdout.strip().splitlines()[-1]  # "<layout>: all fields right in A/B = ..."
            cells.append(line.split(" in ", 1)[1].split(" =", 1)[0])
        print(f"| {variant} | " + " | ".join(cells) + " |")
    ids = {layout: {variant: read_ids(args.work / "out" / layout / variant / "articles")
                    for variant in os.listdir(args.work / "out" / layout)} for layout in LAYOUTS}
    differ, seen = disagreements(ids)
    print(f"\nseedlike and w3m renderings with different article_ids: {len(differ)} of {seen}")
    for variant, name in differ:
        print(f"  {variant} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
