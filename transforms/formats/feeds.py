"""Reader for RSS 2.0, RSS 1.0 (RDF) and Atom feeds: one article (or reject) per item.

Each item's HTML (content:encoded, Atom content, else description/summary) goes through
the HTML reader (`html_to_article`) with the item's own metadata: title, link, date,
authors (dc:creator, author), and the Media RSS credit and description of its image.
An item's source_uri is `<file>#item=<n>` (0-based), so each item is its own input.

XML is parsed safely: no DTD is loaded, no entity is substituted, nothing is fetched
(lxml with resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False).
A feed that declares entities in its DTD (the way of external-entity and entity-expansion
attacks, and of no real feed) is rejected whole as `unsafe_xml`. Broken XML (bare '&',
unclosed tags) is recovered where lxml can; what it cannot is rejected as `malformed_xml`.
"""
from __future__ import annotations

import dataclasses
import html as html_lib
import html.entities as html_entities
import re
from collections.abc import Iterator

from lxml import etree

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext, guarded
from transforms.decode import DecodeError, decode_markup
from transforms.formats.html import html_to_article
from transforms.metadata import Metadata, is_web_url, parse_datetime
from transforms.normalize import normalize_field, normalize_line

__all__ = ["parse_feed", "read"]

_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_ITEM_NAMES = {"item", "entry"}
# Namespaces of an item's own text elements: none (RSS 2.0), RSS 1.0, Atom.
_CORE_NS = {"", "http://purl.org/rss/1.0/", "http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"}
_FEED_ROOTS = {"rss", "feed", "RDF", "channel"}
_TAG = re.compile(r"<[^>]*>")
_AUTHOR_EMAIL = re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^)]+)\)\s*$")
_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
# A '&' that starts no entity or character reference ('Fish & Chips'): the commonest defect
# of real feeds. Left alone, lenient parsing drops the rest of that text node; escaped, it
# reads as the '&' it means (inside CDATA the HTML parser reads '&amp;' back as '&').
_BARE_AMP = re.compile(r"&(?![A-Za-z][A-Za-z0-9]{0,31};|#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};)")

_NAMED_REF = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_NAMES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_NUMERIC_REF = re.compile(r"&#([0-9]{1,8}|[xX][0-9A-Fa-f]{1,8});")


class FeedError(ValueError):
    """The bytes are not a readable feed; `reason` is a stable reject code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _decode(data: bytes) -> tuple[bytes, str]:
    """The feed as UTF-8 bytes without its XML declaration, and the encoding it was read in
    (`decode_markup`). Raises DecodeError (empty, binary, undecodable).
    """
    text, encoding = decode_markup(data)
    text = _XML_DECL.sub("", text.lstrip("\ufeff \t\r\n"), count=1)
    text = _NAMED_REF.sub(_xml_reference, _BARE_AMP.sub("&amp;", text))
    return _NUMERIC_REF.sub(_xml_character, text).encode("utf-8"), encoding


def _xml_character(m: re.Match) -> str:
    """A character reference XML forbids (a surrogate, NUL, a C0 control, past U+10FFFF) as
    U+FFFD: libxml2 stopped on one, and the file became one internal_error reject."""
    number = m.group(1)
    code = int(number[1:], 16) if number[:1] in "xX" else int(number)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return m.group(0)
    return "&#xfffd;"


def _xml_reference(m: re.Match) -> str:
    """A named reference as XML reads it: HTML's names ('&nbsp;', '&eacute;', which XML does
    not define, and lenient parsing drops, with every '&' of the text after them) as the
    characters they name; an unknown name as the text it is."""
    name = m.group(1)
    if name in _XML_NAMES:
        return m.group(0)
    chars = html_entities.html5.get(f"{name};")
    if chars is None:
        return f"&amp;{name};"
    return "".join(f"&#x{ord(ch):x};" for ch in chars)


def parse_feed(data: bytes):
    """(root element, encoding) of a feed, parsed safely. Raises FeedError or DecodeError,
    each with a reject reason."""
    utf8, encoding = _decode(data)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        recover=True, remove_comments=True, remove_pis=True, encoding="utf-8",
    )
    try:
        root = etree.fromstring(utf8, parser)
    except etree.XMLSyntaxError as err:
        raise FeedError(reasons.MALFORMED_XML, f"not parseable as XML: {err}") from None
    if root is None:
        first = parser.error_log[0].message if len(parser.error_log) else "no root element"
        raise FeedError(reasons.MALFORMED_XML, f"not parseable as XML, even leniently: {first}")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedError(
            reasons.UNSAFE_XML,
            "the feed's DTD declares entities (external-entity or entity-expansion risk); "
            "not expanded, not read",
        )
    if _local(root) not in _FEED_ROOTS:
        raise FeedError(reasons.UNSUPPORTED_FORMAT, f"XML with root <{_local(root)}> is not an RSS, RDF or Atom feed")
    return root, encoding


def _namespace(el) -> str:
    tag = el.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _text(el) -> str | None:
    if el is None:
        return None
    return normalize_line(_TAG.sub(" ", html_lib.unescape("".join(el.itertext())))) or None


def _children(el, name: str, ns: str | None = None) -> list:
    return [c for c in el if _local(c) == name and (ns is None or c.tag.startswith("{" + ns))]


def _first(el, *names: str):
    for name in names:
        for child in el:
            if _local(child) == name:
                return child
    return None


def _markup(el) -> str:
    """The HTML an element holds: its text (HTML escaped or in CDATA), or, where the feed wrote
    the HTML as elements (`<description><p>One</p><p>Two</p></description>`, unescaped), that
    markup itself. Its text alone would run 'One' and 'Two' together as 'OneTwo'."""
    if len(el) == 0:
        return "".join(el.itertext())
    return html_lib.escape(el.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode") for child in el)  # each child with its tail


def _content_html(item) -> str | None:
    encoded = [c for c in item if _local(c) == "encoded" and _CONTENT_NS in c.tag]
    for el in encoded:
        if (text := _markup(el)).strip():
            return text
    for name in ("content", "description", "summary"):
        # Not media:content or media:description: those describe the image.
        el = next((c for c in item if _local(c) == name and _namespace(c) in _CORE_NS), None)
        if el is None:
            continue
        kind = (el.get("type") or "html").lower()
        if kind == "xhtml":
            inner = "".join(etree.tostring(child, encoding="unicode") for child in el)
            if inner.strip():
                return inner
        text = "".join(el.itertext()) if kind in ("text", "text/plain") else _markup(el)
        if not text.strip():
            continue
        if kind in ("text", "text/plain"):
            return "".join(f"<p>{html_lib.escape(block)}</p>" for block in re.split(r"\n\s*\n", text))
        return text
    return None


def _link(item) -> str | None:
    for link in _children(item, "link"):
        href = link.get("href")
        if href is not None:  # Atom
            if link.get("rel", "alternate") == "alternate" and is_web_url(href.strip()):
                return href.strip()
        elif (text := (link.text or "").strip()) and is_web_url(text):
            return text
    guid = _first(item, "guid", "id")
    text = (guid.text or "").strip() if guid is not None else ""
    if text and guid.get("isPermaLink", "true") != "false" and is_web_url(text):
        return text
    return None


def _authors(item) -> tuple[str, ...]:
    names: list[str] = []
    for child in item:
        name = _local(child)
        if name == "creator":
            value = _text(child)
        elif name == "author":
            inner = _first(child, "name")
            value = _text(inner) if inner is not None else _text(child)
            if value and (m := _AUTHOR_EMAIL.match(value)):
                value = normalize_line(m.group("name"))
            elif value and "@" in value and " " not in value:
                value = None  # an e-mail address alone names nobody
        else:
            continue
        if value and value not in names:
            names.append(value)
    return tuple(names)


def _media(item) -> tuple[str | None, str | None]:
    """(caption, credit) from Media RSS: media:description and media:credit of the item's image."""
    caption = credit = None
    for el in item.iter():
        if not isinstance(el.tag, str) or "search.yahoo.com/mrss" not in el.tag:
            continue
        name = _local(el)
        if name == "description" and caption is None:
            caption = _text(el)
        elif name == "credit" and credit is None:
            credit = _text(el)
    return caption, credit


def _date(item) -> str | None:
    el = _first(item, "pubDate", "date", "published", "updated", "issued", "modified")
    return (el.text or "").strip() or None if el is not None else None


def _item_elements(root):
    feed_lang = root.get("{http://www.w3.org/XML/1998/namespace}lang")
    channel = _first(root, "channel")
    if channel is not None and (lang := _first(channel, "language")) is not None:
        feed_lang = (lang.text or "").strip() or feed_lang
    for el in root.iter():
        if _local(el) in _ITEM_NAMES:
            yield el, feed_lang


def _feed_item(el, feed_lang: str | None, encoding: str) -> tuple[str | None, Metadata]:
    """(the item's HTML, what the item states about its article)."""
    caption, credit = _media(el)
    return _content_html(el), Metadata(
        title=_text(_first(el, "title")),
        url=normalize_field(_link(el)),
        published_at=parse_datetime(_date(el)),
        authors=_authors(el),
        language=normalize_field(el.get("{http://www.w3.org/XML/1998/namespace}lang") or feed_lang),
        caption=caption,
        caption_credit=credit,
        source_encoding=encoding,
    )


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """Every item of one feed file: an Article or a Reject each; a Reject for the whole
    file when it is not a readable feed or holds no item."""
    try:
        root, encoding = parse_feed(data)
    except (FeedError, DecodeError) as err:
        yield Reject(source_uri, err.reason, err.detail, len(data), ctx.ingested_at)
        return
    count = 0
    for index, (element, feed_lang) in enumerate(_item_elements(root)):
        count += 1
        uri = f"{source_uri}#item={index}"
        # One bad item never costs the feed its other items.
        yield from guarded(uri, None, ctx, lambda e=element, lang=feed_lang, u=uri: [
            _item(e, lang, u, encoding, ctx)])
    if count == 0:
        yield Reject(source_uri, reasons.NO_ARTICLE_TEXT, "the feed holds no item or entry", len(data),
                     ctx.ingested_at)


def _item(element, feed_lang: str | None, uri: str, encoding: str, ctx: IngestContext) -> Article | Reject:
    html, meta = _feed_item(element, feed_lang, encoding)
    if not html:
        return Reject(uri, reasons.NO_ARTICLE_TEXT, "the feed item has no content, description or summary",
                      0, ctx.ingested_at)
    outcome = html_to_article(html, uri, ctx, meta=meta)
    if isinstance(outcome, Reject):  # an item's size: the UTF-8 bytes of the HTML it holds
        return dataclasses.replace(outcome, size_bytes=len(html.encode("utf-8", "surrogatepass")))
    return outcome
