"""The HTML reader's vocabularies (schemas/rules/html.toml), loaded and compiled once."""
from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from importlib import resources

__all__ = ["HtmlVocabulary", "LineRule", "attr_words", "html_vocabulary"]

_SPLIT = re.compile(r"[\s_\-]+")


@dataclasses.dataclass(frozen=True)
class LineRule:
    """A whole-block furniture rule for full pages: 'drop' the block or 'cut' it and the rest."""

    name: str
    action: str
    pattern: re.Pattern[str]


@dataclasses.dataclass(frozen=True)
class HtmlVocabulary:
    drop_tags: frozenset[str]
    page_drop_tags: frozenset[str]
    short_drop_tags: frozenset[str]
    short_chars: int
    furniture: frozenset[str]
    keep: frozenset[str]
    body: frozenset[str]
    body_re: re.Pattern[str]
    summary: frozenset[str]
    captions: frozenset[str]
    credit: frozenset[str]
    credit_tags: frozenset[str]
    line_rules: tuple[LineRule, ...]
    dateline_words: frozenset[str]
    dateline_max_words: int


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
    """The shipped HTML vocabularies."""
    table = tomllib.loads(resources.files("schemas").joinpath("rules/html.toml").read_text("utf-8"))

    def words(section: str, key: str = "words") -> frozenset[str]:
        return frozenset(w.lower() for w in table.get(section, {}).get(key, ()))

    return HtmlVocabulary(
        drop_tags=words("drop", "tags"),
        page_drop_tags=words("drop", "page_tags"),
        short_drop_tags=words("drop", "short_tags"),
        short_chars=int(table.get("drop", {}).get("short_chars", 400)),
        furniture=words("furniture"),
        keep=words("furniture", "keep_words"),
        body=words("body"),
        body_re=re.compile("|".join(re.escape(w) for w in sorted(words("body"), key=len, reverse=True))),
        summary=words("summary"),
        captions=words("captions"),
        credit=words("credit"),
        credit_tags=words("credit", "tags"),
        line_rules=tuple(
            LineRule(rule["name"], rule.get("action", "drop"), re.compile(rule["pattern"], re.IGNORECASE))
            for rule in table.get("lines", ())
        ),
        dateline_words=words("dateline"),
        dateline_max_words=int(table.get("dateline", {}).get("max_words", 10)),
    )
