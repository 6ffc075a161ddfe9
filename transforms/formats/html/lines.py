"""Drops page-furniture blocks from a full page's paragraphs: labels, bylines, datelines,
sign-up prompts, the teaser lists after a 'More from ...' heading, and a second copy of
the article.

A filter only: it names the paragraphs to drop and the rule that drops each. Rules are data
(`[[lines]]`, `[dateline]` and `[repeat]` in schemas/rules/html.toml).
"""
from __future__ import annotations

import re

from transforms.rules import HtmlVocabulary

__all__ = ["furniture_lines"]

_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_LETTER = re.compile(r"[^\W\d_]")
_NO_WORDS_RUN = 3  # this many blocks in a row without a letter: a pager or a chart's labels


def _is_dateline(text: str, vocab: HtmlVocabulary) -> bool:
    tokens = _TOKEN.findall(text.lower())
    if not tokens or len(tokens) > vocab.dateline_max_words * 2:
        return False
    words = [t for t in tokens if not t.isdigit()]
    if not words or len(words) > vocab.dateline_max_words or not any(t.isdigit() for t in tokens):
        return False
    return all(w in vocab.dateline_words for w in words)


def repeated_runs(paragraphs: list[str], vocab: HtmlVocabulary) -> set[int]:
    """Indexes of a second copy of the paragraphs before it: the article printed twice on one
    page (a desktop and a mobile rendering). The copy must hold several distinct paragraphs
    and most of the text before it: a paragraph that recurs alone ('Advertisement', a
    refrain) or a list that repeats its own items (a meal plan) is left as it is."""
    first: dict[str, int] = {}
    repeats: set[int] = set()
    index, count = 0, len(paragraphs)
    while index < count:
        earlier = first.get(paragraphs[index])
        if earlier is not None:
            length = 0
            while (index + length < count and earlier + length < index
                   and paragraphs[earlier + length] == paragraphs[index + length]):
                length += 1
            run = paragraphs[index:index + length]
            chars = sum(map(len, run))
            if (len(set(run)) >= vocab.repeat_min_paragraphs and chars >= vocab.repeat_min_chars
                    and chars >= vocab.repeat_min_share * sum(map(len, paragraphs[:index]))):
                repeats.update(range(index, index + length))
                index += length
                continue
        first.setdefault(paragraphs[index], index)
        index += 1
    return repeats


def _letterless_runs(paragraphs: list[str]) -> list[int]:
    """Indexes of runs of one-word blocks without a letter ('1', '2', '3' of a slideshow's
    pager; '$915', '600', "'17" of a chart): a lone number ('2024' over a timeline entry) is
    left as it is, and so is a table's row of figures ('2021 40 1,200'), several words."""
    found: list[int] = []
    run: list[int] = []
    for index, text in enumerate([*paragraphs, "a"]):
        if " " not in text and not _LETTER.search(text):
            run.append(index)
            continue
        if len(run) >= _NO_WORDS_RUN:
            found.extend(run)
        run = []
    return found


def furniture_lines(paragraphs: list[str], vocab: HtmlVocabulary) -> dict[int, str]:
    """Paragraph index -> the name of the rule that makes it page furniture ('repeated' for
    a second copy of the article's paragraphs)."""
    dropped: dict[int, str] = dict.fromkeys(repeated_runs(paragraphs, vocab), "repeated")
    dropped.update(dict.fromkeys(_letterless_runs(paragraphs), "no_words"))
    total = sum(len(p) for p in paragraphs) or 1
    seen = 0
    for index, text in enumerate(paragraphs):
        seen += len(text)
        if index in dropped:
            continue
        if _is_dateline(text, vocab):
            dropped[index] = "dateline"
            continue
        for rule in vocab.line_rules:
            if not rule.pattern.fullmatch(text):
                continue
            if rule.action == "cut":
                if seen - len(text) >= 0.5 * total:
                    for rest in range(index, len(paragraphs)):
                        dropped[rest] = rule.name
                    return dropped
                continue
            dropped[index] = rule.name
            break
    return dropped
