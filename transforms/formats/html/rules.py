"""The HTML reader's vocabularies (schemas/rules/html.toml, loaded by transforms.rules with a
user's rules file layered on top), compiled once per rule set."""
from __future__ import annotations

import dataclasses
import functools
import re

__all__ = ["HtmlVocabulary", "LineRule", "attr_words", "compile_vocabulary", "html_vocabulary"]

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
    region_tags: frozenset[str]
    fragment_drop_tags: frozenset[str]
    short_drop_tags: frozenset[str]
    short_chars: int
    furniture: frozenset[str]
    display_re: re.Pattern[str]
    keep: frozenset[str]
    body: frozenset[str]
    body_re: re.Pattern[str]
    body_not_within: frozenset[str]
    summary: frozenset[str]
    captions: frozenset[str]
    credit: frozenset[str]
    credit_tags: frozenset[str]
    line_rules: tuple[LineRule, ...]
    dateline_words: frozenset[str]
    dateline_max_words: int
    repeat_min_paragraphs: int
    repeat_min_chars: int
    repeat_min_share: float


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
    from transforms.rules import load_rules

    return load_rules().html


def compile_vocabulary(table: dict) -> HtmlVocabulary:
    """The vocabularies of html.toml's sections in `table`."""

    def words(section: str, key: str = "words") -> frozenset[str]:
        return frozenset(w.lower() for w in table.get(section, {}).get(key, ()))

    return HtmlVocabulary(
        drop_tags=words("drop", "tags"),
        region_tags=words("drop", "region_tags"),
        fragment_drop_tags=words("drop", "fragment_tags"),
        short_drop_tags=words("drop", "short_tags"),
        short_chars=int(table.get("drop", {}).get("short_chars", 400)),
        furniture=words("furniture"),
        display_re=re.compile("(?<![\\w-])(?:{})(?![\\w-])".format("|".join(
            table.get("furniture", {}).get("display_classes", ["(?!)"]))), re.IGNORECASE),
        keep=words("furniture", "keep_words"),
        body=words("body"),
        body_re=re.compile("|".join(re.escape(w) for w in sorted(words("body"), key=len, reverse=True))),
        body_not_within=words("body", "not_within"),
        summary=words("summary"),
        captions=words("captions"),
        credit=words("credit"),
        credit_tags=words("credit", "tags"),
        line_rules=tuple(
            LineRule(rule["name"], rule.get("action", "drop"), re.compile(rule["pattern"], re.IGNORECASE))
            for rule in table.get("lines", ()) if rule.get("enabled", True) is not False
        ),
        dateline_words=words("dateline"),
        dateline_max_words=int(table.get("dateline", {}).get("max_words", 10)),
        repeat_min_paragraphs=int(table.get("repeat", {}).get("min_paragraphs", 3)),
        repeat_min_chars=int(table.get("repeat", {}).get("min_chars", 300)),
        repeat_min_share=float(table.get("repeat", {}).get("min_share", 0.8)),
    )
