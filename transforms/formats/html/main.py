"""Finds the main article content of a full HTML page, once `prune.prune` has run.

`main_content` picks the element holding the article: the page's own name for it
(itemprop=articleBody, class 'article-body', 'entry-content', ...) when one holds real
text, else the element whose text blocks score highest (length and commas, less link
text), as Readability does. `lead_figure` finds the article's image when it stands above
that element.
"""
from __future__ import annotations

from lxml import etree

from transforms.formats.html.blocks import BLOCK_TAGS, tag_of
from transforms.formats.html.rules import attr_words
from transforms.formats.html.tree import link_len, names_body, text_len
from transforms.rules import HtmlVocabulary

__all__ = ["lead_figure", "main_content"]

_MIN_BLOCK = 25  # shorter text blocks do not vote for a container
_BODY_MIN_CHARS = 250  # a body-named element with less paragraph text is not trusted
# Where a text block votes: a <p> for its parent; a <div> holding text directly for itself.
_DIRECT_OWNERS = frozenset({"div", "section", "article", "main", "td", "body"})
# Readability's rule for an article in parts: of the next _RIVALS scorers, those within
# _RIVAL_SHARE of the top; when _MIN_RIVALS of them share an ancestor with it, that is the article.
_RIVALS, _RIVAL_SHARE, _MIN_RIVALS = 4, 0.6, 3
# What a block adds to its voter and the voter's ancestors, nearest first.
_SHARES = (1.0, 0.5, 1 / 6)
_PARAGRAPHS = ("p", "h2", "h3", "li", "blockquote")
# Paragraph-level elements that sites sometimes give the body's name, one per paragraph.
_INLINE_NAMED = frozenset({"p", "span", "li", "h2", "h3", "em", "strong", "font", "a"})


def _body_named(doc, vocab: HtmlVocabulary) -> list:
    found = []
    for node in doc.iter():
        if tag_of(node) and names_body(node, vocab) and not _in_comments(node, vocab):
            if tag_of(node) in _INLINE_NAMED:
                node = node.getparent()  # <p class="bodytext"> names its container's paragraphs
                if node is None or any(node is f for f in found):
                    continue
            # Outermost only: a body-named element inside another is part of it.
            if not any(a in found for a in node.iterancestors()):
                found.append(node)
    return found


def _in_comments(node, vocab: HtmlVocabulary) -> bool:
    return any((attr_words(a.get("class")) | attr_words(a.get("id"))) & vocab.body_not_within
               for a in node.iterancestors())


def _paragraph_chars(node) -> int:
    return sum(text_len(p) for p in node.iter(*_PARAGRAPHS))


def _collect(node, owner, in_link: bool, texts: dict) -> None:
    """Text length (and link text length) by owning block element, over the subtree."""
    name = tag_of(node)
    if name in BLOCK_TAGS:
        owner = node
    link = in_link or name == "a"
    if node.text and name:
        _add(texts, owner, node.text, link)
    for child in node:
        if tag_of(child):
            _collect(child, owner, link, texts)
        if child.tail:
            _add(texts, owner, child.tail, link)


def _add(texts: dict, owner, text: str, link: bool) -> None:
    stripped = text.strip()
    if not stripped or owner is None:
        return
    entry = texts.get(id(owner))
    if entry is None:
        entry = texts[id(owner)] = [owner, [], 0]
    entry[1].append(stripped)
    if link:
        entry[2] += len(stripped)


def _voter(owner):
    """The element a text block votes for first: the block's own element when it is a <div>
    holding text directly, else its parent; then up through wrappers that hold nothing else
    (a paragraph in two unclassed <div>s votes for the container of the paragraphs)."""
    node = owner if tag_of(owner) in _DIRECT_OWNERS else owner.getparent()
    while node is not None:
        parent = node.getparent()
        if parent is None or tag_of(parent) in ("body", "html") or len(parent) != 1:
            break
        if (parent.text or "").strip() or (node.tail or "").strip():
            break
        node = parent
    return node


def _score_candidates(doc) -> dict[int, tuple[object, float]]:
    """Readability-style scores: each block of text votes for the element that holds it.

    A text run's block is its nearest block-level ancestor: a <p> votes for its parent (and
    half for the grandparent, a sixth for the next); a <div> holding text directly
    (paragraphs split by <br>) votes for itself. Wrappers that hold nothing but the
    voter are skipped.
    """
    texts: dict[int, list] = {}
    body = next(doc.iter("body"), doc)
    _collect(body, body, False, texts)
    scores: dict[int, tuple[object, float]] = {}
    for owner, parts, link_chars in texts.values():
        text = " ".join(parts)
        if len(text) < _MIN_BLOCK:
            continue
        score = 1 + text.count(",") + text.count("，") + text.count("、") + len(text) / 100
        score *= max(0.0, 1 - link_chars / len(text)) ** 2
        node = _voter(owner)
        for share in _SHARES:
            if node is None or tag_of(node) == "html":
                break
            prev = scores.get(id(node), (node, 0.0))[1]
            scores[id(node)] = (node, prev + share * score)
            node = node.getparent()
    return scores


def main_content(doc, vocab: HtmlVocabulary):
    """The element (or a new wrapper of sibling elements) holding the article body."""
    named = [(n, _paragraph_chars(n)) for n in _body_named(doc, vocab)]
    named = [(n, chars) for n, chars in named if chars >= _BODY_MIN_CHARS]
    if named:
        largest = max(chars for _, chars in named)
        keep = [n for n, chars in named if chars >= 0.2 * largest]
        return keep[0] if len(keep) == 1 else _wrap(keep)
    scores = _score_candidates(doc)
    if not scores:
        return next(doc.iter("body"), doc)
    top, top_score = _climb(scores)
    parent = top.getparent()
    if parent is None:
        return top
    # Siblings that score well are more of the article (a body split by an ad slot).
    threshold = max(10.0, top_score * 0.2)
    siblings = []
    for child in parent:
        if not tag_of(child):
            continue
        if child is top or scores.get(id(child), (None, 0.0))[1] >= threshold:
            siblings.append(child)
        elif tag_of(child) in ("p", "div"):
            length = text_len(child)
            if length > 80 and link_len(child) < 0.3 * length:
                siblings.append(child)
    # A lone <figure> is handed over wrapped, so that it is read as a figure (image, caption
    # and credit), not as loose text.
    return top if len(siblings) == 1 and tag_of(top) != "figure" else _wrap(siblings)


def _climb(scores: dict) -> tuple[object, float]:
    """The top-scored element, or the ancestor that holds the article it is one part of.

    As Readability does: when several other high scorers (a how-to's steps, a long read's
    sections) sit under one ancestor of the top element, that ancestor is the article; and
    an ancestor that scores higher than the element below it (its parts vote for it too)
    is taken in its place.
    """
    ranked = sorted(scores.values(), key=lambda item: item[1], reverse=True)
    top, top_score = ranked[0]
    rivals = [n for n, score in ranked[1:_RIVALS + 1] if score >= _RIVAL_SHARE * top_score]
    if len(rivals) >= _MIN_RIVALS:
        ancestors = [top, *top.iterancestors()]
        for ancestor in ancestors[1:]:
            if tag_of(ancestor) in ("body", "html"):
                break
            held = sum(1 for n in rivals
                       if n is ancestor or any(a is ancestor for a in n.iterancestors()))
            if held >= _MIN_RIVALS:
                top = ancestor
                top_score = scores.get(id(ancestor), (ancestor, top_score))[1]
                break
    last = top_score
    node = top.getparent()
    while node is not None and tag_of(node) not in ("body", "html"):
        score = scores.get(id(node), (node, 0.0))[1]
        if score < last / 3:
            break
        if score > last:
            return node, score
        last = score
        node = node.getparent()
    return top, top_score


def _wrap(nodes: list):
    wrapper = etree.Element("div")
    for node in nodes:
        tail = node.tail
        node.tail = None
        wrapper.append(node)  # moves the element
        node.tail = tail
    return wrapper


def lead_figure(root):
    """The lead <figure> of the article when it stands above the chosen body, outside it,
    in the same <article> or <main> (a page's image is often not inside its body element)."""
    container = next((a for a in root.iterancestors() if tag_of(a) in ("article", "main")), None)
    if container is None:
        return None
    for node in container.iter():
        if node is root:
            return None
        if tag_of(node) == "figure":
            return node
    return None
