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


def _fingerprint(text: str) -> str:
    """The words of `text`, casefolded and NFKC-normalized, joined by single spaces."""
    return _fingerprint_bytes(text).decode("utf-8")


def _fingerprint_bytes(text: str) -> bytes:
    """`_fingerprint(text)` encoded as UTF-8, which is what the id hashes.

    Case, punctuation, spacing and soft hyphens (which text browsers drop) differ between
    renderers of the same article; none of them may change the id. The same as
    `_NON_WORD.sub(" ", text).strip()` on the normalized text (ids must never change), done
    with one scan for non-ASCII non-word characters and a byte translation.
    """
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    if not text.isascii():
        text = _NON_ASCII_NON_WORD.sub(" ", text)
    # Every character left that is not a letter or digit is an ASCII space now, and bytes of
    # multi-byte UTF-8 sequences are never ASCII, so collapsing the runs of spaces between
    # the bytes leaves the words joined by single spaces (cheaper than split and join).
    raw = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD)
    while b"  " in raw:
        raw = raw.replace(b"  ", b" ")
    return raw.strip(b" ")


# Bodies longer than this many characters are fingerprinted a piece at a time (see below).
_PIECE_CHARS = 1 << 20


def article_id(paragraphs: tuple[str, ...] | list[str], *, caption: str | None = None,
               image_alt: str | None = None, caption_credit: str | None = None,
               piece_chars: int = _PIECE_CHARS) -> str:
    """A 32-hex-digit id from the article body alone.

    The body, not the file: the same article syndicated with another footer, or rendered
    by another tool (text, markdown), gets the same id, which is what deduplication keys on.

    A caption with neither alt text nor a credit (a lone caption) counts as the body's
    first paragraph. Only a layout that marks the image (a text browser's blank first line
    for an image without alt text, a markdown image, an HTML figure) tells such a caption
    from body text; a scraped text dump cannot, and reads it as the first paragraph. Either
    way the article gets one id. A caption with alt text or a credit never counts.

    It hashes `_fingerprint_bytes("\\n".join(paragraphs))`. A long body is fingerprinted in
    pieces instead, so a 45 MB input never has several whole copies of its text alive at
    once: every step of the fingerprint works character by character, and newline and
    space compose and reorder with nothing under NFKC, so the fingerprint of text cut at a
    newline or a space is the pieces' fingerprints joined by one space (empty ones left out).
    """
    if caption and not image_alt and not caption_credit:
        paragraphs = (caption, *paragraphs)
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
