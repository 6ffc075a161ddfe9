"""Text normalization shared by every step: NFC, odd spaces, line endings, whitespace."""
from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize_field", "normalize_line", "normalize_newlines"]

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


def normalize_field(value: object) -> str | None:
    """A metadata value as stored: a string normalized as one line (`normalize_line`), None
    when it is empty then, or not a string."""
    return (normalize_line(value) or None) if isinstance(value, str) else None
