"""Whether ftfy could change a text, told in a fraction of the time ftfy takes to say so.

The mojibake gate (transforms/decode.py) hands a text to `ftfy.fix_text` when a Latin-1
letter is followed by a character a UTF-8 continuation byte decodes to. Plenty of clean text
does that: an accented letter before a curly quote ("José’s"), and in French before the
no-break space that goes before `:`, `;`, `?`, `!` and `»`. ftfy then checks every line
with its badness regex (`ftfy.badness.BADNESS_RE`), about 300 ns a character: an article in
French took 8 times as long to split as the same text with plain spaces.

With the configuration used here (transforms/decode.py: _ftfy_config), `fix_text` changes
nothing in a text where no line matches that regex and there is no surrogate:
- it fixes each line (and each piece of a million characters) on its own;
- its encoding fix leaves a line alone unless `is_bad(line)`, a search for BADNESS_RE;
- its other fixes that are on here touch C1 controls (which the regex matches) and
  surrogates; the rest are off.

`may_change` looks for a match of that same pattern anywhere in the text, its `^` matching
at every line start (re.MULTILINE): that finds every line's match, and sometimes more.
`_first_non_ascii_within` checks, when the pattern of the installed ftfy is first used, that
every match holds a non-ASCII character among its first _REACH characters; where it cannot,
or a line could be longer than ftfy's pieces, the answer is "may change" and ftfy decides,
as before. So the records are the same either way.

The pattern is an alternation of 37 short sequences of character classes. Searched whole,
it is tried at nearly every position of a text in a language with many accented letters
(Icelandic, French: about 150 ns a character). So it is searched a branch at a time
(`_branches`, the source cut at its top-level bars, each piece checked against the parse):
- a branch whose match must consume a non-ASCII-only class none of the text's characters
  is in cannot match, and is not tried (most of them, in clean text);
- another is tried only at the offsets before each occurrence of the characters of its
  rarest such class (`_matches`).
A match of the whole pattern is a match of one branch, so the answer is the same.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from re import _constants as sre
from re import _parser as sre_parse
from typing import NamedTuple

from transforms.normalize import non_ascii

__all__ = ["may_change"]

# A match of BADNESS_RE holds a non-ASCII character among its first this many characters.
_REACH = 3
# fix_text's piece size (TextFixerConfig.max_decode_length): a line longer than this is
# cut into pieces, and the regex's `^` matches at each cut.
_FTFY_PIECE = 1_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")
_FLAGS_OK = re.VERBOSE | re.UNICODE


def may_change(text: str) -> bool:
    """False only where `ftfy.fix_text` (with the gate's configuration) returns `text` as it
    is; True where it might not, and ftfy has to be asked."""
    search = _search()
    if search is None or len(text) > _FTFY_PIECE:
        return True
    if _SURROGATE.search(text) is not None:
        return True
    branches = _branches()
    if branches is None:
        return search(text) is not None
    # How often each non-ASCII character occurs (most of a news text is ASCII).
    present = Counter(non_ascii(text))
    # Which required classes of which branches the text's characters are in.
    covered = [0] * len(branches)
    index = _index()
    for ch in present:
        for branch, bit in index.get(ch, ()):
            covered[branch] |= bit
    return any(covered[number] == (1 << len(branch.required)) - 1 and _matches(branch, text, present)
               for number, branch in enumerate(branches))


class _Branch(NamedTuple):
    """One top-level alternative of the pattern: its match, and the classes of the
    characters a match of it must consume that can only be non-ASCII, each with the
    range of its offset into the match (None where an element before it has no fixed
    width bounds)."""

    match: Callable
    search: Callable
    required: tuple[tuple[frozenset[str], int | None, int | None], ...]


def _matches(branch: _Branch, text: str, present: Counter) -> bool:
    """Whether `branch` matches somewhere in `text`, whose non-ASCII characters are counted
    in `present`. A match needs a character of each required class, so a branch with a class
    none of the text's characters is in cannot match (may_change tells those apart first);
    otherwise the branch is tried only where a match could begin: at the offsets before each
    occurrence of its rarest required class's characters (or searched, where those are
    many)."""
    found = []
    for allowed, low, high in branch.required:
        here = allowed.intersection(present)
        if not here:
            return False
        found.append((here, low, high))
    anchor, fewest = None, None
    for here, low, high in found:
        if low is not None:
            count = sum(present[ch] for ch in here)
            if fewest is None or count < fewest:
                anchor, fewest = (here, low, high), count
    if anchor is None or fewest * (anchor[2] - anchor[1] + 1) > len(text) // 8:
        # No place to start from, or so many that one search (which skips in C to where the
        # branch's first class matches) is the cheaper way.
        return branch.search(text) is not None
    here, low, high = anchor
    match = branch.match
    for ch in here:
        at = text.find(ch)
        while at >= 0:
            for start in range(max(0, at - high), at - low + 1):
                if match(text, start) is not None:
                    return True
            at = text.find(ch, at + 1)
    return False


def _pattern() -> tuple[str, int]:
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE.pattern, BADNESS_RE.flags


@functools.lru_cache(maxsize=1)
def _search():
    """The quick search for the installed ftfy's pattern, or None where it cannot be built."""
    pattern, flags = _pattern()
    if not isinstance(pattern, str) or flags & ~_FLAGS_OK:
        return None
    try:
        tree = sre_parse.parse(pattern, flags)
    except (re.error, TypeError, ValueError):
        return None
    if not _first_non_ascii_within(list(tree), 0):
        return None
    # "\n" before the closing parenthesis: a verbose pattern may end in a comment.
    return re.compile(f"(?=[\\s\\S]{{0,{_REACH - 1}}}[^\\x00-\\x7f])(?:{pattern}\n)",
                      flags | re.MULTILINE).search


@functools.lru_cache(maxsize=1)
def _branches() -> tuple[_Branch, ...] | None:
    """The pattern's top-level alternatives (see _Branch), or None where the pattern's source
    does not split into exactly the branches its parse has."""
    if _search() is None:
        return None
    pattern, flags = _pattern()
    sources = _split_top_level(pattern)
    tree = list(sre_parse.parse(pattern, flags))
    if sources is None or len(tree) != 1 or tree[0][0] is not sre.BRANCH:
        return None
    parsed = tree[0][1][1]
    if len(parsed) != len(sources):
        return None
    branches = []
    for source, branch in zip(sources, parsed):
        try:
            alone = sre_parse.parse(source, flags)
        except (re.error, TypeError, ValueError):
            return None
        if repr(alone) != repr(branch):  # the split source is not that branch
            return None
        compiled = re.compile(source + "\n", flags | re.MULTILINE)
        branches.append(_Branch(compiled.match, compiled.search, tuple(_required(list(branch)))))
    return tuple(branches)


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[int, int], ...]]:
    """For each character of a required class: (branch number, the class's bit) for every
    required class it is in."""
    index: dict[str, list[tuple[int, int]]] = {}
    for number, branch in enumerate(_branches() or ()):
        for position, (allowed, _low, _high) in enumerate(branch.required):
            for ch in allowed:
                index.setdefault(ch, []).append((number, 1 << position))
    return {ch: tuple(entries) for ch, entries in index.items()}


def _split_top_level(pattern: str) -> list[str] | None:
    """`pattern`'s source cut at each `|` outside a group, a class, an escape and a verbose
    comment; None for a source it does not read (an unbalanced bracket)."""
    pieces, start, depth, in_class, index = [], 0, 0, False, 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "\\":
            index += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "^":
                index += 1
            if pattern[index + 1:index + 2] == "]":  # a leading "]" is a member
                index += 1
        elif ch == "#":  # a verbose comment, to the end of the line
            end = pattern.find("\n", index)
            index = len(pattern) if end < 0 else end
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            pieces.append(pattern[start:index])
            start = index + 1
        index += 1
    if depth or in_class:
        return None
    return [*pieces, pattern[start:]]


def _required(items: list) -> list[tuple[frozenset[str], int | None, int | None]]:
    """The classes of the one-character, non-ASCII-only elements a match must consume, at the
    top of a branch, with the least and most characters a match consumes before each
    (anything else is passed over: fewer requirements, never a wrong one)."""
    required = []
    low = high = 0  # None once an element of unknown width has been passed
    for op, arg in items:
        width = None
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            least, most, sub = arg
            sub = list(sub)
            if len(sub) == 1 and _one_character(*sub[0]):
                if least >= 1 and _non_ascii_only(*sub[0]):
                    required.append((_members(*sub[0]), low, high))
                if most is not sre.MAXREPEAT:
                    width = (least, most)
        elif _one_character(op, arg):
            if _non_ascii_only(op, arg):
                required.append((_members(op, arg), low, high))
            width = (1, 1)
        elif op is sre.AT:
            width = (0, 0)
        if width is None or low is None:
            low = high = None
        else:
            low, high = low + width[0], high + width[1]
    return required


def _members(op, arg) -> frozenset[str]:
    """The characters a one-character, non-ASCII-only element matches."""
    if op is sre.LITERAL:
        return frozenset(chr(arg))
    chars = set()
    for kind, value in arg:
        if kind is sre.LITERAL:
            chars.add(chr(value))
        else:  # RANGE: _non_ascii_only let nothing else through
            chars.update(map(chr, range(value[0], value[1] + 1)))
    return frozenset(chars)


def _first_non_ascii_within(items: list, offset: int) -> bool:
    """Whether every match of the parsed pattern `items`, begun at most `offset` characters
    into the match, consumes a character that can only be non-ASCII before character
    _REACH. Conservative: any construct it does not know (lookarounds, backreferences,
    unbounded repeats, case-insensitive groups) makes it say False."""
    for index, (op, arg) in enumerate(items):
        if offset >= _REACH:
            return False
        if op is sre.AT and arg in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
            continue
        if op is sre.BRANCH:
            rest = items[index + 1:]
            return all(_first_non_ascii_within(list(branch) + rest, offset) for branch in arg[1])
        if op is sre.SUBPATTERN:
            _group, add_flags, _del_flags, sub = arg
            if add_flags & re.IGNORECASE:
                return False
            return _first_non_ascii_within(list(sub) + items[index + 1:], offset)
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, sub = arg
            sub = list(sub)
            if high is sre.MAXREPEAT or len(sub) != 1 or not _one_character(*sub[0]):
                return False
            if low >= 1 and _non_ascii_only(*sub[0]):
                return True
            offset += high
            continue
        if not _one_character(op, arg):
            return False
        if _non_ascii_only(op, arg):
            return True
        offset += 1
    return False


def _one_character(op, arg) -> bool:
    return op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY)


def _non_ascii_only(op, arg) -> bool:
    """Whether the one-character element matches only characters above U+007F."""
    if op is sre.LITERAL:
        return arg >= 0x80
    if op is sre.IN:
        return all((kind is sre.LITERAL and value >= 0x80) or (kind is sre.RANGE and value[0] >= 0x80)
                   for kind, value in arg)
    return False
