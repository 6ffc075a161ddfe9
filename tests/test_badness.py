"""transforms/badness.py: ftfy is skipped only where it would change nothing, so the records
are those of asking ftfy every time the mojibake gate fires."""
from __future__ import annotations

import collections
import itertools
import re
from re import _parser as sre_parse

import ftfy
import pytest
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import badness, decode

NBSP = "\u00a0"
FRENCH = (f"Le maire a déclaré{NBSP}: «{NBSP}Nous avons préparé l’été{NBSP}». Êtes-vous prêts{NBSP}?\n"
          f"Le comité a voté à l’unanimité{NBSP}; la sécurité sera renforcée près du marché{NBSP}!\n")


def _characters(category: str) -> list[str]:
    """The characters of one of ftfy's categories (a regex class body)."""
    members = re.compile(f"[{MOJIBAKE_CATEGORIES[category]}]")
    return [chr(c) for c in range(0x80, 0x3000) if members.match(chr(c))]


# Every character ftfy's badness patterns name, the Latin-1 letters and punctuation, some
# ASCII (letters, space, newline, the punctuation a pattern names) and a surrogate.
ALPHABET = sorted(set(itertools.chain.from_iterable(_characters(c) for c in MOJIBAKE_CATEGORIES))
                  | {chr(c) for c in range(0xA0, 0x180)}
                  | set("ÂÃÎÐØÙ×√≈‚вЂВГРСўβΒΓΞΟā€ŒœŠš¢£Ÿž°µ²³Ä")
                  | set("aZz .,?!\n\t") | {"\ud83d"})


def _reference(text: str) -> str:
    """repair_mojibake as it was: ftfy whenever the gate fires."""
    return ftfy.fix_text(text, decode._ftfy_config()) if decode._has_mojibake_hint(text) else text


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@pytest.mark.parametrize("text", [FRENCH, "José’s team won 3–1 at the Estádio’s old ground.\n"])
def test_clean_text_with_a_hint_is_not_handed_to_ftfy(text, monkeypatch):
    assert decode._has_mojibake_hint(text)

    def ftfy_called(*args, **kwargs):
        raise AssertionError("ftfy was asked")

    monkeypatch.setattr(ftfy, "fix_text", ftfy_called)
    assert decode.repair_mojibake(text) is text


@pytest.mark.parametrize("text", [
    "caf\u00c3\u00a9 au lait",                                  # UTF-8 read as Latin-1
    "the \u00e2\u20ac\u0153quote\u00e2\u20ac\u009d ends here",   # ... as Windows-1252
    "José’s\ncaf\u221a\u00a9 on the next line",                  # mac-roman, a line without a hint
    "José’s\n\u00c2 starts a line",                              # the pattern's `^`, after a newline
    "José’s and a lone \ud83d surrogate",
    "José’s and a C1 \u0085 control",
])
def test_mojibake_is_repaired_as_before(text):
    assert badness.may_change(text)
    assert decode.repair_mojibake(text) == _reference(text)
    assert decode.repair_mojibake(text) != text


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=40))
def test_repair_equals_asking_ftfy_whenever_the_gate_fires(text):
    assert decode.repair_mojibake(text) == _reference(text)
    if not badness.may_change(text):
        assert ftfy.fix_text(text, decode._ftfy_config()) == text


def test_no_line_ftfy_finds_bad_is_missed_among_every_pair_of_characters():
    """Exhaustively: every two characters, alone, after a line and after a clean one."""
    for a, b in itertools.product(ALPHABET, repeat=2):
        for text in (a + b, "x\n" + a + b, "é " + a + b + " z"):
            if any(is_bad(line) for line in _lines(text)):
                assert badness.may_change(text), repr(text)


def test_the_quick_search_is_built_for_the_installed_ftfy():
    """If a new ftfy's pattern cannot be checked, every hint goes to ftfy again (slower,
    the same records); this says so."""
    assert badness._search() is not None


@pytest.mark.parametrize(("pattern", "within"), [
    ("é", True),
    ("[a-z]é", True),
    ("[a-z]\\s?é", True),
    ("^[ÃÂ] ", True),
    ("(?:[a-z]|[ÀÁ])é", True),
    ("[a-z][a-z][a-z]é", False),   # the non-ASCII character comes fourth
    ("[a-z]\\s?\\s?é", False),     # ... or may
    ("x*é", False),                # unbounded
    ("(?=é)é", False),             # a lookahead is not looked into
    ("(?i:é)", False),             # case-insensitive
    ("a|é", False),                # one branch is ASCII only
    ("[^a]", False),               # a negated class may be ASCII
])
def test_the_pattern_check_is_conservative(pattern, within):
    assert badness._first_non_ascii_within(list(sre_parse.parse(pattern, re.UNICODE)), 0) is within


def test_a_line_longer_than_ftfys_pieces_goes_to_ftfy():
    assert badness.may_change("é" + "x" * (badness._FTFY_PIECE + 1))


# --- the search by branches --------------------------------------------------------------------

def _whole_pattern(text: str) -> bool:
    """may_change as it was: the whole pattern searched over the whole text."""
    return badness._search()(text) is not None or badness._SURROGATE.search(text) is not None


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_searching_branch_by_branch_finds_what_the_whole_pattern_finds(text):
    assert badness.may_change(text) == _whole_pattern(text)


def test_every_three_characters_the_branches_find_what_the_whole_pattern_finds():
    """Exhaustively over the characters the pattern's classes name most often (its branches
    are two to five characters), alone and after a line."""
    common = sorted(set("ÂÃÐØÙÀÉàéíñ€œŠ¢£°µ²³«»“„•‹’–—\u00a0\u00ad√≈‚Äâвβā ВГСΒΓ") | set("az \n"))
    for a, b, c in itertools.product(common, repeat=3):
        for text in (a + b + c, "é x\n" + a + b + c + "y"):
            assert badness.may_change(text) == _whole_pattern(text), repr(text)


def test_the_branches_are_those_of_the_installed_ftfy():
    """The pattern's source splits into exactly the branches its parse has (else the whole
    pattern is searched, as before: the same answers, slower)."""
    branches = badness._branches()
    assert branches is not None and len(branches) > 20
    assert all(branch.required for branch in branches)  # each needs a non-ASCII character


@pytest.mark.parametrize(("text", "words"), [
    (FRENCH, 8),
    ("Hann sagði að fé\u00adlagið hefði „sam\u00adþykkt“ til\u00adlöguna. " * 20, 8),
    ("José’s team won 3–1 at the Estádio’s old ground.\n", 4),
])
def test_clean_text_leaves_few_branches_to_try(text, words):
    """Not vacuous: most branches need a character clean text does not hold."""
    present = collections.Counter(ch for ch in text if ord(ch) > 0x7f)
    tried = [b for b in badness._branches() if all(allowed & present.keys() for allowed, _, _ in b.required)]
    assert len(tried) <= words
    assert not badness.may_change(text)


@pytest.mark.parametrize(("pattern", "required"), [
    ("é", [("é", 0, 0)]),
    ("[a-z]\\s?[ÃÂ][ ]", [("ÂÃ", 1, 2)]),
    ("^[ÃÂ] ", [("ÂÃ", 0, 0)]),
    ("×[²³]x", [("×", 0, 0), ("²³", 1, 1)]),
    ("é[^A-Za-z]", [("é", 0, 0)]),       # a negated class is not required to be non-ASCII
    ("(?:ab|c)é", [("é", None, None)]),  # after a group: required, at an unknown offset
    ("a{1,3}é+", [("é", 1, 3)]),
])
def test_required_classes_and_their_offsets(pattern, required):
    found = badness._required(list(sre_parse.parse(pattern, re.UNICODE)))
    assert [("".join(sorted(chars)), low, high) for chars, low, high in found] == required


@pytest.mark.parametrize(("source", "pieces"), [
    ("a|b", ["a", "b"]),
    ("[|]|x", ["[|]", "x"]),
    ("(a|b)|c", ["(a|b)", "c"]),
    ("a\\|b|c", ["a\\|b", "c"]),
    ("[]|]|d", ["[]|]", "d"]),
    ("# a | comment\n e | f", ["# a | comment\n e ", " f"]),
    ("(a|b", None),
])
def test_the_source_is_cut_at_top_level_bars_only(source, pieces):
    assert badness._split_top_level(source) == pieces


def test_a_branch_without_a_known_offset_is_searched_whole():
    compiled = re.compile("(?:ab|c)é", re.MULTILINE)
    branch = badness._Branch(compiled.match, compiled.search,
                             tuple(badness._required(list(sre_parse.parse("(?:ab|c)é")))))
    assert branch.required == ((frozenset("é"), None, None),)
    assert badness._matches(branch, "x cé", collections.Counter("é"))
    assert not badness._matches(branch, "x bé", collections.Counter("é"))
    assert not badness._matches(branch, "x c", collections.Counter())  # no é: not even searched
