"""Boilerplate removal: decides which lines are syndication footers, prompts and the like.

A filter only: it says which lines go and why (the rule's name), and what a rule's named
groups tell about the article (publisher, title). It never rewrites text.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from re import _constants as sre_constants
from re import _parser as sre_parse

from transforms.lines import Line
from transforms.metadata import parse_date_line
from transforms.rules import BoilerplateRule, RuleSet

__all__ = ["HeadLine", "Verdict", "find_boilerplate", "head_line"]


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Lines to remove (by index into the line list), and what their rules captured."""

    removed: dict[int, str]  # line index -> rule name
    publisher: str | None
    title: str | None
    # Lines a 'body' rule matches (index -> rule name): removed where they stand in the
    # body, kept where the image block above it reads them (a video's 'RELATED: ...' caption).
    in_body: dict[int, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class HeadLine:
    """A line above the body that a head rule removes, and what it states."""

    rule: str
    authors: tuple[str, ...] = ()
    published_at: dt.datetime | None = None


# What parts the names of a byline: 'Jane Roe, Jo Berg and Kim Lo'.
_NAME_SEPARATORS = re.compile(r", | (?:and|&|und|et|y|e) ")


def head_line(text: str, rules: RuleSet, *, start: bool = False) -> HeadLine | None:
    """The head rule (`where = "head"`) that removes `text`, a line standing alone above the
    body, and the authors and date its groups state; None when no rule does. A rule with a
    `date` group removes a line only when that group reads as a date; a `when` group dates
    the article when it reads as one, and is ignored otherwise. A line of parts parted by
    ' | ', ' · ' or ' • ' is one when each part is one or a name, and one part at least is
    one ('Jane Roe · 5 min read · Mar 3, 2024'), named for the byline where it names authors,
    else for the date line where it has a date. With `start`, the rule that `text` only
    starts as ('By Jane Roe Updated March 3')."""
    hit = _head_rule(text, rules, start)
    if hit is None and _PART_SEPARATORS.search(text):
        hit = _head_parts(text, rules)  # a line of parts, whether asked whole or as a start
    return hit


# What parts a line of several head parts: 'Jane Roe · 5 min read · Mar 3, 2024'.
_PART_SEPARATORS = re.compile(r" [|·•] ")


def _head_parts(text: str, rules: RuleSet) -> HeadLine | None:
    hits: list[HeadLine] = []
    found = False  # a part is a head line itself, not a name only
    for part in _PART_SEPARATORS.split(text):
        hit = _head_rule(part, rules, False)
        if hit is None:
            # A name is what a byline would name after 'By' ('Jane Roe', or a role such as
            # 'Staff Writer', which names no one; not 'Ferry fares rise').
            hit = _head_rule(f"By {part}", rules, False)
            if hit is None or not (hit.authors or rules.byline_roles.intersection(part.lower().split())):
                return None
        else:
            found = True
        hits.append(hit)
    if not found:
        return None  # 'Jane Roe | Coastal Press': names only, a title as well
    # Named for what it states most: the authors (a byline), then a date.
    named = max(hits, key=lambda hit: (bool(hit.authors), hit.published_at is not None))
    authors = tuple(dict.fromkeys(name for hit in hits for name in hit.authors))
    return HeadLine(named.rule, authors, next((h.published_at for h in hits if h.published_at), None))


def _head_rule(text: str, rules: RuleSet, start: bool) -> HeadLine | None:
    head = rules.head_rules
    any_of = _any_of(head)
    if any_of is not None and (any_of.match if start else any_of.fullmatch)(text) is None:
        return None  # most lines: one test for all the rules
    for rule in head:
        m = rule.pattern.match(text) if start else rule.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        published_at = None
        if groups.get("date") is not None:
            published_at = parse_date_line(groups["date"], rules.months)
            if published_at is None:
                continue
        if published_at is None and groups.get("when"):
            published_at = parse_date_line(groups["when"], rules.months)  # if it is a date
        names = _clean_capture(groups.get("authors"))
        # Each name, but not a role ('By Jane Roe, Staff Writer': [bylines] roles), nor the
        # news organisation the byline names after its authors ('..., Associated Press').
        authors = tuple(dict.fromkeys(
            n for n in _NAME_SEPARATORS.split(names)
            if n and not rules.byline_roles.intersection(n.lower().split()) and not _outlet(n, rules)
        )) if names else ()
        return HeadLine(rule.name, authors, published_at)
    return None


def _outlet(name: str, rules: RuleSet) -> bool:
    """A news organisation, not a person: one of [bylines] outlets, or one word in capitals
    of at most five letters (CNN, BBC, NPR)."""
    return name.lower() in rules.byline_outlets or (name.isupper() and name.isalpha() and len(name) <= 5)


def _clean_capture(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip("\"'“”„«»").rstrip(".").strip()
    return value or None


def _first_match(rules: tuple[BoilerplateRule, ...], text: str):
    for rule in rules:
        if m := rule.match(text):
            return rule, m
    return None, None


# What makes combining patterns unsafe: group references by number or name, and conditionals.
_REFERENCES = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
_NAMED_GROUP = re.compile(r"(?<!\\)\(\?P<\w+>")


def _any_of(rules: tuple[BoilerplateRule, ...]) -> re.Pattern[str] | None:
    """`_combine(rules)`, made once per tuple of rules (RuleSet caches its tuples)."""
    return _compiled(rules)[0]


def _widest(rules: tuple[BoilerplateRule, ...]) -> float:
    """The longest line any of `rules` can match (inf where one is unbounded): a body
    paragraph longer than that is not tried at all."""
    return _compiled(rules)[1]


def _compiled(rules: tuple[BoilerplateRule, ...]) -> tuple[re.Pattern[str] | None, float]:
    hit = _COMBINED.get(id(rules))
    if hit is None or hit[0] is not rules:
        if len(_COMBINED) > 64:  # rule sets are loaded once a run: never many
            _COMBINED.clear()
        widest = max((sre_parse.parse(r.pattern.pattern, r.pattern.flags).getwidth()[1] for r in rules), default=0)
        hit = _COMBINED[id(rules)] = (rules, _combine(rules),
                                      float("inf") if widest >= sre_constants.MAXREPEAT else widest)
    return hit[1], hit[2]


_COMBINED: dict[int, tuple[tuple[BoilerplateRule, ...], re.Pattern[str] | None, float]] = {}


def _combine(rules: tuple[BoilerplateRule, ...]) -> re.Pattern[str] | None:
    """One pattern that fullmatches a line exactly when one of `rules` does: one test a line
    instead of one a rule. None when the rules cannot be combined safely (a group reference,
    a flag that must stand first); they are then tried one by one."""
    if len(rules) < 2 or any(_REFERENCES.search(r.pattern.pattern) for r in rules):
        return None
    flags = {r.pattern.flags for r in rules}
    if len(flags) != 1:
        return None
    try:
        branches = (f"(?:{_NAMED_GROUP.sub('(?:', r.pattern.pattern)})" for r in rules)
        return re.compile("|".join(branches), flags.pop())
    except re.error:
        return None


# A publisher's footer with page lines after it ('Read the original article on X', then
# 'Most read' and a list of headlines, as a copied page ends): at most this many lines
# after it, each of at most this many words.
_PAGE_LINES_AFTER_FOOTER = 8
_PAGE_LINE_WORDS = 12
AFTER_FOOTER = "after_footer"
_NOT_ENDINGS = frozenset({"copyright_line"})


def _footer_above_page_lines(lines: list[Line], stop: int, tail: tuple[BoilerplateRule, ...],
                             removed: dict[int, str]) -> tuple[str, str | None] | None:
    """Where the walk back stopped at a short line: a footer that names a publisher a few
    short lines above it ends the article, and the lines after it are the page's. Marks them
    (the footer by its rule, the rest AFTER_FOOTER) and returns (publisher, title)."""
    tail_any = _any_of(tail)
    for index in range(stop, max(0, stop - _PAGE_LINES_AFTER_FOOTER) - 1, -1):
        text = lines[index].text
        if index < stop and (tail_any is None or tail_any.fullmatch(text) is not None):
            rule, m = _first_match(tail, text)
            # A syndication footer; not a copyright line, which a credits roll holds mid-text.
            if rule is not None and rule.name not in _NOT_ENDINGS and (
                    publisher := _clean_capture(m.groupdict().get("publisher"))):
                if index == 0:
                    return None  # a footer above everything: no article above it
                removed[index] = rule.name
                for after in range(index + 1, stop + 1):
                    removed[after] = AFTER_FOOTER
                return publisher, _clean_capture(m.groupdict().get("title"))
        if len(text.split()) > _PAGE_LINE_WORDS:
            return None  # a paragraph: the article goes on here (most dumps: their last line)
    return None


def find_boilerplate(lines: list[Line], rules: RuleSet) -> Verdict:
    """Trailing lines matching a tail rule, and lines anywhere matching an 'anywhere' rule."""
    removed: dict[int, str] = {}
    publisher = title = None
    # Walk back from the end over footer lines; the first line that is not boilerplate
    # is the last line of the article.
    tail = rules.tail_rules
    tail_any = _any_of(tail)
    stop = -1  # the last line the walk kept
    for index in range(len(lines) - 1, -1, -1):
        if tail_any is not None and tail_any.fullmatch(lines[index].text) is None:
            stop = index
            break
        rule, m = _first_match(tail, lines[index].text)
        if rule is None:
            stop = index
            break
        removed[index] = rule.name
        groups = m.groupdict()
        # The line nearest the article wins when several footers name a publisher.
        publisher = _clean_capture(groups.get("publisher")) or publisher
        title = _clean_capture(groups.get("title")) or title
    if publisher is None and stop > 0:
        publisher, title = _footer_above_page_lines(lines, stop, tail, removed) or (None, title)
    found = {}
    inside = rules.inside_rules  # 'anywhere' and 'body' rules: one test a line for both
    if inside:
        any_of, widest = _any_of(inside), _widest(inside)
        for index, line in enumerate(lines):
            if index in removed or len(line.text) > widest or (
                    any_of is not None and any_of.fullmatch(line.text) is None):
                continue
            rule, m = _first_match(inside, line.text)
            if rule is not None:
                (found if rule.where == "body" else removed)[index] = rule.name
    return Verdict(removed=removed, publisher=publisher, title=title, in_body=found)
