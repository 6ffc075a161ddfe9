"""Removes what is never article text from a parsed page, before and after the body is found.

`prune` (whole page): code, forms that hold little text, navigation, asides, footers,
headers, hidden elements, and elements whose class or id names page furniture (share
widgets, newsletter boxes, related-article lists, ads, comments, cookie banners).
`drop_link_lists` and `drop_loose_captions` (inside the chosen body): short link-heavy
blocks ('Read more: ...'), and captions or credits standing outside any <figure>.
Vocabularies come from schemas/rules/html.toml.
"""
from __future__ import annotations

import re

from transforms.formats.html.blocks import tag_of
from transforms.formats.html.rules import HtmlVocabulary, attr_words
from transforms.formats.html.tree import drop, link_len, names_body, text_len

__all__ = ["drop_link_lists", "drop_loose_captions", "prune"]

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_LINK_HEAVY = 0.55  # blocks with more link text than this share, and short, are navigation
_LINK_BLOCK_MAX = 300  # ... and shorter than this many characters
_FURNITURE_MAX_SHARE = 0.4  # a furniture-named element holding more of the page is its body
_CAPTION_MAX = 400  # a longer element named 'caption' is not one
# Elements whose classes describe the article rather than the page ('tag-diy',
# 'category-books' on a WordPress <article>): never dropped for a furniture word.
# Table parts too: their classes style data ('oddrow player-2020-580'), not page furniture.
_NEVER_FURNITURE = frozenset({"article", "main", "body", "html", "tr", "td", "th", "tbody", "thead"})


def _is_furniture(node, vocab: HtmlVocabulary) -> bool:
    if tag_of(node) in _NEVER_FURNITURE:
        return False
    words = attr_words(node.get("class")) | attr_words(node.get("id"))
    if not words & vocab.furniture:
        return False
    # 'article-body' and kin name the body itself, whatever other class it carries; an
    # element holding the named body is not furniture either.
    return not (names_body(node, vocab) or any(names_body(d, vocab) for d in node.iterdescendants()))


def _is_hidden(node) -> bool:
    attrs = node.attrib
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden") == "true"
        or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))
    )


def prune(doc, vocab: HtmlVocabulary, *, page: bool) -> None:
    """Removes non-article elements from `doc` in place.

    Args:
        page: a full page (also drops <header>, furniture by class, hidden elements); a
            fragment only loses code, forms and embeds.
    """
    tags = vocab.drop_tags | (vocab.page_drop_tags if page else frozenset())
    for node in list(doc.iter(*tags)):
        drop(node)
    for node in list(doc.iter(*vocab.short_drop_tags)):
        if text_len(node) < vocab.short_chars:
            drop(node)
    if page:
        body = next(doc.iter("body"), doc)
        _prune_furniture(body, vocab, text_len(body) or 1)


def _prune_furniture(node, vocab: HtmlVocabulary, total: int) -> None:
    for child in list(node):
        if not tag_of(child):
            continue
        if (_is_hidden(child) or _is_furniture(child, vocab)) and text_len(child) < _FURNITURE_MAX_SHARE * total:
            drop(child)
        else:
            _prune_furniture(child, vocab, total)


def drop_link_lists(root) -> None:
    """Removes short, link-heavy blocks inside the chosen content ('Read more: ...' lines)."""
    for child in list(root):
        if not tag_of(child):
            continue
        if tag_of(child) in ("p", "li", "div", "ul", "ol"):
            total = text_len(child)
            if total and total < _LINK_BLOCK_MAX and link_len(child) / total > _LINK_HEAVY:
                drop(child)
                continue
        drop_link_lists(child)


def drop_loose_captions(root, vocab: HtmlVocabulary) -> None:
    """Removes caption and credit elements that stand in the body outside any <figure>."""
    for child in list(root):
        name = tag_of(child)
        if not name or name == "figure":
            continue
        words = attr_words(child.get("class")) | attr_words(child.get("id"))
        if words & vocab.captions and not names_body(child, vocab) and text_len(child) < _CAPTION_MAX:
            drop(child)
        else:
            drop_loose_captions(child, vocab)
