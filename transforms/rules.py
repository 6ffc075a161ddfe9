"""Loads the rules files shipped in `schemas/rules/` and layers a user's rules file on top.

One loader for both files: `default.toml` (boilerplate footers, photo credits, the splitter's
thresholds) and `html.toml` (the HTML reader's vocabularies). A user's file (`--rules FILE`)
names the sections of either; how it layers is described in `schemas/rules/default.toml`.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import tomllib
from importlib import resources
from pathlib import Path

__all__ = [
    "DEFAULT_RULES_TEXT", "HTML_RULES_TEXT", "BoilerplateRule", "CreditVocabulary", "HtmlVocabulary",
    "LineRule", "RuleSet", "RulesError", "SplitterSettings", "compile_vocabulary", "fingerprint",
    "load_rules",
]

DEFAULT_RULES_TEXT = resources.files("schemas").joinpath("rules/default.toml").read_text("utf-8")
HTML_RULES_TEXT = resources.files("schemas").joinpath("rules/html.toml").read_text("utf-8")
# Sections that are lists of named rules ([[boilerplate]], [[lines]]): a user's entry with a
# shipped rule's name replaces it (or switches it off with `enabled = false`), a new name adds one.
_NAMED_RULE_SECTIONS = ("boilerplate", "lines")
# A key `<list>_extra` in a user's section extends the shipped list `<list>`, not replacing it.
_EXTRA = "_extra"


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclasses.dataclass(frozen=True)
class BoilerplateRule:
    name: str
    why: str
    where: str  # "tail", "anywhere", "body" or "head"
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
    # Lower-case labels ('photo') that may also end a credit: 'J. Nowak / Daily Post photo'.
    label_words: frozenset[str]
    # All-caps agency words of 3 letters or more ('AFP'), which may be glued to an acronym
    # that ends a caption ('...at NATOAFP'): matched where a capital follows a capital.
    caps_agency_re: re.Pattern[str]
    # Capitalised word starts after which a case change is part of the word: 'McCarthy'.
    name_prefixes: frozenset[str]
    # Lower-case word starts glued to a capitalised word: 'iPhone', 'eThekwini', 'kwaZulu'.
    lower_prefixes: frozenset[str]
    # First halves of words written with an inner capital: 'TechCrunch', 'PayPal'.
    compound_heads: frozenset[str]
    # What a rendered caption widget prints after the credit: 'Show more'.
    credit_trailers: tuple[str, ...]
    # Dashes that introduce a credit when glued to the caption's last word: 'quay– Jane Roe'.
    dash_introducers: frozenset[str]
    # Words whose full stop ends no sentence inside a credit: 'Staff Sgt. Jane Roe'.
    abbreviations: frozenset[str]
    # From [splitter]: the longest CJK credit glued after another script, and how many words
    # a bare name glued at a case change may have ('inJana Novak').
    max_cjk_credit: int
    case_glue_words: tuple[int, int]


@dataclasses.dataclass(frozen=True)
class SplitterSettings:
    """The splitter's thresholds ([splitter] in the rules data)."""

    max_head_lines: int  # lines before the first bullet that can still be an image block
    max_head_chars: int  # a longer first line is the first paragraph, not an alt or caption
    max_lone_caption_chars: int  # a caption standing alone with no credit is shorter still
    wrap_min: int  # lines at least this long that read on are a hard-wrapped paragraph
    max_wrap_width: int  # a body hard-wrapped wider than this is not told by its line widths
    wrap_slack: int  # ...its lines that go on end at most this far short of the width
    wrap_min_lines: int  # ...and it has at least this many such lines
    wrap_peak_lines: int  # ...and the width is that which this many of them have
    max_cjk_credit: int  # characters of a CJK credit glued to a caption in another script
    case_glue_min_words: int  # a bare name glued at a case change ('inJana Novak'): its words
    case_glue_max_words: int
    max_title_words: int  # a dump's first line standing alone is its title when this short
    max_head_line_chars: int  # a longer line above the body is no byline or date line


@dataclasses.dataclass(frozen=True)
class RuleSet:
    boilerplate: tuple[BoilerplateRule, ...]
    credits: CreditVocabulary
    splitter: SplitterSettings
    # Month names ([dates]), lower case, to their number: how a date line's date is read.
    months: dict[str, int] = dataclasses.field(compare=False, repr=False)
    # Words of an author's role ([bylines] roles), lower case: 'Staff Writer' names no one.
    byline_roles: frozenset[str] = dataclasses.field(compare=False, repr=False)
    # News organisations a byline names after its authors ('By Jane Roe, Associated Press'),
    # lower-cased: no author.
    byline_outlets: frozenset[str] = dataclasses.field(compare=False, repr=False)
    # Words of a page's section labels ([bylines] sections), lower case: a line of them over
    # a date line ('World News' / 'March 4, 2025') names no author.
    byline_sections: frozenset[str] = dataclasses.field(compare=False, repr=False)
    # The HTML reader's sections, layered like the rest; compiled on first use (`html`): a run
    # over text dumps never needs them.
    html_table: dict = dataclasses.field(compare=False, repr=False)
    # A hash of the effective rules (see `fingerprint`), written on every record.
    fingerprint: str = ""

    # Cached: read once a dump, and the boilerplate filter keys its combined pattern on them.
    @functools.cached_property
    def tail_rules(self) -> tuple[BoilerplateRule, ...]:
        return tuple(r for r in self.boilerplate if r.where in ("tail", "anywhere", "body"))

    @functools.cached_property
    def inside_rules(self) -> tuple[BoilerplateRule, ...]:
        """The rules that remove lines inside the dump: 'anywhere' and 'body' ones."""
        return tuple(r for r in self.boilerplate if r.where in ("anywhere", "body"))

    @functools.cached_property
    def head_rules(self) -> tuple[BoilerplateRule, ...]:
        return tuple(r for r in self.boilerplate if r.where == "head")

    @functools.cached_property
    def html(self) -> HtmlVocabulary:
        """The HTML reader's compiled vocabularies."""
        return compile_vocabulary(self.html_table)


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
    second_look: frozenset[str]
    display_re: re.Pattern[str]
    keep: frozenset[str]
    embeds: frozenset[str]
    body: frozenset[str]
    body_re: re.Pattern[str]
    body_not_within: frozenset[str]
    summary: frozenset[str]
    captions: frozenset[str]
    caption_boxes: frozenset[str]
    credit: frozenset[str]
    credit_tags: frozenset[str]
    line_rules: tuple[LineRule, ...]
    dateline_words: frozenset[str]
    dateline_max_words: int
    repeat_min_paragraphs: int
    repeat_min_chars: int
    repeat_min_share: float


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
        second_look=words("furniture", "second_look"),
        display_re=re.compile("(?<![\\w-])(?:{})(?![\\w-])".format("|".join(
            table.get("furniture", {}).get("display_classes", ["(?!)"]))), re.IGNORECASE),
        keep=words("furniture", "keep_words"),
        embeds=words("furniture", "embeds"),
        body=words("body"),
        body_re=re.compile("|".join(re.escape(w) for w in sorted(words("body"), key=len, reverse=True))),
        body_not_within=words("body", "not_within"),
        summary=words("summary"),
        captions=words("captions"),
        caption_boxes=words("captions", "boxes"),
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


def _compile_rule(entry: dict, source: str) -> BoilerplateRule | None:
    name = entry.get("name")
    if not name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise RulesError(f"{source}: every [[boilerplate]] rule needs a snake_case name, got {name!r}")
    if entry.get("enabled", True) is False:
        return None
    where = entry.get("where", "tail")
    if where not in ("tail", "anywhere", "body", "head"):
        raise RulesError(f"{source}: rule {name!r}: where must be 'tail', 'anywhere', 'body' or 'head', "
                         f"not {where!r}")
    try:
        pattern = re.compile(entry["pattern"], re.IGNORECASE)
    except KeyError:
        raise RulesError(f"{source}: rule {name!r} has no pattern") from None
    except re.error as err:
        raise RulesError(f"{source}: rule {name!r}: bad regular expression: {err}") from None
    return BoilerplateRule(name=name, why=entry.get("why", ""), where=where, pattern=pattern)


def _full_width(word: str) -> str:
    """'AP' -> 'ＡＰ': how CJK pages print Latin agency names."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in word)


def _words_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word alternation. Short all-caps words ('AP', 'PA') match case-sensitively,
    so 'ap' inside ordinary text never reads as the agency; longer words ignore case.
    ASCII words match in their full-width form too ('ＡＰ')."""
    def alternation(group):
        return "|".join(re.escape(w) for w in sorted(group, key=len, reverse=True)) or r"(?!x)x"

    words = tuple(dict.fromkeys([*words, *(_full_width(w) for w in words if w.isascii())]))
    acronyms = [w for w in words if w.isupper() and len(w) <= 4]
    others = [w for w in words if w not in acronyms]
    return re.compile(rf"(?<!\w)(?:{alternation(acronyms)}|(?i:{alternation(others)}))(?!\w)")


def _credits(table: dict, splitter: SplitterSettings) -> CreditVocabulary:
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
        label_words=frozenset(x.lower() for x in labels if x.isalpha()),
        caps_agency_re=re.compile("(?:" + "|".join(sorted(
            (re.escape(w) for w in agencies
             if w.isascii() and w.isalpha() and w.isupper() and len(w) >= 3),
            key=len, reverse=True)) + r")(?![^\W_])"),
        name_prefixes=frozenset(table.get("name_prefixes", ())),
        lower_prefixes=frozenset(table.get("lower_prefixes", ())),
        compound_heads=frozenset(table.get("compound_heads", ())),
        credit_trailers=tuple(sorted(table.get("credit_trailers", ()), key=len, reverse=True)),
        dash_introducers=frozenset(table.get("dash_introducers", ())),
        abbreviations=frozenset(table.get("abbreviations", ())),
        max_cjk_credit=splitter.max_cjk_credit,
        case_glue_words=(splitter.case_glue_min_words, splitter.case_glue_max_words),
    )


def _splitter(table: dict) -> SplitterSettings:
    values = {}
    for field in dataclasses.fields(SplitterSettings):
        value = table.get(field.name)
        # int(2.5) is 2 and True is 1: a threshold is a whole number written as one.
        if type(value) is not int or value < 0:
            raise RulesError(f"[splitter] {field.name} must be a whole number, 0 or more; got {value!r}")
        values[field.name] = value
    return SplitterSettings(**values)


def _months(table: dict) -> dict[str, int]:
    """[dates] months: twelve lists of names, January's first -> {'jan': 1, 'januar': 1, ...}."""
    months = table.get("months", ())
    if not isinstance(months, list) or len(months) != 12 or not all(isinstance(n, list) for n in months):
        raise RulesError("[dates]: months must be twelve lists of names, January's first")
    return {str(name).lower(): number for number, names in enumerate(months, 1) for name in names}


def _parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RulesError(f"{source}: not valid TOML: {err}") from None


# Keys that document a rule, or say where it was read from, rather than what it does.
_NOT_BEHAVIOUR = ("why", "_source", "enabled")


def fingerprint(table: dict) -> str:
    """16 hex digits identifying what the effective rules do: every section of both rules
    files once a user's file is layered on (the boilerplate and line rules that are switched
    on, credits, splitter thresholds, the HTML vocabulary). The same on every machine and
    run; `why` comments, switched-off rules and the files' layout do not count."""
    effective = {}
    for section, value in table.items():
        if section in _NAMED_RULE_SECTIONS:
            value = [{k: v for k, v in entry.items() if k not in _NOT_BEHAVIOUR}
                     for entry in value if entry.get("enabled", True) is not False]
        effective[section] = value
    text = json.dumps(effective, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _unique_names(entries: list, section: str, source: str) -> None:
    """A rule's name is what a rules file layers it by: two of one name in a file would leave
    one of them out of every run given a rules file."""
    seen: set = set()
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name in seen:
            raise RulesError(f"{source}: two [[{section}]] rules are named {name!r}")
        seen.add(name)


def _layer_named(base: list[dict], user: list, section: str, source: str) -> list[dict]:
    """[[boilerplate]] / [[lines]]: the user's entries replace shipped ones of the same name."""
    entries = {entry["name"]: entry for entry in base}
    if not isinstance(user, list):
        raise RulesError(f"{source}: {section} must be a list of rules ([[{section}]])")
    _unique_names(user, section, source)
    for entry in user:
        name = entry.get("name")
        if name in entries and "pattern" not in entry:
            entry = {**entries[name], **entry}  # e.g. only `enabled = false`
        entries[name] = {**entry, "_source": source}
    return list(entries.values())


def _layer_table(base: dict, user: dict, section: str, source: str) -> dict:
    """A plain section: a key replaces the shipped value; `<list>_extra` extends `<list>`."""
    if not isinstance(user, dict):
        raise RulesError(f"{source}: {section} must be a table ([{section}])")
    merged = dict(base)
    for key, value in user.items():
        if key.endswith(_EXTRA) and isinstance(base.get(key[: -len(_EXTRA)]), list):
            target = key[: -len(_EXTRA)]
            if not isinstance(value, list):
                raise RulesError(f"{source}: [{section}] {key} must be a list")
            merged[target] = [*merged[target], *(v for v in value if v not in merged[target])]
        elif key in base:
            merged[key] = value
        else:
            extras = sorted(k + _EXTRA for k, v in base.items() if isinstance(v, list))
            raise RulesError(f"{source}: [{section}] has no key {key!r}; known keys: "
                             + ", ".join(sorted(base) + extras))
    return merged


def _layer(base: dict, user: dict, source: str) -> dict:
    merged = dict(base)
    for section, value in user.items():
        if section not in base:
            raise RulesError(f"{source}: unknown section [{section}]; the rules files have: "
                             + ", ".join(sorted(base)))
        layer = _layer_named if section in _NAMED_RULE_SECTIONS else _layer_table
        merged[section] = layer(base[section], value, section, source)
    return merged


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[dict, frozenset[str]]:
    """The shipped rules, both files in one table, and the names of html.toml's sections."""
    default = _parse(DEFAULT_RULES_TEXT, "default rules")
    html = _parse(HTML_RULES_TEXT, "html rules")
    for entry in default.get("boilerplate", []):
        entry["_source"] = "default rules"
    for table, source in ((default, "default rules"), (html, "html rules")):
        for section in _NAMED_RULE_SECTIONS:
            _unique_names(table.get(section, []), section, source)
    shared = set(default) & set(html)
    if shared:  # a section name must say which file it layers over
        raise RulesError(f"the shipped rules files both define {sorted(shared)}")
    return {**default, **html}, frozenset(html)


def load_rules(user_rules: str | Path | None = None) -> RuleSet:
    """The shipped rules, with a user's rules file (path) layered on top when given."""
    base, html_sections = _shipped()
    table = base
    if user_rules:
        path = Path(user_rules)
        try:
            user_text = path.read_text("utf-8")
        except OSError as err:
            raise RulesError(f"--rules: cannot read {str(path)!r}: {err.strerror}") from None
        table = _layer(base, _parse(user_text, str(path)), str(path))
    entries = table.get("boilerplate", [])
    rules = tuple(
        r for e in entries if (r := _compile_rule(e, e.get("_source", "rules"))) is not None)
    splitter = _splitter(table.get("splitter", {}))
    return RuleSet(
        boilerplate=rules,
        credits=_credits(table.get("credits", {}), splitter),
        splitter=splitter,
        months=_months(table.get("dates", {})),
        byline_roles=frozenset(str(w).lower() for w in table.get("bylines", {}).get("roles", ())),
        byline_outlets=frozenset(str(w).lower() for w in table.get("bylines", {}).get("outlets", ())),
        byline_sections=frozenset(str(w).lower() for w in table.get("bylines", {}).get("sections", ())),
        html_table={k: v for k, v in table.items() if k in html_sections},
        fingerprint=fingerprint(table),
    )
