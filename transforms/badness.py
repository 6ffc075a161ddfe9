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

`may_change` searches the whole text once for a superset of those lines' matches: the
same pattern, its `^` matching at every line start (re.MULTILINE), behind a lookahead that
lets the regex engine pass over plain ASCII quickly. That lookahead asks for a non-ASCII
character among the first _REACH characters of a match, which every branch of the pattern
has; `_first_non_ascii_within` checks that on the pattern of the installed ftfy when it is
first used, and where it cannot, or a line could be longer than ftfy's pieces, the answer
is "may change" and ftfy decides, as before. So the records are the same either way.
"""
from __future__ import annotations

import functools
import re
from re import _constants as sre
from re import _parser as sre_parse

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
    return search(text) is not None or _SURROGATE.search(text) is not None


@functools.lru_cache(maxsize=1)
def _search():
    """The quick search for the installed ftfy's pattern, or None where it cannot be built."""
    from ftfy.badness import BADNESS_RE

    pattern, flags = BADNESS_RE.pattern, BADNESS_RE.flags
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
