"""Small helpers over lxml elements shared by the HTML reader's steps."""
from __future__ import annotations

import re

from transforms.rules import HtmlVocabulary

__all__ = ["class_tokens", "drop", "link_len", "names_body", "text_len"]

# Control characters that lxml's parser lets through in text but refuses to be given back.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text_len(node) -> int:
    """Characters of text under `node`, leading and trailing spaces of each piece left out."""
    return sum(len(s.strip()) for s in node.itertext())


def link_len(node) -> int:
    """Characters of link text under `node`."""
    return sum(text_len(a) for a in node.iter("a"))


def class_tokens(node) -> set[str]:
    """The element's class names and id, lower-cased, whole."""
    return set((node.get("class") or "").lower().split()) | {(node.get("id") or "").lower()}


def names_body(node, vocab: HtmlVocabulary) -> bool:
    """Whether the element names itself the article body (itemprop=articleBody, 'article-body', ...)."""
    if (node.get("itemprop") or "").lower() == "articlebody":
        return True
    return any(vocab.body_re.search(token) for token in class_tokens(node) if token)


def drop(node) -> None:
    """Removes an element and its content, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        tail = _CONTROL.sub(" ", node.tail)
        previous = node.getprevious()
        if previous is not None:
            previous.tail = _CONTROL.sub(" ", previous.tail or "") + tail
        else:
            parent.text = _CONTROL.sub(" ", parent.text or "") + tail
    parent.remove(node)
