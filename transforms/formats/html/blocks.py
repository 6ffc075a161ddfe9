"""Flattens an HTML element into the blocks a reader sees, in document order.

A block is a run of text between block-level boundaries (a <p>, a heading, a list item, a
<div> holding text directly), or a structural element handed over whole: a <figure>, a
bare <img>, a <ul>/<ol> (summary bullets or body lists; the caller decides).
Works on lxml elements (text in `.text`, the text after an element in its `.tail`).
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata

from lxml import etree

__all__ = ["BLOCK_TAGS", "Block", "clean_text", "tag_of", "text_of", "to_blocks"]

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "li", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "dl", "dt", "dd",
    "figcaption", "center", "address", "hr", "details", "summary", "body", "html", "caption",
    "ul", "ol", "figure", "form",
})
# The zero-width characters `normalize_line` removes (ZWJ, ZWNJ and soft hyphens are kept).
_ZERO_WIDTH = re.compile("[\u200b\u2060\ufeff]")
# Stands for a <br> inside a block until the block is cut into paragraphs.
_BREAK = "\x00"
_DOUBLE_BREAK = re.compile("\x00\\s*\x00[\\s\x00]*")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_CELLS = frozenset({"td", "th"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TEXT, HEADING, FIGURE, IMAGE, LIST = "text", "heading", "figure", "image", "list"


def clean_text(raw: str) -> str:
    """Text as stored: every run of whitespace (newlines in the markup, no-break and other odd
    spaces) one space, zero-width spaces removed, NFC: the same result as the text dumps'
    `normalize_line` on the whitespace-joined text, without its per-character table
    (the cost that matters when a page has hundreds of paragraphs)."""
    text = " ".join(raw.split())
    if text.isascii():
        return text
    if _ZERO_WIDTH.search(text):
        text = " ".join(_ZERO_WIDTH.sub("", text).split())
    return unicodedata.normalize("NFC", text)


def tag_of(node) -> str:
    """The element's tag name; '' for comments and processing instructions."""
    tag = node.tag
    return tag.lower() if isinstance(tag, str) else ""


@dataclasses.dataclass
class Block:
    kind: str  # text, heading, figure, image, list
    text: str = ""
    node: etree._Element | None = None
    tag: str = ""


def text_of(node, skip=None) -> str:
    """The normalized text of an element: <br> and block boundaries as spaces, `skip` (a
    credit element) left out."""
    parts: list[str] = []
    _gather(node, parts, skip)
    return clean_text("".join(parts))


def _gather(node, parts: list[str], skip) -> None:
    if node.text and tag_of(node):
        parts.append(node.text)
    for child in node:
        name = tag_of(child)
        if child is not skip and name:
            if name == "br":
                parts.append(" ")
            elif name in BLOCK_TAGS:
                parts.append(" ")
                _gather(child, parts, skip)
                parts.append(" ")
            else:
                _gather(child, parts, skip)
        if child.tail:
            parts.append(child.tail)


def to_blocks(root) -> list[Block]:
    """The blocks of `root` in document order; blocks holding no letter or digit are left out."""
    out: list[Block] = []
    current: list[str] = []
    tag = tag_of(root) or "div"
    if root.text:
        current.append(root.text)
    _walk(root, out, current, tag)
    _flush(out, current, tag)
    return out


def _flush(out: list[Block], current: list[str], tag: str) -> None:
    if not current:
        return
    raw = "".join(current)
    current.clear()
    if raw.isspace():
        return
    # Two line breaks in a row ('text<br><br>text') end a paragraph; one is a space. In a
    # <pre>, whose line breaks are the text's own, so does a blank line.
    if tag == "pre":
        raw = _BLANK_LINE.sub(_BREAK * 2, raw)
    for piece in _DOUBLE_BREAK.split(raw) if _BREAK in raw else (raw,):
        text = clean_text(piece.replace(_BREAK, " "))
        if text and any(ch.isalnum() for ch in text):
            out.append(Block(HEADING if tag in HEADINGS else TEXT, text, None, tag))


def _walk(node, out: list[Block], current: list[str], tag: str) -> None:
    for child in node:
        name = child.tag
        if not isinstance(name, str):
            pass  # a comment: its tail still counts
        elif name == "br":
            current.append(_BREAK)
        elif name == "figure":
            _flush(out, current, tag)
            out.append(Block(FIGURE, node=child, tag=name))
        elif name == "img":
            if not "".join(current).strip():
                out.append(Block(IMAGE, node=child, tag=name))
        elif name in ("ul", "ol"):
            _flush(out, current, tag)
            out.append(Block(LIST, node=child, tag=name))
        elif name in _CELLS:
            # A table row is one paragraph, its cells separated by spaces.
            current.append(" ")
            if child.text:
                current.append(child.text)
            _walk(child, out, current, tag)
            current.append(" ")
        elif name in BLOCK_TAGS:
            _flush(out, current, tag)
            if child.text:
                current.append(child.text)
            _walk(child, out, current, name)
            _flush(out, current, name)
        else:
            if child.text:
                current.append(child.text)
            _walk(child, out, current, tag)
        if child.tail:
            current.append(child.tail)
