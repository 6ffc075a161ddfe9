#!/usr/bin/env python3
"""Renders a labelled corpus in layouts real dumps come in beyond the reference three, one
change at a time, and counts the articles split right in each.

    scripts/layouts.py CORPUS_DIR [--only PREFIX ...]

CORPUS_DIR is laid out as for scripts/ablate_corpus.py (one folder per article holding a
truth.json). Each variant is the reference text layout (ablate_corpus.render's seedlike)
with one thing changed:

  bul_*       other bullet markers ('- ', '* ', '• ', '1. ', '1) ', a tab), bullets in a
              block of their own, bullets wrapped at 72 columns
  cred_*      the credit on its own line, after a space, in brackets, with a label
              (Photo:, Credit:, Image:, Foto:, ©), or before the caption
  noalt_*     no alt line, the credit glued, on its own line, or after a space
  md_*        markdown dumps with a labelled credit, an italic caption, or caption and
              credit on one line
  para_*, bare_*, wrap*
              paragraphs hard-wrapped at 72 or 80 columns, with or without blank lines
              between them, with or without an image block and bullets
  title_*, byline_*, dateline*
              a title line (plain or '# '), a byline or a date line above the body
  tail_*, foot_NN
              'Share this article' and 'Tags:' trailers, and 19 footer wordings naming
              the publisher

A field is right when it equals the truth after the segmentation scorer's normalization
(Unicode NFC, no-break spaces and invisible format characters ignored, whitespace
collapsed). Everything runs in this process (`transforms.ingest.ingest_file`); nothing is
written. Nothing here is tuned to a corpus: it measures layouts the corpus does not hold.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ablate_corpus import render  # noqa: E402 - the reference renderer, beside this script

FIELDS = ("image_alt", "caption", "caption_credit", "bullets", "paragraphs", "publisher")
# Footer wordings, each naming the publisher ({p}); invented for this script.
FOOTERS = (
    "This article originally appeared on {p}.", "This story originally appeared on {p}.",
    "Originally published on {p}", "Source: {p}", "Read the full article on {p}",
    "Read the original story on {p}.", "Read more on {p}", "Read the full story at {p}",
    "Dieser Artikel erschien zuerst auf {p}.", "Der Artikel erschien zuerst bei {p}.",
    "Cet article a été publié initialement sur {p}.", "Este artículo se publicó originalmente en {p}.",
    "Questo articolo è stato pubblicato originariamente su {p}.",
    "© 2024 {p}. All rights reserved.", "Copyright © {p} 2024", "Read the original article on {p} ",
    "Read the original article on {p}.", "READ THE ORIGINAL ARTICLE ON {p}",
    "[Read the original article on {p}](https://example.com/a)",
)


def seed(truth: dict, *, bullet: str = "  • ", bullet_block: bool = False, head: list | None = None,
         para_sep: str = "\n\n", wrap: int | None = None, pre: tuple = (), mid: tuple = (),
         post: tuple = (), footer: list | None = None, bullet_wrap: int | None = None) -> str:
    """The reference text layout of `truth`, with knobs; `head` replaces the image block's
    lines, and 'N' in `bullet` is the bullet's number."""
    alt, caption, credit = truth.get("image_alt"), truth.get("caption"), truth.get("caption_credit")
    if head is None:
        head = ([alt] if alt else []) + ([(caption or "") + (credit or "")] if caption or credit else [])
    head, blocks = list(head), list(pre)
    bullets = []
    for number, text in enumerate(truth.get("bullets") or [], 1):
        marker = bullet.replace("N", str(number))
        bullets += (textwrap.wrap(text, bullet_wrap, break_on_hyphens=False, initial_indent=marker,
                                  subsequent_indent=" " * len(marker)) if bullet_wrap else [marker + text])
    if bullets and head and not bullet_block:
        head += bullets
    elif bullets:
        blocks += ["\n".join(part) for part in (head, bullets) if part]
        head = []
    if head:
        blocks.append("\n".join(head))
    paragraphs = [("\n".join(textwrap.wrap(p, wrap, break_long_words=False, break_on_hyphens=False))
                   if wrap else p) for p in truth["paragraphs"]]
    text = "\n\n".join([*blocks, *mid, para_sep.join(paragraphs)])
    tail = [*(truth.get("boilerplate") or [] if footer is None else footer), *post]
    return text + ("\n\n" + "\n\n".join(tail) if tail else "") + "\n"


def _title(truth: dict) -> str:
    """A headline made of the first paragraph's first eight words (in a script without
    spaces, its first 16 characters)."""
    words = re.sub(r"[\"“”„]", "", truth["paragraphs"][0]).split()[:8]
    title = " ".join(words)
    return (title if len(title) <= 80 else title[:16]).rstrip(",.;:-–—、。，")


def variants(cases: list[tuple[str, dict]]) -> Iterator[tuple[str, str, dict, str, str]]:
    """(variant, case, truth, text, file name) for each article and each variant that
    applies to it (a credit variant needs a credit, and so on)."""
    for name, t in cases:
        alt, cap, cred = t.get("image_alt"), t.get("caption"), t.get("caption_credit")
        yield "ref_seedlike", name, t, render(t, "seedlike"), "x.txt"
        yield "ref_w3m", name, t, render(t, "w3m"), "x.txt"
        yield "ref_markdown", name, t, render(t, "markdown"), "x.md"
        if t.get("bullets"):
            for variant, marker in (("bul_dash", "- "), ("bul_star", "* "), ("bul_dot0", "• "),
                                    ("bul_num", "N. "), ("bul_tab", "\t• "), ("bul_num_paren", "N) ")):
                yield variant, name, t, seed(t, bullet=marker), "x.txt"
            yield "bul_dash_block", name, t, seed(t, bullet="- ", bullet_block=True), "x.txt"
            yield "bul_wrap72", name, t, seed(t, bullet_wrap=72), "x.txt"
        if cap and cred:
            a = [alt] if alt else []
            labelled = {**t, "caption_credit": f"Photo: {cred}"}
            copyright_ = {**t, "caption_credit": f"© {cred}"}
            no_alt = {**t, "image_alt": None}
            yield "cred_line", name, t, seed(t, head=[*a, cap, cred]), "x.txt"
            yield "cred_space", name, t, seed(t, head=[*a, f"{cap} {cred}"]), "x.txt"
            yield "cred_paren", name, t, seed(t, head=[*a, f"{cap} ({cred})"]), "x.txt"
            for label in ("Photo", "Credit", "Image", "Foto"):
                t2 = {**t, "caption_credit": f"{label}: {cred}"}
                yield f"cred_{label.lower()}_line", name, t2, seed(t2, head=[*a, cap, f"{label}: {cred}"]), "x.txt"
            yield "cred_photo_space", name, labelled, seed(labelled, head=[*a, f"{cap} Photo: {cred}"]), "x.txt"
            yield "cred_photo_parenline", name, labelled, seed(labelled, head=[*a, cap, f"(Photo: {cred})"]), "x.txt"
            yield "cred_copy_line", name, copyright_, seed(copyright_, head=[*a, cap, f"© {cred}"]), "x.txt"
            yield "cred_first", name, t, seed(t, head=[*a, cred, cap]), "x.txt"
            only = {**t, "image_alt": None, "caption": None, "caption_credit": f"Photo: {cred}"}
            yield "cred_only_photo", name, only, seed(only, head=[f"Photo: {cred}"]), "x.txt"
            yield "noalt_glued", name, no_alt, seed(no_alt), "x.txt"
            yield "noalt_credline", name, no_alt, seed(no_alt, head=[cap, cred]), "x.txt"
            yield "noalt_space", name, no_alt, seed(no_alt, head=[f"{cap} {cred}"]), "x.txt"
            md = render(t, "markdown")
            yield "md_cred_photo", name, labelled, md.replace(f"\n\n{cred}\n\n", f"\n\nPhoto: {cred}\n\n", 1), "x.md"
            yield "md_cap_italic", name, t, md.replace(f"\n\n{cap}\n\n", f"\n\n*{cap}*\n\n", 1), "x.md"
            one_line = md.replace(f"\n\n{cap}\n\n{cred}\n\n", f"\n\n{cap} {cred}\n\n", 1)
            yield "md_capcred_oneline", name, t, one_line, "x.md"
        bare = {**t, "image_alt": None, "caption": None, "caption_credit": None, "bullets": []}
        yield "para_noblank", name, t, seed(t, para_sep="\n"), "x.txt"
        yield "para_wrap72", name, t, seed(t, wrap=72), "x.txt"
        yield "para_wrap80", name, t, seed(t, wrap=80), "x.txt"
        yield "bare_wrap72", name, bare, seed(bare, wrap=72), "x.txt"
        yield "wrap72_noblank", name, t, seed(t, wrap=72, para_sep="\n"), "x.txt"
        yield "title_plain", name, t, seed(t, pre=(_title(t),)), "x.txt"
        yield "title_md", name, t, f"# {_title(t)}\n\n" + seed(t), "x.txt"
        yield "byline", name, t, seed(t, mid=("By Jane Roe",)), "x.txt"
        yield "dateline", name, t, seed(t, mid=("March 3, 2024",)), "x.txt"
        yield "tail_share", name, t, seed(t, post=("Share this article",)), "x.txt"
        yield "tail_tags", name, t, seed(t, post=("Tags: Politics, Europe, Economy",)), "x.txt"
        if t.get("publisher") and t["paragraphs"]:
            for number, wording in enumerate(FOOTERS):
                t5 = {**t, "boilerplate": [wording.format(p=t["publisher"])]}
                yield f"foot_{number:02d}", name, t5, seed(t5), "x.md" if wording.startswith("[") else "x.txt"


def _norm(value):
    """The segmentation scorer's normalization."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [v for v in (_norm(x) for x in value) if v and any(c.isalnum() for c in v)]
    text = unicodedata.normalize("NFC", str(value)).replace("\xa0", " ")
    text = re.sub("[\u00ad\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"\s+", " ", text).strip() or None


def wrong_fields(truth: dict, outcome) -> list[str]:
    """The FIELDS `outcome` (an Article, Parts or Reject) gets wrong against `truth`; an
    empty list and None are the same."""
    def value(f):
        return _norm(getattr(outcome, f, None))
    return [f for f in FIELDS if not (_norm(truth.get(f)) in ([], None) and value(f) in ([], None)
                                      or _norm(truth.get(f)) == value(f))]


def score(cases: list[tuple[str, dict]], only: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """variant -> (articles with every field right, articles)."""
    from transforms.context import IngestContext
    from transforms.ingest import ingest_file
    from transforms.rules import load_rules

    ctx = IngestContext(load_rules(), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    right, total = Counter(), Counter()
    for variant, name, truth, text, file_name in variants(cases):
        if only and not variant.startswith(only):
            continue
        outcome = next(iter(ingest_file(text.encode("utf-8"), f"mem://{name}/{file_name}", ctx)))
        total[variant] += 1
        right[variant] += not wrong_fields(truth, outcome)
    return {variant: (right[variant], total[variant]) for variant in total}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--only", nargs="*", default=(), help="Variants whose names start so.")
    args = parser.parse_args(argv)
    cases = [(p.name, json.loads((p / "truth.json").read_text(encoding="utf-8")))
             for p in sorted(args.corpus.iterdir()) if (p / "truth.json").is_file()]
    print("| variant | all fields right |")
    print("| --- | ---: |")
    for variant, (right, total) in score(cases, tuple(args.only)).items():
        print(f"| {variant} | {right}/{total} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
