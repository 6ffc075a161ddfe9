"""Stable article ids: the same article content gives the same id in every run and on every runner."""
from __future__ import annotations

import hashlib
import re
import unicodedata

from transforms.normalize import combines_backward, distinct_non_ascii

__all__ = ["article_id"]

# What \W matches beyond ASCII (\w is str.isalnum() or '_', and '_' is ASCII).
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
# ASCII bytes: letters lower-cased (casefold on ASCII is lower), digits kept, the others a
# space. Bytes of multi-byte UTF-8 sequences stay as they are.
_ASCII_FOLD = bytes(b if b >= 0x80 else ord(chr(b).lower()) if chr(b).isalnum() else 0x20
                    for b in range(256))
# A run of two or more spaces (a literal two-space start: the regex engine skips to each run
# instead of trying every single space, as " (?= )" did).
_SPACE_RUN = re.compile(rb"  +")
# Above this many distinct non-ASCII characters to rewrite, one casefold and one regex pass
# over the text are cheaper than a replacement each.
_MAX_REWRITES = 32
# What stands for a non-ASCII character in the fingerprint (`_stand_in`), or None where the
# text takes the regex path.
_STAND_IN: dict[str, str | None] = {}
_SELF: set[str] = set()  # the characters of _STAND_IN that stand for themselves
_CACHE_MAX = 1 << 14


def _fingerprint(text: str) -> str:
    """The words of `text`, casefolded and NFKC-normalized, joined by single spaces."""
    return _fingerprint_bytes(text).decode("utf-8")


def _fingerprint_bytes(text: str) -> bytes:
    """`_fingerprint(text)` encoded as UTF-8, which is what the id hashes.

    Case, punctuation, spacing and soft hyphens (which text browsers drop) differ between
    renderers of the same article; none of them may change the id. The same as
    `re.sub(r"[\\W_]+", " ", text.casefold()).strip()` on the text without its soft hyphens,
    NFKC-normalized (ids must never change). That works character by character (see
    `_stand_in`), so each character has a fixed stand-in: each distinct non-ASCII character
    whose stand-in differs is replaced once, a byte translation gives the ASCII ones theirs,
    and runs of spaces collapse to one (no copy of the text is normalized, casefolded or
    scanned by a regex for words).
    """
    if not text.isascii():
        rewrites = _rewrites(text)
        if rewrites is None:  # many to rewrite, a combining mark, an odd casefold: the long way
            text = unicodedata.normalize("NFKC", text.replace("\u00ad", ""))
            text = _NON_ASCII_NON_WORD.sub(" ", text.casefold())
        else:
            for old, new in rewrites:
                text = text.replace(old, new)
    # Every character left that is not a letter or digit is ASCII now, and bytes of
    # multi-byte UTF-8 sequences are never ASCII: the translation makes those characters
    # spaces, and collapsing the runs of spaces leaves the words joined by single spaces.
    raw = text.encode("utf-8", "surrogatepass").translate(_ASCII_FOLD)
    if b"  " in raw:
        raw = _SPACE_RUN.sub(b" ", raw)
    return raw.strip(b" ")


def _rewrites(text: str) -> list[tuple[str, str]] | None:
    """(character, stand-in) for each distinct non-ASCII character of `text` whose stand-in
    differs from it, or None when the regex path is to be taken.

    A replacement never touches another character's stand-in: the characters of a stand-in
    stand for themselves (`_stand_in`), so none of them is replaced.
    """
    rewrites = []
    # Most characters stand for themselves (lower-case letters, CJK): set aside at once.
    for ch in distinct_non_ascii(text).difference(_SELF):
        if ch in _STAND_IN:
            new = _STAND_IN[ch]
        else:
            if len(_STAND_IN) > _CACHE_MAX:  # bounded, whatever the input
                _STAND_IN.clear()
                _SELF.clear()
            new = _STAND_IN[ch] = _stand_in(ch)
            if new == ch:
                _SELF.add(ch)
        if new is None:
            return None
        if new != ch:
            rewrites.append((ch, new))
            if len(rewrites) > _MAX_REWRITES:
                return None
    return rewrites


def _stand_in(ch: str) -> str | None:
    """What stands for `ch` in the fingerprint: nothing for a soft hyphen, else its NFKC form
    casefolded, with every character that is not a letter or digit a space. None where that
    is not so in every context, or would be rewritten again.

    NFKC works character by character on a text where no character decomposes (NFKD) to
    one that combines with the character before it (`combines_backward`): each then starts
    with a character that neither reorders nor composes with what precedes it, so the
    normalization of the text is the normalizations of its characters, one after the other.
    Casefold and the word test work character by character anyway. A character that does
    combine backward (a combining accent) gets None: the text is normalized whole.
    """
    if ch == "\u00ad":
        return ""  # a soft hyphen is dropped: the word it splits stays one
    if combines_backward(unicodedata.normalize("NFKD", ch)[:1]):
        return None
    normalized = unicodedata.normalize("NFKC", ch)
    folded = "".join(c if c.isalnum() else " " for c in normalized.casefold())
    # Each character of the stand-in must stand for itself (a space, or a letter or digit
    # that NFKC and casefold leave as it is: the translation and replacements that come
    # after must leave it alone).
    if any(c != " " and unicodedata.normalize("NFKC", c).casefold() != c for c in folded):
        return None
    return folded


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
