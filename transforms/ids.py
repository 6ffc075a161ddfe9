"""Stable article ids: the same article content gives the same id in every run and on every runner."""
from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["article_id"]

_NON_WORD = re.compile(r"[\W_]+")
# What \W matches beyond ASCII (\w is str.isalnum() or '_', and '_' is ASCII).
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
# ASCII bytes that are not letters or digits become spaces; the bytes of multi-byte UTF-8
# sequences stay as they are.
_ASCII_NON_WORD = bytes(b if b >= 0x80 or chr(b).isalnum() else 0x20 for b in range(256))
# The same, with ASCII letters lower-cased as well (casefold on ASCII is lower).
_ASCII_FOLD = bytes(b if b >= 0x80 else ord(chr(b).lower()) if chr(b).isalnum() else 0x20
                    for b in range(256))
_ASCII = bytes(range(0x80))
_SPACE_RUN = re.compile(rb"  +")
# Above this many distinct non-ASCII characters to rewrite, one regex pass is cheaper.
_MAX_REWRITES = 16
# A non-ASCII character's UTF-8 bytes, and what stands for it in the fingerprint: its
# casefold with every character that is not a letter or digit a space. None where that holds
# a non-ASCII character that would be rewritten again (then the text takes the regex path).
_REWRITE: dict[str, tuple[bytes, bytes | None]] = {}
_CACHE_MAX = 1 << 14


def _fingerprint(text: str) -> str:
    """The words of `text`, casefolded and NFKC-normalized, joined by single spaces."""
    return _fingerprint_bytes(text).decode("utf-8")


def _fingerprint_bytes(text: str) -> bytes:
    """`_fingerprint(text)` encoded as UTF-8, which is what the id hashes.

    Case, punctuation, spacing and soft hyphens (which text browsers drop) differ between
    renderers of the same article; none of them may change the id. The same as
    `_NON_WORD.sub(" ", text.casefold()).strip()` on the NFKC-normalized text (ids must
    never change), done on the UTF-8 bytes: after NFKC, casefold and the word test work
    character by character, so each character has a fixed stand-in. A byte translation
    gives the ASCII ones theirs; each distinct non-ASCII character that changes is replaced
    once, in bytes (UTF-8 is self-synchronizing: a character's bytes only ever match that
    character); then runs of spaces collapse to one.
    """
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", ""))
    raw = text.encode("utf-8", "surrogatepass")
    if not text.isascii():
        rewrites = _rewrites(raw)
        if rewrites is None:  # many to rewrite, or an odd casefold: the earlier way
            raw = _NON_ASCII_NON_WORD.sub(" ", text.casefold()).encode("utf-8", "surrogatepass")
        else:
            for old, new in rewrites:
                raw = raw.replace(old, new)
    # Every character left that is not a letter or digit is an ASCII space now (or is made
    # one here), and bytes of multi-byte UTF-8 sequences are never ASCII, so collapsing the
    # runs of spaces between the bytes leaves the words joined by single spaces.
    raw = raw.translate(_ASCII_FOLD)
    if b"  " in raw:
        raw = _SPACE_RUN.sub(b" ", raw)
    return raw.strip(b" ")


def _rewrites(raw: bytes) -> list[tuple[bytes, bytes]] | None:
    """(bytes, stand-in) for each distinct non-ASCII character of `raw` (UTF-8) whose
    stand-in differs, or None when the regex path is to be taken."""
    rewrites = []
    for ch in set(raw.translate(None, _ASCII).decode("utf-8", "surrogatepass")):
        hit = _REWRITE.get(ch)
        if hit is None:
            if len(_REWRITE) > _CACHE_MAX:  # bounded, whatever the input
                _REWRITE.clear()
            hit = _REWRITE[ch] = _stand_in(ch)
        old, new = hit
        if new is None:
            return None
        if new != old:
            rewrites.append(hit)
            if len(rewrites) > _MAX_REWRITES:
                return None
    return rewrites


def _stand_in(ch: str) -> tuple[bytes, bytes | None]:
    folded = "".join(c if c.isalnum() else " " for c in ch.casefold())
    # Each character of the stand-in must stand for itself: the byte translation (ASCII) or
    # the replacement of its own kind (non-ASCII) come after, and must leave it as it is.
    if any(c != " " and c.casefold() != c for c in folded):
        return ch.encode("utf-8", "surrogatepass"), None
    return ch.encode("utf-8", "surrogatepass"), folded.encode("utf-8", "surrogatepass")


# Bodies longer than this many characters are fingerprinted a piece at a time (see below).
_PIECE_CHARS = 1 << 20


def article_id(paragraphs: tuple[str, ...] | list[str], *, piece_chars: int = _PIECE_CHARS) -> str:
    """A 32-hex-digit id from the article body alone.

    The body, not the file: the same article syndicated with another footer, or rendered
    by another tool (text, markdown), gets the same id, which is what deduplication keys on.

    It hashes `_fingerprint_bytes("\\n".join(paragraphs))`. A long body is fingerprinted in
    pieces instead, so a 45 MB input never has several whole copies of its text alive at
    once: every step of the fingerprint works character by character, and newline and
    space compose and reorder with nothing under NFKC, so the fingerprint of text cut at a
    newline or a space is the pieces' fingerprints joined by one space (empty ones left out).
    """
    if sum(map(len, paragraphs)) <= piece_chars:
        return hashlib.sha256(_fingerprint_bytes("\n".join(paragraphs))).hexdigest()[:32]
    digest = hashlib.sha256()
    first = True
    for piece in _pieces(paragraphs, piece_chars):
        words = _fingerprint_bytes(piece)
        if words:
            if not first:
                digest.update(b" ")
            digest.update(words)
            first = False
    return digest.hexdigest()[:32]


def _pieces(paragraphs, piece_chars: int):
    """Each paragraph, a long one cut before a space about every `piece_chars` characters."""
    for paragraph in paragraphs:
        start = 0
        while len(paragraph) - start > piece_chars:
            cut = paragraph.find(" ", start + piece_chars)
            if cut < 0:
                break
            yield paragraph[start:cut]
            start = cut
        yield paragraph[start:] if start else paragraph
