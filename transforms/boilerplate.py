"""Boilerplate removal: decides which lines are syndication footers, prompts and the like.

A filter only: it says which lines go and why (the rule's name), and what a rule's named
groups tell about the article (publisher, title). It never rewrites text.
"""
from __future__ import annotations

import dataclasses

from transforms.lines import Line
from transforms.rules import BoilerplateRule, RuleSet

__all__ = ["Verdict", "find_boilerplate"]


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Lines to remove (by index into the line list), and what their rules captured."""

    removed: dict[int, str]  # line index -> rule name
    publisher: str | None
    title: str | None


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


def find_boilerplate(lines: list[Line], rules: RuleSet) -> Verdict:
    """Trailing lines matching a tail rule, and lines anywhere matching an 'anywhere' rule."""
    removed: dict[int, str] = {}
    publisher = title = None
    # Walk back from the end over footer lines; the first line that is not boilerplate
    # is the last line of the article.
    tail = rules.tail_rules  # a property that builds a tuple: read once, not once a line
    for index in range(len(lines) - 1, -1, -1):
        rule, m = _first_match(tail, lines[index].text)
        if rule is None:
            break
        removed[index] = rule.name
        groups = m.groupdict()
        # The line nearest the article wins when several footers name a publisher.
        publisher = _clean_capture(groups.get("publisher")) or publisher
        title = _clean_capture(groups.get("title")) or title
    anywhere = rules.anywhere_rules
    if anywhere:
        for index, line in enumerate(lines):
            if index in removed:
                continue
            rule, m = _first_match(anywhere, line.text)
            if rule is not None:
                removed[index] = rule.name
    return Verdict(removed=removed, publisher=publisher, title=title)
