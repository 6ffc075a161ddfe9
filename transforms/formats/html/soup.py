"""The parser of last resort: BeautifulSoup over Python's html.parser, for markup that
libxml2 does not read whole.

libxml2 (lxml) parses every page first: it is about ten times faster. It stops following
nesting at 256 levels and drops everything below (a page of 300 nested <div>s, or of
custom elements, loses its text), and it gives up on a few inputs altogether. For those,
`parse_soup` builds the same kind of lxml tree from BeautifulSoup's parse, with nesting
below `MAX_DEPTH` flattened: an element that deep keeps its text and inline elements as
text, and is followed by the other elements it held, as its siblings (everything kept in
order, only the nesting lost), so the rest of the reader, which walks the tree
recursively, never meets a tree deeper than it can walk.
"""
from __future__ import annotations

import collections
import re

from lxml import etree

__all__ = ["MAX_DEPTH", "parse_soup"]

MAX_DEPTH = 200
# Characters lxml refuses in text and attribute values.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
# Kept as text inside an element at MAX_DEPTH; any other element (blocks, custom elements)
# follows it as a sibling.
_INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tt",
    "u", "var", "wbr",
})


def parse_soup(html: str):
    """The document as an lxml tree rooted at <html>; None when it holds no elements."""
    # Imported here: bs4 takes about 0.15 s to import, and nearly every run never needs it.
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    skipped = (Comment, Declaration, Doctype, ProcessingInstruction, CData)
    soup = BeautifulSoup(html, "html.parser")
    top = next((c for c in soup.contents if isinstance(c, Tag)), None)
    if top is None:
        return None
    root = etree.Element("html")
    source = top.contents if top.name == "html" else soup.contents
    if top.name == "html":
        _copy_attributes(top, root)
    pending = [(source, root, 1)]
    while pending:
        contents, element, depth = pending.pop()
        queue = collections.deque(contents)
        while queue:
            child = queue.popleft()
            if isinstance(child, Tag):
                if not _NAME.match(child.name):
                    # A name lxml refuses: its content stands in its place.
                    queue.extendleft(reversed(child.contents))
                    _add_text(element, " ")
                    continue
                sub = etree.SubElement(element, child.name.lower())
                _copy_attributes(child, sub)
                if depth < MAX_DEPTH:
                    pending.append((child.contents, sub, depth + 1))
                    continue
                # Too deep: the element keeps its leading text and inline elements, as text;
                # what it holds from its first other element on follows it, as its siblings.
                rest = collections.deque(child.contents)
                while rest and not (isinstance(rest[0], Tag) and rest[0].name not in _INLINE):
                    item = rest.popleft()
                    if isinstance(item, Tag):
                        _add_text(sub, item.get_text())
                    elif not isinstance(item, skipped):
                        _add_text(sub, str(item))
                queue.extendleft(reversed(rest))
            elif isinstance(child, NavigableString) and not isinstance(child, skipped):
                _add_text(element, str(child))
    return root


def _copy_attributes(tag, element) -> None:
    for name, value in tag.attrs.items():
        if isinstance(value, list):
            value = " ".join(value)
        if _NAME.match(name):
            element.set(name.lower(), _CONTROL.sub(" ", str(value)))


def _add_text(element, text: str) -> None:
    text = _CONTROL.sub(" ", text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text
