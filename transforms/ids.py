"""Stable article ids: the same article content gives the same id in every run and on every runner."""
from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["article_id"]

_NON_WORD = re.compile(r"[\W_]+")


def _fingerprint(text: str) -> str:
    # Case, punctuation, spacing and soft hyphens (which text browsers drop) differ between
    # renderers of the same article; none of them may change the id.
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    return _NON_WORD.sub(" ", text).strip()


def article_id(paragraphs: tuple[str, ...] | list[str]) -> str:
    """A 32-hex-digit id from the article body alone.

    The body, not the file: the same article syndicated with another footer, or rendered
    by another tool (text, markdown), gets the same id, which is what deduplication keys on.
    """
    digest = hashlib.sha256(_fingerprint("\n".join(paragraphs)).encode("utf-8")).hexdigest()
    return digest[:32]
