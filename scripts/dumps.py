#!/usr/bin/env python3
"""Synthetic article dumps: the one generator the scripts and the tests share.

    scripts/dumps.py OUT_DIR N [--seed S] [--size real|small] [--mix text|real] [--dups]
                     [--html-copy] [--jobs J]

Two families, both deterministic and made of invented text (no sentence is copied from real
articles):

- Template dumps (`dump`, `body`, `long_dump`): a few lines in the reference text layout,
  different for every n. Tests and the hostile-input and kill scripts use them where an
  exact, readable article matters more than realism.
- Generated articles (`article`, rendered by `render`): the parts of a news article (image
  alt, caption with its photo credit, summary bullets, body paragraphs, a syndication
  footer), with words invented from syllables. Some accented letters, typographic quotes and
  dashes, a few decomposed (NFD) letters, soft hyphens and CJK articles make most lines
  non-ASCII, as in real news. Sizes:
  - `real`: the body size of real news articles, log-normal with a median of about 5 KiB
    a file and a long tail cut at 50 KiB (mean about 6 KiB);
  - `small`: the earlier benchmark's shorter articles (about 2-3 KiB).
  One article renders as a text dump in the reference layout (alt line, caption glued to
  its credit, '  • ' bullets, paragraphs, footer), a markdown dump, a small HTML page (the
  feed item's HTML, what trafilatura is given), or an RSS feed with the article as its item.

`write_corpus` writes N of them under a folder, 1000 a sub-folder, and with `--mix real` a
share of them as HTML pages and feeds rather than text dumps. Dump i depends only on
(seed, i, size, mix), so the same command writes the same bytes, and a file whose bytes are
already right is not rewritten (its mtime stays): writing N, then N + 200, gives an
incremental run exactly 200 new inputs.

This file imports nothing from the project: tests load it by path (tests/_dumps.py), the
scripts import it from next to them.
"""
from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import unicodedata
from pathlib import Path

__all__ = [
    "FEED_SHARE", "HTML_SHARE", "article", "body", "dump", "long_dump", "render", "render_feed",
    "render_html", "render_text", "write_corpus",
]

# ---------------------------------------------------------------------------------------------
# Template dumps: short, exact, readable.

TOWNS = ["Amberly", "Brockhollow", "Cindervale", "Duskmoor", "Eastfold", "Fernwick", "Gallowmere",
         "Hartsgrove", "Ivyreach", "Juniper Quay", "Kestrel Ford", "Larkspur"]


def body(n: int) -> list[str]:
    """Two or three paragraphs that differ for every n."""
    town = TOWNS[n % len(TOWNS)]
    paragraphs = [
        f"The council of {town} voted {n + 3} to {n % 5} on Tuesday to reopen the old pier "
        "for anglers.",
        f"Repairs to plank row {n} will take about {n % 7 + 2} weeks, the harbour keeper told "
        "reporters.",
    ]
    if n % 2:
        paragraphs.append(f"Visitors from {TOWNS[(n + 5) % len(TOWNS)]} are expected once the "
                          "work ends.")
    return paragraphs


def dump(n: int, publisher: str = "Pier Bulletin", credit: str = "Rui Tamm/Harbour Photos") -> str:
    """The n-th template dump: alt line, caption glued to its credit, a bullet, body, footer."""
    lines = [f"Anglers at the {TOWNS[n % len(TOWNS)]} pier",
             f"Anglers line the railing of the pier at first light.{credit}",
             f"  • The pier reopens in spring, case {n}.", ""]
    for paragraph in body(n):
        lines += [paragraph, ""]
    lines.append(f"Read the original article on {publisher}")
    return "\n".join(lines) + "\n"


def long_dump(n: int) -> str:
    """dump(n) with six more paragraphs: long enough for one edit to leave it a near-duplicate."""
    extra = "".join(f"Stall {k} of the fish market in case {n} sells smoked eel, pickled "
                    f"herring and rye bread to the anglers who come down before dawn on "
                    f"weekday {k}.\n\n"
                    for k in range(6))
    return dump(n).replace("Read the original", extra + "Read the original")


# ---------------------------------------------------------------------------------------------
# Generated articles. Words come from a fixed invented lexicon (built once from syllables),
# drawn with Zipf-like weights so that frequent short words dominate, as in prose.

_ONSETS = ("b", "br", "d", "f", "g", "h", "k", "kl", "l", "m", "n", "p", "r", "s", "st", "t",
           "tr", "v", "z", "sh", "ch", "w", "j", "")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "a", "e", "o")
_ACCENTED = ("ü", "ä", "é", "ö", "ó", "í", "á", "å", "ø", "ú", "ı", "ş", "ğ", "ł", "ę", "à", "è",
             "ñ", "ß", "æ")
_CODAS = ("", "", "", "n", "r", "s", "l", "m", "nd", "st", "k", "th", "rt")
_GLUE = ("the", "of", "and", "to", "in", "a", "for", "on", "with", "that", "was", "by", "from",
         "at", "as", "said", "after", "will", "its", "their", "is", "has", "it", "an", "be")
_CJK = ("的一是在不了有和人这中大为上个国我以要他时来用们"
        "生到作地于出就分对成会可主发年动同工也能下过子说")
_AGENCIES = ("AP", "Reuters", "AFP via Getty Images", "Getty Images", "dpa", "EPA-EFE", "Bloomberg",
             "Anadolu Agency via Getty Images", "Xinhua", "Handout", "Tidewater Press")
_PAPERS = ("Post", "Herald", "Times", "Courier", "Daily", "Gazette", "Ledger", "Tribune", "Zeitung")
_BULLET_MARKS = ("  • ", "  • ", "  • ", "  • ", "* ", "- ")
_QUOTES = (("“", "”"), ("„", "“"), ("«", "»"), ('"', '"'))

# Shares of the `real` mix (the rest are text dumps in the reference layout or markdown).
HTML_SHARE = 0.12
FEED_SHARE = 0.06
_MAX_BYTES = 50 * 1024
_MEDIAN_BYTES = 4600  # plus the image block, bullets and footer: about 5 KiB a file
_SIGMA = 0.6  # log-normal spread: mean about 6 KiB, 99th percentile about 20 KiB


def _build_lexicon() -> tuple[list[str], list[float]]:
    rng = random.Random("article-ingest lexicon 1")
    words: list[str] = list(_GLUE)
    seen = set(words)
    while len(words) < 6000:
        syllables = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 2, 3))):
            vowel = rng.choice(_ACCENTED) if rng.random() < 0.03 else rng.choice(_VOWELS)
            syllables.append(rng.choice(_ONSETS) + vowel + rng.choice(_CODAS))
        word = "".join(syllables)
        if word not in seen:
            seen.add(word)
            words.append(word)
    words[len(_GLUE):] = sorted(words[len(_GLUE):], key=len)  # frequent words are short ones
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 2.7)  # Zipf-Mandelbrot
        cumulative.append(total)
    return words, cumulative


_LEXICON, _CUMULATIVE = _build_lexicon()


def _words(rng: random.Random, k: int) -> list[str]:
    return rng.choices(_LEXICON, cum_weights=_CUMULATIVE, k=k)


def _name(rng: random.Random) -> str:
    return rng.choice(_LEXICON[len(_GLUE) + 200:]).capitalize()


def _sentence(rng: random.Random, low: int = 8, high: int = 30, cjk: bool = False) -> str:
    if cjk:
        chars = rng.choices(_CJK, k=rng.randint(low * 2, high * 2))
        return "".join(chars) + rng.choice("。。。？！")
    words = _words(rng, rng.randint(low, high))
    words[0] = words[0].capitalize()
    for _ in range(rng.randint(0, 2)):  # proper names
        words[rng.randrange(len(words))] = _name(rng)
    roll = rng.random()
    if roll < 0.12:
        words.insert(rng.randrange(1, len(words) + 1), str(rng.randint(2, 2030)))
    elif roll < 0.2:
        spot = rng.randrange(1, len(words))
        words[spot] = words[spot] + rng.choice((",", ",", " –", " —", ":"))
    text = " ".join(words) + rng.choice("......?!")
    if rng.random() < 0.12:
        left, right = rng.choice(_QUOTES)
        text = f"{left}{text}{right} {rng.choice(_LEXICON[:30])} {_name(rng)} {_name(rng)}."
    elif rng.random() < 0.05:
        text = text.replace("'", "’") + f" {_name(rng)}’s {rng.choice(_LEXICON[100:400])}."
    return text


def _paragraph(rng: random.Random, cjk: bool) -> str:
    return " ".join(_sentence(rng, cjk=cjk) for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))))


def target_bytes(rng: random.Random, size: str) -> int:
    """The body size of one article: `real` is log-normal (median 5 KiB, cut at 50 KiB)."""
    if size == "small":
        return rng.randint(900, 4000)
    return int(min(_MAX_BYTES, max(600.0, rng.lognormvariate(math.log(_MEDIAN_BYTES), _SIGMA))))


def article(index: int, seed: int = 0, size: str = "real", mix: str = "text") -> dict:
    """The parts of generated article `index`, and `kind`: how it is rendered."""
    rng = random.Random(f"{seed}:{index}:{size}")
    cjk = rng.random() < 0.03
    person = f"{_name(rng)} {_name(rng)}"
    publisher = f"{_name(rng)} {rng.choice(_PAPERS)}"
    parts: dict = {"alt": None, "caption": None, "credit": None, "credit_style": None,
                   "bullets": [], "paragraphs": [], "footer": None, "publisher": publisher,
                   "title": _sentence(rng, 5, 11, cjk).rstrip(".?!。？！"), "index": index}
    if rng.random() < 0.8:
        parts["caption"] = _sentence(rng, 10, 24, cjk).rstrip(".?!") + "."
        if rng.random() < 0.9:
            parts["alt"] = _sentence(rng, 4, 12, cjk).rstrip(".?!。？！")
        if rng.random() < 0.9:
            parts["credit"] = f"{person}/{rng.choice(_AGENCIES)}"
            parts["credit_style"] = rng.choice(("glued",) * 7 + ("label", "paren"))
    if rng.random() < 0.7:
        parts["bullets"] = [_sentence(rng, 10, 22, cjk) for _ in range(rng.randint(2, 4))]
    want = target_bytes(rng, size)
    have = 0
    while have < want or len(parts["paragraphs"]) < 2:
        paragraph = _paragraph(rng, cjk)
        if rng.random() < 0.01:  # a publisher's hyphenation hint
            paragraph = paragraph.replace("a", "a\u00ad", 1)
        parts["paragraphs"].append(paragraph)
        have += len(paragraph.encode("utf-8")) + 2
    if rng.random() < 0.02:  # decomposed letters, as some CMSs write them
        parts["paragraphs"][0] = unicodedata.normalize("NFD", parts["paragraphs"][0])
    roll = rng.random()
    if roll < 0.5:
        parts["footer"] = f"Read the original article on {publisher}"
    elif roll < 0.65:
        parts["footer"] = f"This article was originally published by {publisher}."
    elif roll < 0.75:
        parts["footer"] = f"The post {parts['title']} appeared first on {publisher}."
    elif roll < 0.8:
        parts["footer"] = f"Follow {publisher} on Instagram for more stories."
    roll = rng.random()
    if mix == "real" and roll < HTML_SHARE:
        kind = "html"
    elif mix == "real" and roll < HTML_SHARE + FEED_SHARE:
        kind = "feed"
    else:
        roll = rng.random()
        kind = ("markdown" if roll < 0.1 else "crlf" if roll < 0.15 else
                "empty" if roll < 0.155 else "footer_only" if roll < 0.16 else "text")
    parts["kind"] = kind
    parts["bullet_mark"] = rng.choice(_BULLET_MARKS)
    parts["trailing_space"] = rng.random() < 0.3
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
    """The article as a text dump in the reference layout (markdown or CRLF per its `kind`)."""
    kind = parts["kind"]
    if kind == "empty":
        return "\n"
    if kind == "footer_only":
        return f"{parts['footer'] or 'Read the original article on ' + parts['publisher']}\n"
    if kind == "markdown":
        out = []
        if parts["caption"]:
            out += [f"![{parts['alt'] or ''}](https://img.example/{parts['index']}.jpg)", "",
                    _caption_line(parts), ""]
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
    space = " " if parts["trailing_space"] else ""
    for paragraph in parts["paragraphs"]:
        out += [paragraph + space, ""]
    if parts["footer"]:
        out += ["\u00a0", "", parts["footer"]]
    text = "\n".join(out) + "\n"
    return text.replace("\n", "\r\n") if kind == "crlf" else text


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _item_html(parts: dict) -> str:
    body = []
    if parts["caption"]:
        credit = (f" <span class=\"credit\">{_esc(parts['credit'])}</span>"
                  if parts["credit"] else "")
        body.append(f"<figure><img src=\"https://img.example/{parts['index']}.jpg\" "
                    f"alt=\"{_esc(parts['alt'] or '')}\"><figcaption>{_esc(parts['caption'])}"
                    f"{credit}</figcaption></figure>")
    if parts["bullets"]:
        body.append("<ul>" + "".join(f"<li>{_esc(b)}</li>" for b in parts["bullets"]) + "</ul>")
    body += [f"<p>{_esc(p)}</p>" for p in parts["paragraphs"]]
    if parts["footer"]:
        body.append(f"<p class=\"footer\">{_esc(parts['footer'])}</p>")
    return "".join(body)


def render_html(parts: dict) -> str:
    """The article as a small HTML page (the feed item's HTML): figure, bullets, paragraphs."""
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>"
            f"{_esc(parts['title'])}</title></head><body><article><h1>{_esc(parts['title'])}</h1>"
            f"{_item_html(parts)}</article></body></html>\n")


def render_feed(parts: dict) -> str:
    """The article as an RSS 2.0 feed with one item whose content:encoded is its HTML."""
    day = parts["index"] % 28 + 1
    return ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
            f"<channel><title>{_esc(parts['publisher'])}</title><link>https://news.example/</link>"
            f"<item><title>{_esc(parts['title'])}</title>"
            f"<link>https://news.example/a/{parts['index']}</link>"
            f"<pubDate>Mon, {day:02d} Jun 2025 08:00:00 +0000</pubDate>"
            f"<content:encoded><![CDATA[{_item_html(parts)}]]></content:encoded></item>"
            "</channel></rss>\n")


_SUFFIXES = {"html": ".html", "feed": ".xml", "markdown": ".md"}


def render(parts: dict) -> tuple[str, str]:
    """(file suffix, content) of the article as its `kind` says."""
    if parts["kind"] == "html":
        return ".html", render_html(parts)
    if parts["kind"] == "feed":
        return ".xml", render_feed(parts)
    return _SUFFIXES.get(parts["kind"], ".txt"), render_text(parts)


def _edited(parts: dict, rng: random.Random, near: bool) -> dict:
    """The same article syndicated again under another footer, or (near) with one edit."""
    parts = dict(parts, paragraphs=list(parts["paragraphs"]))
    parts["footer"] = f"Read the original article on {_name(rng)} {rng.choice(_PAPERS)}"
    if near:
        k = rng.randrange(len(parts["paragraphs"]))
        parts["paragraphs"][k] += " Details remain unclear."
    return parts


def corpus_item(index: int, seed: int = 0, size: str = "real", mix: str = "text",
                dups: bool = False) -> tuple[dict, str, str]:
    """(parts, suffix, content) of corpus file `index`. With `dups`, about 2% repeat an
    earlier article under another footer and 1% repeat one with a paragraph edited."""
    parts = article(index, seed, size, mix)
    if dups and index > 0:
        rng = random.Random(f"{seed}:{index}:dup")
        roll = rng.random()
        if roll < 0.03:
            source = article(rng.randrange(index), seed, size, "text")
            parts = _edited(source, rng, near=roll >= 0.02)
    suffix, content = render(parts)
    return parts, suffix, content


def _write_if_changed(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.write_bytes(data)
    return True


def _write_folder(task: tuple) -> dict:
    """Writes corpus files start..stop-1 (one folder's); returns what write_corpus sums."""
    root, folder, start, stop, seed, size, mix, dups, html_copy = task
    sizes = {"dumps": 0, "html": 0}
    kinds: dict[str, int] = {}
    written = 0
    (root / "dumps" / folder).mkdir(parents=True, exist_ok=True)
    if html_copy:
        (root / "html" / folder).mkdir(parents=True, exist_ok=True)
    for index in range(start, stop):
        parts, suffix, content = corpus_item(index, seed, size, mix, dups)
        data = content.encode("utf-8")
        written += _write_if_changed(root / "dumps" / folder / f"{index:07d}{suffix}", data)
        sizes["dumps"] += len(data)
        kinds[parts["kind"]] = kinds.get(parts["kind"], 0) + 1
        if html_copy:
            page = (content if parts["kind"] == "html" else render_html(parts)).encode("utf-8")
            _write_if_changed(root / "html" / folder / f"{index:07d}.html", page)
            sizes["html"] += len(page)
    return {"bytes": sizes, "kinds": kinds, "written": written}


def write_corpus(root: str | Path, n: int, seed: int = 0, *, size: str = "real", mix: str = "text",
                 dups: bool = False, html_copy: bool = False, per_folder: int = 1000,
                 jobs: int = 1) -> dict:
    """Writes N inputs under ROOT/dumps/NNNNN/ (and, with `html_copy`, every article as an HTML
    page under ROOT/html/NNNNN/, for a peer extractor). Returns the bytes and counts written.
    With `jobs` > 1, that many processes write a folder each at a time: the same files and the
    same result as one."""
    root = Path(root)
    tasks = [(root, f"{start // per_folder:05d}", start, min(n, start + per_folder), seed, size,
              mix, dups, html_copy) for start in range(0, n, per_folder)]
    total: dict = {"bytes": {"dumps": 0, "html": 0}, "kinds": {}, "written": 0}
    if jobs > 1 and len(tasks) > 1:
        # fork: the workers inherit this module (the tests load it by path, not by name).
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(tasks)))
        results = pool.imap(_write_folder, tasks)
    else:
        pool, results = None, map(_write_folder, tasks)
    try:
        for result in results:  # in folder order: the kinds are counted in the same order
            for key, value in result["bytes"].items():
                total["bytes"][key] += value
            for kind, count in result["kinds"].items():
                total["kinds"][kind] = total["kinds"].get(kind, 0) + count
            total["written"] += result["written"]
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", choices=("real", "small"), default="real")
    parser.add_argument("--mix", choices=("text", "real"), default="text",
                        help="text: text and markdown dumps only; real: also HTML pages and feeds")
    parser.add_argument("--dups", action="store_true",
                        help="About 2%% exact and 1%% near duplicates.")
    parser.add_argument("--html-copy", action="store_true", help="Also every article as HTML.")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="Processes writing folders of 1000 at once (default: the CPUs).")
    args = parser.parse_args(argv)
    info = write_corpus(args.out_dir, args.n, args.seed, size=args.size, mix=args.mix,
                        dups=args.dups, html_copy=args.html_copy, jobs=args.jobs)
    print(json.dumps(info), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
