"""Drops page-furniture blocks from a full page's paragraphs: labels, bylines, datelines,
sign-up prompts, and the teaser lists after a 'More from ...' heading.

A filter only: it names the paragraphs to drop and the rule that drops each. Rules are data
(`[[lines]]` and `[dateline]` in schemas/rules/html.toml).
"""
from __future__ import annotations

import re

from transforms.formats.html.rules import HtmlVocabulary

__all__ = ["furniture_lines"]

_TOKEN = re.compile(r"[^\W\d_]+|\d+")


def _is_dateline(text: str, vocab: HtmlVocabulary) -> bool:
    tokens = _TOKEN.findall(text.lower())
    if not tokens or len(tokens) > vocab.dateline_max_words * 2:
        return False
    words = [t for t in tokens if not t.isdigit()]
    if not words or len(words) > vocab.dateline_max_words or not any(t.isdigit() for t in tokens):
        return False
    return all(w in vocab.dateline_words for w in words)


def furniture_lines(paragraphs: list[str], vocab: HtmlVocabulary) -> dict[int, str]:
    """Paragraph index -> the name of the rule that makes it page furniture."""
    dropped: dict[int, str] = {}
    total = sum(len(p) for p in paragraphs) or 1
    seen = 0
    for index, text in enumerate(paragraphs):
        seen += len(text)
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
