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
from collections import Counter

from transforms.formats.html.blocks import BLOCK_TAGS, HEADINGS, tag_of
from transforms.formats.html.rules import attr_words
from transforms.formats.html.tree import class_tokens, drop, link_len, names_body, text_len
from transforms.rules import HtmlVocabulary

__all__ = ["drop_link_lists", "drop_loose_captions", "prune"]

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_LINK_HEAVY = 0.55  # blocks with more link text than this share, and short, are navigation
_LINK_BLOCK_MAX = 300  # ... and shorter than this many characters
_FURNITURE_MAX_SHARE = 0.4  # a furniture-named element holding more of the page is its body
# An <aside>, <header> or <footer> holding this share of the page's text outside links, at
# least this many characters, and little link text, holds its article (a one-line 'Contact
# us' footer or a site map does not).
_REGION_MIN_SHARE, _REGION_MIN_CHARS, _REGION_MAX_LINKS = 0.4, 100, 0.3
_CAPTION_MAX = 400  # a longer element named 'caption' is not one
# An inline element beside this much text of its own paragraph stands in a sentence.
_SENTENCE_CHARS = 40
_SLUG = re.compile(r"[\W_]+")
# Removed, but not counted as furniture: code, not page text.
_CODE = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
})
# Elements whose classes describe the article rather than the page ('tag-diy',
# 'category-books' on a WordPress <article>): never dropped for a furniture word.
# Table parts too: their classes style data ('oddrow player-2020-580'), not page furniture.
_NEVER_FURNITURE = frozenset({"article", "main", "body", "html", "tr", "td", "th", "tbody", "thead"})


def _words(node, vocab: HtmlVocabulary) -> set[str]:
    """Class and id words, less those that say where an element shows rather than what it is
    (responsive classes: 'hidden-xs'), and less an id that is its first heading's anchor
    ('sharing-with-a-team' on a section headed 'Sharing with a team')."""
    classes = node.get("class")
    if classes and vocab.display_re.search(classes):
        classes = vocab.display_re.sub(" ", classes)
    words = attr_words(classes)
    ident = node.get("id")
    if ident and not (attr_words(ident) & vocab.furniture and _is_heading_anchor(node, ident)):
        words |= attr_words(ident)
    return words


def _is_heading_anchor(node, ident: str) -> bool:
    heading = next(node.iter(*HEADINGS), None)
    if heading is None:
        return False
    slug = _SLUG.sub("-", "".join(heading.itertext()).lower()).strip("-")
    return slug == ident.lower().strip("-")


def _in_sentence(node) -> bool:
    """An inline element standing in running text (a link mid-sentence): content, whatever
    its class."""
    if tag_of(node) in BLOCK_TAGS:
        return False
    parent = node.getparent()
    if parent is None:
        return False
    own = (parent.text or "").strip() + "".join((c.tail or "").strip() for c in parent)
    return len(own) >= _SENTENCE_CHARS


def _is_furniture(node, vocab: HtmlVocabulary, furniture: frozenset[str]) -> bool:
    if tag_of(node) in _NEVER_FURNITURE:
        return False
    words = _words(node, vocab)
    if not words & furniture or _in_sentence(node):
        return False
    if words & vocab.body_not_within:
        return True  # a comment list, whatever its comments' classes say
    if any(class_tokens(d) & vocab.embeds for d in node.iter("blockquote")):
        return False  # a quoted social post ('social-media-embed' around a tweet)
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


def _visible(node) -> bool:
    return tag_of(node) not in _CODE and any(s.strip() for s in node.itertext())


def prune(doc, vocab: HtmlVocabulary, *, page: bool, spare: frozenset[str] = frozenset()) -> Counter:
    """Removes non-article elements from `doc` in place; returns what it dropped, by rule.

    Rules (the names counted): 'tag' (navigation, buttons, forms holding little text, ...;
    code and styles are removed but not counted), 'region' (an <aside>, <header> or
    <footer> holding little text, mostly links, or a small share of the page's text),
    'hidden' (hidden elements) and 'class' (a class or id naming page furniture).

    Args:
        page: a full page (regions, hidden elements and furniture by class too); a fragment
            only loses code, forms and embeds, and its <aside> and <footer> whole. Only a
            page's drops are counted.
        spare: furniture words an element is not dropped for, and tags not dropped (a
            page's second reading: `[furniture] second_look`, where 'noscript' keeps the
            text a script-rendered page gives readers without scripts).
    """
    dropped: Counter = Counter()
    tags = (vocab.drop_tags | (frozenset() if page else vocab.fragment_drop_tags)) - spare
    for node in list(doc.iter(*tags)):
        if page and _visible(node):
            dropped["tag"] += 1
        drop(node)
    for node in list(doc.iter(*vocab.short_drop_tags)):
        if text_len(node) < vocab.short_chars:
            if page:
                dropped["tag"] += 1
            drop(node)
    if page:
        body = next(doc.iter("body"), doc)
        total = text_len(body)
        prose = None  # the page's text outside links, counted when a region needs it
        # Outermost first: an <aside> holding the article keeps the <header> inside it.
        for node in list(doc.iter(*vocab.region_tags)):
            if node.getparent() is None or any(a.tag in vocab.region_tags
                                               for a in node.iterancestors()):
                continue
            length = text_len(node)
            if length >= _REGION_MIN_CHARS:
                links = link_len(node)
                if links <= _REGION_MAX_LINKS * length:
                    if prose is None:
                        prose = total - link_len(body)
                    if length - links >= _REGION_MIN_SHARE * prose:
                        continue  # the article's region
            dropped["region"] += _visible(node)
            total -= length
            drop(node)
        _prune_furniture(body, vocab, vocab.furniture - spare, total or 1, dropped)
    return dropped


def _prune_furniture(node, vocab: HtmlVocabulary, furniture: frozenset[str], total: int,
                     dropped: Counter) -> None:
    for child in list(node):
        if not tag_of(child):
            continue
        rule = ("hidden" if _is_hidden(child)
                else "class" if _is_furniture(child, vocab, furniture) else None)
        if rule and text_len(child) < _FURNITURE_MAX_SHARE * total:
            dropped[rule] += _visible(child)
            drop(child)
        else:
            _prune_furniture(child, vocab, furniture, total, dropped)


def drop_link_lists(root, dropped: Counter) -> None:
    """Removes short, link-heavy blocks inside the chosen content ('Read more: ...' lines),
    counted as 'link_list'."""
    for child in list(root):
        if not tag_of(child):
            continue
        # A numbered list's items are the article's own points ('1. <a>Half-Life</a> is back ...'),
        # links or not; navigation is not numbered.
        if tag_of(child) in ("p", "li", "div", "ul") and tag_of(root) != "ol":
            total = text_len(child)
            if (total and total < _LINK_BLOCK_MAX and link_len(child) / total > _LINK_HEAVY
                    and not _is_sentence(child)):
                dropped["link_list"] += 1
                drop(child)
                continue
        drop_link_lists(child, dropped)


_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")


def _is_sentence(node) -> bool:
    """A paragraph that opens with its own words and ends a sentence, however many links it
    holds ('The haze led to <a>canceled flights</a>, <a>closed schools</a> ...'); not one
    whose words are a label for its links ('Read more: <a>...</a>', 'See also: ...')."""
    lead = (node.text or "").strip()
    if tag_of(node) != "p" or not lead or lead.endswith((":", "：", "|", "»", "›", ">")):
        return False
    text = "".join(node.itertext()).strip()
    return bool(_SENTENCE_END.search(text))


def drop_loose_captions(root, vocab: HtmlVocabulary, dropped: Counter) -> None:
    """Removes caption and credit elements that stand in the body outside any <figure>,
    counted as 'loose_caption'."""
    for child in list(root):
        name = tag_of(child)
        if not name or name == "figure":
            continue
        words = attr_words(child.get("class")) | attr_words(child.get("id"))
        if words & vocab.captions and not names_body(child, vocab) and text_len(child) < _CAPTION_MAX:
            dropped["loose_caption"] += 1
            drop(child)
        else:
            drop_loose_captions(child, vocab, dropped)
