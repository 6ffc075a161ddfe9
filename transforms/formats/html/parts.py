"""Reads the parts of an article from the blocks of its HTML: image, caption, credit, bullets, body.

The structure says what each piece is, so nothing is guessed from line shapes as in text
dumps: the first <figure> (or bare <img>) before the body is the image block, its
<figcaption> the caption and the credit element inside it (class 'copyright', 'credit',
<small>, ...) the photo credit; a list before the body is the summary bullets; every
other text block is a body paragraph. A credit glued into the caption text is cut off
with the text dumps' own `split_credit`.
"""
from __future__ import annotations

import dataclasses

from lxml import etree

from transforms.credit import is_credit, is_labelled_credit, split_credit
from transforms.formats.html.blocks import (
    BLOCK_TAGS,
    FIGURE,
    HEADING,
    IMAGE,
    LIST,
    clean_text,
    tag_of,
    text_of,
    to_blocks,
)
from transforms.formats.html.rules import attr_words
from transforms.formats.html.tree import names_body
from transforms.rules import CreditVocabulary, HtmlVocabulary

__all__ = ["HtmlParts", "caption_boxes_as_figures", "read_figure", "read_parts"]


@dataclasses.dataclass(frozen=True)
class HtmlParts:
    image_alt: str | None
    caption: str | None
    caption_credit: str | None
    bullets: tuple[str, ...]
    paragraphs: tuple[str, ...]
    headings: tuple[int, ...]  # indexes into `paragraphs` that were headings


def _alt(img) -> str | None:
    if img is None:
        return None
    return clean_text(img.get("alt") or "") or None


def _credit_element(node, vocab: HtmlVocabulary):
    for el in node.iterdescendants():
        if tag_of(el) in vocab.credit_tags or attr_words(el.get("class")) & vocab.credit:
            return el
    return None


def read_figure(figure, vocab: HtmlVocabulary, credits: CreditVocabulary) -> tuple[str | None, ...]:
    """(alt, caption, credit) of a <figure>."""
    alt = _alt(next(figure.iter("img"), None))
    figcaption = next(figure.iter("figcaption"), None)
    holder = figcaption if figcaption is not None else figure
    credit_el = _credit_element(holder, vocab)
    if credit_el is None and figcaption is not None:
        # A credit beside the figcaption: <figure><img><span class="credit">...</span><figcaption>
        credit_el = _credit_element(figure, vocab)
        if credit_el is not None and any(a is figcaption for a in credit_el.iterancestors()):
            credit_el = None
    credit = text_of(credit_el) or None if credit_el is not None else None
    caption = text_of(figcaption, skip=credit_el) if figcaption is not None else ""
    if credit is None and caption:
        caption, credit = split_credit(caption, credits, alt=alt)
    if caption and credit is None and (
            alt and caption != alt and is_credit(caption, credits, weak_ok=False)
            or is_labelled_credit(caption, credits)):
        caption, credit = "", caption  # a figcaption that is only a credit
    return alt, caption or None, credit


# Longest text of a caption box; a longer element named 'caption' is not one.
_BOX_MAX_CHARS = 400


def caption_boxes_as_figures(root, vocab: HtmlVocabulary) -> None:
    """Makes each caption box under `root` the <figure> it stands for: an element outside any
    <figure> whose class or id holds a [captions] boxes word and that holds an <img>
    (`<div class="wp-caption"><img ...><p class="wp-caption-text">Text</p></div>`). The box
    becomes the figcaption of a new <figure> in its place, its image still inside it (an
    image has no text), so the box is read as the image, its caption and credit, and not as a
    paragraph."""
    for node in list(root):
        name = tag_of(node)
        if not name or name in ("figure", "figcaption", "img"):
            continue
        words = attr_words(node.get("class")) | attr_words(node.get("id"))
        # A block of its own (not a <span> inside a paragraph), not the body itself
        # ('post-body has-captions'), holding an image and little text.
        if (words & vocab.caption_boxes and name in BLOCK_TAGS and not names_body(node, vocab)
                and next(node.iter("img"), None) is not None and len(text_of(node)) <= _BOX_MAX_CHARS):
            figure = etree.Element("figure")
            figure.tail, node.tail = node.tail, None
            node.addprevious(figure)
            figure.append(node)
            node.tag = "figcaption"
        else:
            caption_boxes_as_figures(node, vocab)


def _is_summary(node, vocab: HtmlVocabulary) -> bool:
    return bool(attr_words(node.get("class")) & vocab.summary or attr_words(node.get("id")) & vocab.summary)


def _items(node) -> list[str]:
    items = [text_of(li) for li in node if tag_of(li) == "li"]
    return [t for t in items if t and any(ch.isalnum() for ch in t)]


def read_parts(
    root, vocab: HtmlVocabulary, credits: CreditVocabulary, *, fragment: bool
) -> HtmlParts:
    """The parts of the article under `root` (the whole fragment, or a page's main content).

    Args:
        fragment: the input is an article fragment (a feed item): any list before the first
            paragraph is the summary. In a full page only a list named like one is.
    """
    blocks = to_blocks(root)
    alt = caption = credit = None
    image_seen = False
    bullets: list[str] = []
    paragraphs: list[str] = []
    headings: list[int] = []
    for block in blocks:
        before_body = not paragraphs
        if block.kind == FIGURE:
            if before_body and not image_seen and not bullets:
                alt, caption, credit = read_figure(block.node, vocab, credits)
                image_seen = True
            continue
        if block.kind == IMAGE:
            if before_body and not image_seen and not bullets:
                alt, image_seen = _alt(block.node), True
            continue
        if block.kind == LIST:
            items = _items(block.node)
            if before_body and not bullets and (fragment or _is_summary(block.node, vocab)):
                bullets = items
            else:
                paragraphs.extend(items)
            continue
        if block.tag == "h1":
            continue  # the headline: read as the title, not body text
        if block.kind == HEADING:
            headings.append(len(paragraphs))
        paragraphs.append(block.text)
    return HtmlParts(alt, caption, credit, tuple(bullets), tuple(paragraphs), tuple(headings))
