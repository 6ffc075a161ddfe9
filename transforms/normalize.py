"""Text normalization shared by every step: NFC, odd spaces, line endings, whitespace."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["combines_backward", "distinct_non_ascii", "line_normalizer", "non_ascii", "normalize_field",
           "normalize_line", "normalize_newlines"]

# Spaces that render as a space but are not U+0020 (NBSP, narrow NBSP, figure space, ...).
_ODD_SPACES = dict.fromkeys(
    map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
             "\u200a\u202f\u205f\u3000\u0009\u000b\u000c"),
    " ",
)
# Zero-width characters with no meaning in running text. ZWJ/ZWNJ (U+200C/D) are kept:
# they change how Persian, Indic scripts and emoji render. Soft hyphens (U+00AD) are kept
# too: they are the publisher's hyphenation hints, and invisible.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None)
_TABLE = {**_ODD_SPACES, **_ZERO_WIDTH}
_REPLACEMENTS = {chr(code): new or "" for code, new in _TABLE.items()}
# Any character the table maps: a scan for one is many times cheaper than `str.translate`
# (a dict lookup per character), and most lines of news text hold none.
_ODD = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + "]")
_SPACES = re.compile(r" {2,}")
_ASCII = bytes(range(0x80))
# Hangul vowel and trailing jamo: letters (not marks) that compose with the jamo or syllable
# before them under NFC.
_HANGUL_V_T = ("\u1161", "\u1175"), ("\u11a8", "\u11c2")
_PIECE_CHARS = 1 << 20
# Whether a non-ASCII character is inert: see `line_normalizer`. Filled as characters are met.
_INERT: dict[str, bool] = {}
_INERT_SEEN: set[str] = set()  # the characters of _INERT that are inert
_CACHE_MAX = 1 << 14


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR to LF; drops a leading byte-order mark."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def normalize_line(line: str) -> str:
    """One line as stored: NFC, odd and zero-width spaces normalized, inner whitespace collapsed."""
    # ASCII is already NFC, and its only odd spaces are tab, VT and FF. Other lines are
    # translated only when they hold an odd or zero-width space.
    if line.isascii():
        if "\t" in line or "\x0b" in line or "\x0c" in line:
            line = line.translate(_TABLE)
    elif _ODD.search(line):
        line = unicodedata.normalize("NFC", line.translate(_TABLE))
    else:
        line = unicodedata.normalize("NFC", line)
    return _collapse_spaces(line)


def line_normalizer(text: str) -> Callable[[str], str]:
    """A function equal to `normalize_line` on every string made of `text`'s characters, and
    cheaper where it can be: for the lines of a dump, one look at the dump's distinct
    characters instead of a scan of each line for odd spaces and an NFC check.

    When every character of `text` that is not an odd or zero-width space is inert under
    NFC, `normalize_line` of a line is: its odd spaces made spaces and its zero-width ones
    removed (when it holds any), spaces collapsed, stripped. Inert: canonical combining
    class 0, its own NFC, not a mark and not a Hangul vowel or trailing jamo. Such a
    character has NFC_Quick_Check=Yes: it is no "No" (it is its own NFC), and no "Maybe"
    (those compose with the character before them: every second character of a canonical
    composition is a mark or one of those jamo, which a test checks against the whole
    Unicode database). A string of characters that all have quick check Yes and class 0 is
    in NFC (Unicode Standard Annex #15, "Detecting Normalization Forms"), whatever their
    order: removing a zero-width space between two of them leaves it in NFC.
    """
    odd = [ch for ch in "\t\x0b\x0c" if ch in text]
    if not text.isascii():
        for start in range(0, len(text), _PIECE_CHARS):  # a long text a piece at a time
            piece = text[start:start + _PIECE_CHARS]
            if piece.isascii():
                continue
            # Characters met before as inert are set aside at once; the others looked at.
            for ch in distinct_non_ascii(piece).difference(_INERT_SEEN):
                inert = _INERT.get(ch)
                if inert is None:
                    if len(_INERT) > _CACHE_MAX:  # bounded, whatever the input
                        _INERT.clear()
                        _INERT_SEEN.clear()
                    inert = _INERT[ch] = _is_inert(ch)
                    if inert:
                        _INERT_SEEN.add(ch)
                if not inert:
                    if ord(ch) not in _TABLE:
                        return normalize_line
                    if ch not in odd:
                        odd.append(ch)
    if not odd:
        return _collapse_spaces
    if len(odd) > 4:
        return normalize_line

    def normalize_inert_line(line: str) -> str:
        # Every character of `_TABLE` in the text is in `odd`: one replace each (several
        # times faster than `str.translate`, a dict lookup a character).
        for ch in odd:
            if ch in line:
                line = line.replace(ch, _REPLACEMENTS[ch])
        return _collapse_spaces(line)

    return normalize_inert_line


def non_ascii(text: str) -> str:
    """The non-ASCII characters of `text`, in order, found among its UTF-8 bytes (faster
    than looking at every character, as most of news text is ASCII)."""
    return text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass")


def distinct_non_ascii(text: str) -> set[str]:
    """The distinct non-ASCII characters of `text`."""
    return set(non_ascii(text))


def _is_inert(ch: str) -> bool:
    """Whether `ch` is inert under NFC and no odd or zero-width space (see line_normalizer)."""
    return (ord(ch) not in _TABLE and not combines_backward(ch)
            and unicodedata.normalize("NFC", ch) == ch)


def combines_backward(ch: str) -> bool:
    """Whether normalization (NFC or NFKC) may join `ch` to the character before it: reorder
    it before that character (a combining class other than 0), or compose the two (every
    second character of a canonical composition is a mark, category M, or a Hangul vowel or
    trailing jamo, composed by algorithm). A text of characters for which this is False
    normalizes character by character."""
    return (unicodedata.combining(ch) != 0 or unicodedata.category(ch).startswith("M")
            or any(low <= ch <= high for low, high in _HANGUL_V_T))


def _collapse_spaces(line: str) -> str:
    """`normalize_line` on a line with no odd space and nothing NFC changes."""
    if "  " in line:
        line = _SPACES.sub(" ", line)
    return line.strip()


def normalize_field(value: object) -> str | None:
    """A metadata value as stored: a string normalized as one line (`normalize_line`), None
    when it is empty then, or not a string."""
    return (normalize_line(value) or None) if isinstance(value, str) else None
