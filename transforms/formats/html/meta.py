"""What an HTML page says about its article: title, URL, date, authors, language, publisher.

Read from the page's own statements, best first: Open Graph / article meta tags, JSON-LD
(schema.org Article and its kinds), then the markup (<h1>, <link rel=canonical>,
<time datetime>, <html lang>). Pure functions over a parsed lxml.html document.
"""
from __future__ import annotations

import json
import re

from transforms.formats.html.blocks import text_of
from transforms.metadata import Metadata, is_web_url, parse_datetime
from transforms.normalize import normalize_field

__all__ = ["read_meta"]

_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "webpage", "posting",
    "socialmediaposting", "liveblogposting", "scholarlyarticle", "techarticle", "report",
}
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _meta_content(metas: list, *keys: str) -> str | None:
    """The first non-empty <meta property|name|itemprop=key content=...> among `keys`, in key order."""
    found: dict[str, str] = {}
    for tag in metas:
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key in keys and key not in found and (content := normalize_field(tag.get("content"))):
            found[key] = content
    return next((found[k] for k in keys if k in found), None)


def _json_ld_nodes(doc):
    for script in doc.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                yield node
                if isinstance(node.get("@graph"), list):
                    stack.extend(reversed(node["@graph"]))


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _names(value) -> list[str]:
    """Author names from a JSON-LD author value: a string, a Person, or a list of either."""
    values = value if isinstance(value, list) else [value]
    names = []
    for item in values:
        name = item.get("name") if isinstance(item, dict) else item
        if (name := normalize_field(name)) and not is_web_url(name):
            names.append(name)
    return names


def _article_node(doc) -> dict:
    best: dict = {}
    for node in _json_ld_nodes(doc):
        kinds = _types(node)
        if not kinds & _ARTICLE_TYPES:
            continue
        # An article node with a body beats one with a headline only, and any kind of article beats a WebPage.
        if not best or "articleBody" in node or ("webpage" in _types(best) and "webpage" not in kinds):
            best = node
    return best


def read_meta(doc) -> Metadata:
    """The article metadata a parsed page (lxml.html document) states: title, url,
    published_at, authors, language and publisher. Never raises."""
    node = _article_node(doc)
    metas = list(doc.iter("meta"))
    h1 = next(doc.iter("h1"), None)
    title_tag = next(doc.iter("title"), None)
    title = (
        _meta_content(metas, "og:title", "twitter:title")
        or normalize_field(node.get("headline"))
        or (text_of(h1) or None if h1 is not None else None)
        or (text_of(title_tag) or None if title_tag is not None else None)
    )
    canonical = next((link for link in doc.iter("link")
                      if "canonical" in (link.get("rel") or "").lower().split()), None)
    url = (
        (normalize_field(canonical.get("href")) if canonical is not None else None)
        or _meta_content(metas, "og:url")
        or normalize_field(node.get("url"))
    )
    if url and not is_web_url(url):
        url = None
    time_tag = next((t for t in doc.iter("time") if t.get("datetime")), None)
    published_at = (
        parse_datetime(_meta_content(metas, "article:published_time", "datepublished", "og:published_time",
                                     "pubdate", "publishdate", "dc.date.issued", "dc.date", "date"))
        or parse_datetime(node.get("datePublished") if isinstance(node.get("datePublished"), str) else None)
        or parse_datetime(time_tag.get("datetime") if time_tag is not None else None)
    )
    authors = _names(node.get("author")) if node.get("author") else []
    if not authors:
        authors = [a for a in (_meta_content(metas, "author", "article:author", "dc.creator"),)
                   if a and not is_web_url(a)]
    root = doc.getroottree().getroot()
    language = None
    for candidate in (root.get("lang"), root.get("xml:lang"),
                      _meta_content(metas, "content-language", "og:locale", "language"),
                      node.get("inLanguage") if isinstance(node.get("inLanguage"), str) else None):
        if candidate and _LANG.match(candidate.strip()):
            language = candidate.strip().replace("_", "-")
            break
    publisher_node = node.get("publisher")
    publisher = _meta_content(metas, "og:site_name") or (
        normalize_field(publisher_node.get("name")) if isinstance(publisher_node, dict) else None
    )
    return Metadata(
        title=title,
        url=url,
        published_at=published_at,
        authors=tuple(dict.fromkeys(authors)),
        language=language,
        publisher=publisher,
    )
