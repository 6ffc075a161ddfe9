"""Text normalization shared by every step: NFC, odd spaces, line endings, whitespace."""
from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_newlines", "normalize_line", "count_words", "is_blank"]

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
# Any character the table maps: a scan for one is many times cheaper than `str.translate`
# (a dict lookup per character), and most lines of news text hold none.
_ODD = re.compile("[" + re.escape("".join(map(chr, _TABLE))) + "]")
_SPACES = re.compile(r" {2,}")
# What \W matches beyond ASCII (\w is str.isalnum() or '_', and '_' is ASCII).
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
# Word bytes become 'a' and the others spaces: ASCII letters, digits and '_' are word bytes,
# and so is every byte of a multi-byte UTF-8 sequence (non-word characters beyond ASCII are
# replaced first). A word is then an 'a' at the start or after a space.
_WORD_BYTES = bytes(
    0x61 if i >= 128 or chr(i).isalnum() or chr(i) == "_" else 0x20 for i in range(256)
)


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
    if "  " in line:
        line = _SPACES.sub(" ", line)
    return line.strip()


def is_blank(line: str) -> bool:
    return not line.strip() or not normalize_line(line)


def count_words(text: str) -> int:
    """Words as runs of letters/digits (so a CJK sentence without spaces counts as one): the
    number of matches of `\\w+`, counted without making a string a word. A long text is
    counted a piece at a time, cut before a space (words never straddle one)."""
    if len(text) <= _PIECE_CHARS:
        return _count_words(text)
    total, start = 0, 0
    while len(text) - start > _PIECE_CHARS:
        cut = text.find(" ", start + _PIECE_CHARS)
        if cut < 0:
            break
        total += _count_words(text[start:cut])
        start = cut
    return total + _count_words(text[start:])


_PIECE_CHARS = 1 << 20


def _count_words(text: str) -> int:
    if not text.isascii():
        # Non-ASCII characters that are not word characters become spaces; those left are
        # letters or digits, whose UTF-8 bytes (all >= 0x80) are word bytes below.
        text = _NON_ASCII_NON_WORD.sub(" ", text)
    marks = text.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)
    return marks.count(b" a") + marks.startswith(b"a")
