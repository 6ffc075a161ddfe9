"""Loads the rules file shipped in `schemas/rules/` and layers a user's rules file on top."""
from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from importlib import resources
from pathlib import Path

__all__ = ["BoilerplateRule", "CreditVocabulary", "RuleSet", "load_rules", "DEFAULT_RULES_TEXT"]

DEFAULT_RULES_TEXT = resources.files("schemas").joinpath("rules/default.toml").read_text("utf-8")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclasses.dataclass(frozen=True)
class BoilerplateRule:
    name: str
    why: str
    where: str  # "tail" or "anywhere"
    pattern: re.Pattern[str]

    def match(self, line: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(line)


@dataclasses.dataclass(frozen=True)
class CreditVocabulary:
    agencies: tuple[str, ...]
    labels: tuple[str, ...]
    name_particles: frozenset[str]
    max_chars: int
    max_words: int
    max_name_words: int
    agency_re: re.Pattern[str]
    label_re: re.Pattern[str]


@dataclasses.dataclass(frozen=True)
class RuleSet:
    boilerplate: tuple[BoilerplateRule, ...]
    credits: CreditVocabulary

    # Cached: read once a dump, and the boilerplate filter keys its combined pattern on them.
    @functools.cached_property
    def tail_rules(self) -> tuple[BoilerplateRule, ...]:
        return tuple(r for r in self.boilerplate if r.where in ("tail", "anywhere"))

    @functools.cached_property
    def anywhere_rules(self) -> tuple[BoilerplateRule, ...]:
        return tuple(r for r in self.boilerplate if r.where == "anywhere")


def _compile_rule(entry: dict, source: str) -> BoilerplateRule | None:
    name = entry.get("name")
    if not name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise RulesError(f"{source}: every [[boilerplate]] rule needs a snake_case name, got {name!r}")
    if entry.get("enabled", True) is False:
        return None
    where = entry.get("where", "tail")
    if where not in ("tail", "anywhere"):
        raise RulesError(f"{source}: rule {name!r}: where must be 'tail' or 'anywhere', not {where!r}")
    try:
        pattern = re.compile(entry["pattern"], re.IGNORECASE)
    except KeyError:
        raise RulesError(f"{source}: rule {name!r} has no pattern") from None
    except re.error as err:
        raise RulesError(f"{source}: rule {name!r}: bad regular expression: {err}") from None
    return BoilerplateRule(name=name, why=entry.get("why", ""), where=where, pattern=pattern)


def _words_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word alternation. Short all-caps words ('AP', 'PA') match case-sensitively,
    so 'ap' inside ordinary text never reads as the agency; longer words ignore case."""
    def alternation(group):
        return "|".join(re.escape(w) for w in sorted(group, key=len, reverse=True)) or r"(?!x)x"

    acronyms = [w for w in words if w.isupper() and len(w) <= 4]
    others = [w for w in words if w not in acronyms]
    return re.compile(rf"(?<!\w)(?:{alternation(acronyms)}|(?i:{alternation(others)}))(?!\w)")


def _credits(table: dict) -> CreditVocabulary:
    agencies = tuple(table.get("agencies", ()))
    labels = tuple(table.get("labels", ()))
    return CreditVocabulary(
        agencies=agencies,
        labels=labels,
        name_particles=frozenset(table.get("name_particles", ())),
        max_chars=int(table.get("max_chars", 90)),
        max_words=int(table.get("max_words", 12)),
        max_name_words=int(table.get("max_name_words", 5)),
        agency_re=_words_re(agencies),
        label_re=re.compile(
            r"^\(?(?:" + "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
            # 'Photo: ', 'Foto：' (full-width colon), or a label ending in a full stop: 'Fot. '
            + r")(?:\s*[:：]\s*|(?<=\.)\s+)", re.IGNORECASE),
    )


def _parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{source}: not valid TOML: {err}") from None


def load_rules(user_rules: str | Path | None = None) -> RuleSet:
    """The default rules, with a user's rules file (path) layered on top when given."""
    base = _parse(DEFAULT_RULES_TEXT, "default rules")
    entries = {e["name"]: (e, "default rules") for e in base.get("boilerplate", [])}
    credit_table = dict(base.get("credits", {}))
    if user_rules:
        path = Path(user_rules)
        try:
            user_text = path.read_text("utf-8")
        except OSError as err:
            raise RulesError(f"--rules: cannot read {str(path)!r}: {err.strerror}") from None
        user = _parse(user_text, str(path))
        for entry in user.get("boilerplate", []):
            name = entry.get("name")
            if name in entries and "pattern" not in entry:
                entry = {**entries[name][0], **entry}  # e.g. only `enabled = false`
            entries[name] = (entry, str(path))
        credit_table.update(user.get("credits", {}))
    rules = tuple(r for e, src in entries.values() if (r := _compile_rule(e, src)) is not None)
    return RuleSet(boilerplate=rules, credits=_credits(credit_table))
