"""Reader for HTML inputs: full article pages and article fragments (feed items).

`read` decodes one HTML file and yields one Article or Reject. `html_to_article` is the
pure core, also used by the feed, JSONL and WARC readers for the HTML they hold.
Parsing is lxml's HTML parser (libxml2), which never fetches anything: no DTD, no network;
BeautifulSoup with Python's html.parser is the parser of last resort (`soup.parse_soup`).
"""
from __future__ import annotations

import dataclasses
import re
import threading
from collections import Counter
from collections.abc import Iterator

from lxml import etree

from schemas import reasons
from schemas.record import Article, Reject, Removed
from transforms.boilerplate import find_boilerplate
from transforms.context import SECOND_LOOK_COUNTER, IngestContext
from transforms.decode import DecodeError, decode_markup, repair_mojibake
from transforms.formats.html.lines import furniture_lines
from transforms.formats.html.main import lead_figure, main_content
from transforms.formats.html.meta import read_meta
from transforms.formats.html.parts import (
    HtmlParts,
    caption_boxes_as_figures,
    read_figure,
    read_parts,
)
from transforms.formats.html.prune import drop_link_lists, drop_loose_captions, prune
from transforms.formats.html.soup import parse_soup
from transforms.ids import article_id
from transforms.lines import TEXT_LINE, Line
from transforms.metadata import Metadata

__all__ = ["html_to_article", "read"]

SOURCE_FORMAT = "html"
# A document with any of these tags is a full page; without them, a fragment (a feed item).
_PAGE_SIGNS = re.compile(r"<(?:html|head|body|!doctype html)[\s>]", re.IGNORECASE)
# lxml refuses a str holding an XML declaration with an encoding: the text is decoded already.
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# A block that is only HTML comments printed as text ('<!--.root{font-family:...}-->'): a
# style sheet or a template note pasted into the body escaped, which a browser shows as code.
# A comment's body never crosses its '-->': with '.*?' a block of many comments and then
# text took exponential time to not match.
_COMMENT_TEXT = re.compile(r"(?:\s*<!--(?:(?!-->).)*-->)+\s*", re.DOTALL)
# Plain etree elements (not lxml.html's classes, whose per-element Python lookup costs a
# third of the reading time on feed items); one parser per thread, as lxml asks. libxml2
# follows nesting 256 levels deep; a deeper page is parsed again by the parser of last
# resort (soup.parse_soup), which keeps all of its text.
_PARSERS = threading.local()


def _lines(paragraphs: tuple[str, ...]) -> list[Line]:
    return [Line(TEXT_LINE, text, index, 0, index + 1) for index, text in enumerate(paragraphs)]


def html_to_article(html: str, source_uri: str, ctx: IngestContext, *,
                    meta: Metadata | None = None) -> Article | Reject:
    """One article from one HTML document or fragment; a Reject when it holds no body text.

    Contract:
        - `html` is decoded text: a full page (with <html>/<head>/<body>) or a fragment such
          as a feed item's content. A full page is pruned to its main content first; a
          fragment is read whole.
        - The result has source_format 'html'; text normalized as in text dumps; article_id
          from the paragraphs; boilerplate footers removed by the rules in `ctx.rules`
          (recorded in `boilerplate`, naming the publisher where the rule does).
        - `meta` (optional) is what the input holding the HTML states (a feed item, a JSONL or
          WARC record) and fills what the page does not state itself. What the page states
          wins, except publisher: a syndication footer names it first, then `meta`, then the
          page's og:site_name. `source_encoding` comes from `meta` alone.
        - A full page's furniture drops are counted through `ctx.count` as
          'furniture:<rule>' (prune.prune and lines.furniture_lines name the rules), and a
          page that found its body only on a second reading as SECOND_LOOK_COUNTER.
        - Never raises on any string; a Reject has reason `no_article_text` and size None.
    """
    meta = meta or Metadata()
    vocab = ctx.rules.html
    page = bool(_PAGE_SIGNS.search(html[:4096]))
    doc = _parse(html)
    if doc is None:
        return Reject(source_uri, reasons.NO_ARTICLE_TEXT, "the HTML holds no elements", None, ctx.ingested_at)
    page_meta = read_meta(doc)
    parts, paragraphs, dropped, prose = _read_body(doc, ctx, page=page)
    if page and not prose and vocab.second_look and (doc := _parse(html)) is not None:
        # No text but headings left: read the page again, keeping the containers a video or
        # photo page holds its story in ('video-teaser', 'gallery'), as Readability retries
        # without its 'unlikely candidate' cut. Consent, paywall, ad and comment boxes go again.
        again = _read_body(doc, ctx, page=True, spare=vocab.second_look)
        if again[3]:
            parts, paragraphs, dropped, _ = again
            ctx.count(SECOND_LOOK_COUNTER, 1)
    if page and page_meta.url:
        # A block that is only the page's own address is a permalink box, not body text.
        own = page_meta.url.rstrip("/")
        kept = [p for p in paragraphs if p.rstrip("/") != own]
        dropped["permalink"] += len(paragraphs) - len(kept)
        paragraphs = kept
    if any("<!--" in p for p in paragraphs):
        kept = [p for p in paragraphs if not _COMMENT_TEXT.fullmatch(p)]
        dropped["comment_text"] += len(paragraphs) - len(kept)
        paragraphs = kept
    # Mojibake inside valid UTF-8 ('Â£1,200': text once decoded as cp1252 upstream), which
    # decoding leaves to the text read from the markup: a page's scripts and styles are not
    # searched for it.
    paragraphs = [repair_mojibake(p) for p in paragraphs]
    parts = dataclasses.replace(
        parts, image_alt=parts.image_alt and repair_mojibake(parts.image_alt),
        caption=parts.caption and repair_mojibake(parts.caption),
        caption_credit=parts.caption_credit and repair_mojibake(parts.caption_credit),
        bullets=tuple(repair_mojibake(b) for b in parts.bullets))
    # Counters, not record fields: what the page lost as furniture, by rule (run.json).
    for rule, n in sorted(dropped.items()):
        if n:
            ctx.count(f"furniture:{rule}", n)
    title = page_meta.title or meta.title
    # A heading that repeats the title is the headline, not body text.
    if paragraphs and 0 in parts.headings and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    verdict = find_boilerplate(_lines(tuple(paragraphs)), ctx.rules)
    gone = {**verdict.removed, **verdict.in_body}  # every paragraph here is the body's
    removed = [Removed(rule, paragraphs[i]) for i, rule in sorted(gone.items())]
    body = tuple(p for i, p in enumerate(paragraphs) if i not in gone)
    if not body:
        what = "only boilerplate" if removed else "no body paragraph"
        return Reject(source_uri, reasons.NO_ARTICLE_TEXT, f"the HTML holds {what}", None, ctx.ingested_at)
    image_alt = parts.image_alt or meta.image_alt
    caption = parts.caption or (None if parts.image_alt else meta.caption)
    caption_credit = parts.caption_credit or (None if parts.caption else meta.caption_credit)
    return Article(
        article_id=article_id(body, caption=caption, image_alt=image_alt, caption_credit=caption_credit),
        source_uri=source_uri,
        source_format=SOURCE_FORMAT,
        title=title or verdict.title,
        image_alt=image_alt,
        caption=caption,
        caption_credit=caption_credit,
        publisher=verdict.publisher or meta.publisher or page_meta.publisher,
        bullets=parts.bullets,
        paragraphs=body,
        boilerplate=tuple(removed),
        ingested_at=ctx.ingested_at,
        url=page_meta.url or meta.url,
        published_at=page_meta.published_at or meta.published_at,
        authors=page_meta.authors or meta.authors,
        language=page_meta.language or meta.language,
        source_encoding=meta.source_encoding,
    )


def _read_body(doc, ctx: IngestContext, *, page: bool,
               spare: frozenset[str] = frozenset()) -> tuple[HtmlParts, list[str], Counter, bool]:
    """The parts, body paragraphs and furniture drops (by rule; a page's only) of a parsed
    document, which this prunes in place, and whether any of the paragraphs is not a
    heading. `spare`: furniture words not to drop for."""
    vocab = ctx.rules.html
    dropped = prune(doc, vocab, page=page, spare=spare)
    root = main_content(doc, vocab) if page else next(doc.iter("body"), doc)
    caption_boxes_as_figures(root, vocab)
    if page:
        drop_link_lists(root, dropped)
        drop_loose_captions(root, vocab, dropped)
    parts = read_parts(root, vocab, ctx.rules.credits, fragment=not page)
    if page and parts.image_alt is None and parts.caption is None and (figure := lead_figure(root)) is not None:
        alt, caption, credit = read_figure(figure, vocab, ctx.rules.credits)
        parts = dataclasses.replace(parts, image_alt=alt, caption=caption, caption_credit=credit)
    paragraphs = list(parts.paragraphs)
    prose = True  # asked of full pages only
    if page:
        furniture = furniture_lines(paragraphs, vocab)
        paragraphs = [p for i, p in enumerate(paragraphs) if i not in furniture]
        dropped.update(furniture.values())
        headings = set(parts.headings)
        prose = any(i not in furniture and i not in headings for i in range(len(parts.paragraphs)))
        if not paragraphs:
            # A page whose only text is in its figures (a photo story): the captions are its body.
            paragraphs = [caption for figure in root.iter("figure")
                          if (caption := read_figure(figure, vocab, ctx.rules.credits)[1])]
            prose = bool(paragraphs)
            if parts.caption in paragraphs:
                parts = dataclasses.replace(parts, caption=None)
    return parts, paragraphs, dropped, prose


def _parser() -> etree.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True, recover=True)
    return parser


def _parse(html: str):
    """The parsed document, or None when nothing can be parsed.

    lxml first; BeautifulSoup (html.parser) when libxml2 gives up on the markup or nests
    deeper than it follows (it would drop the text below).
    """
    html = _XML_DECL.sub("", html, count=1)
    parser = _parser()
    try:
        doc = etree.fromstring(html, parser)
        if not any("Excessive depth" in entry.message for entry in parser.error_log):
            return doc
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        pass
    return parse_soup(html)


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """One HTML file: one Article, or one Reject with a reason."""
    try:
        text, encoding = decode_markup(data)
    except DecodeError as err:
        yield Reject(source_uri, err.reason, err.detail, len(data), ctx.ingested_at)
        return
    outcome = html_to_article(text, source_uri, ctx, meta=Metadata(source_encoding=encoding))
    if isinstance(outcome, Reject):
        yield dataclasses.replace(outcome, size_bytes=len(data))
    else:
        yield outcome
