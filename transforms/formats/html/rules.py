"""Helpers over the HTML reader's vocabularies (schemas/rules/html.toml), which
transforms.rules loads, layers and compiles (RuleSet.html, an HtmlVocabulary)."""
from __future__ import annotations

import functools
import re

from transforms.rules import HtmlVocabulary, load_rules

__all__ = ["attr_words", "html_vocabulary"]

_SPLIT = re.compile(r"[\s_\-]+")


def attr_words(value) -> set[str]:
    """Class/id tokens and their parts: 'article-share__bar' -> {article-share__bar, article, share, bar}."""
    if not value:
        return set()
    if isinstance(value, (list, tuple)):
        value = " ".join(value)
    value = value.lower()
    words = set(value.split())
    words.update(w for w in _SPLIT.split(value) if w)
    return words


@functools.lru_cache(maxsize=1)
def html_vocabulary() -> HtmlVocabulary:
    """The shipped HTML vocabularies (a run uses `RuleSet.html`, which user rules may extend)."""
    return load_rules().html
