"""Reader for JSONL / NDJSON: one article per line, as a text or an HTML field plus metadata.

Each line is one input with `source_uri` `<file>#line=N` (N counts from 1, blank lines
included). A bad line rejects that line only. A file that is one JSON document instead
(an object, or an array of objects, pretty-printed over many lines) is read as such:
one input per array item, `<file>#item=N` (N counts from 0, as for feed items). So is an
API response, an object that is no article itself but holds one list of objects (NewsAPI's
`articles`, or one level down, The Guardian's `response.results`): each is an item.

Field names are looked up as configured in `ctx.jsonl_keys` (--jsonl-field), defaulting to
common ones (`text`/`body`/`content`, `html`, `url`, `title`, `published_at`/`published`/
`date`, `authors`/`author`, `publisher`, `language`/`lang`).
"""
from __future__ import annotations

import codecs
import dataclasses
import json
from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext, guarded
from transforms.decode import repair_mojibake
from transforms.formats.text import ingest_text
from transforms.metadata import Metadata, parse_datetime, web_url
from transforms.normalize import normalize_field

__all__ = ["authors_of", "read", "record_to_article"]

SOURCE_FORMAT = "jsonl"
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_TYPE_NAMES = {list: "an array", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}


def _lines(data: bytes) -> tuple[list[bytes], str]:
    """The file's lines as UTF-8 bytes, and the encoding it came in (JSON is UTF-8 unless a BOM
    says UTF-16/32)."""
    for bom, encoding in _UTF16_32_BOMS:
        if data.startswith(bom):
            text = data.decode(encoding)  # UnicodeDecodeError: the whole file is undecodable
            return [line.encode("utf-8") for line in text.split("\n")], f"{encoding}-{'le' if bom[0] == 0xFF else 'be'}"
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    return data.split(b"\n"), "utf-8"


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """Every line of one JSONL file: an Article or a Reject each (blank lines are no input)."""
    try:
        lines, encoding = _lines(data)
    except UnicodeDecodeError as err:
        yield Reject(source_uri, reasons.UNDECODABLE, f"a byte-order mark says UTF-16/32, but {err}",
                     len(data), ctx.ingested_at)
        return
    records: list[tuple[int, bytes]] = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    if not records:
        yield Reject(source_uri, reasons.EMPTY, "the JSONL file holds no line", len(data), ctx.ingested_at)
        return
    document = _whole_document(records, data)
    if document is not None:
        yield from _read_document(document, source_uri, len(data), encoding, ctx)
        return
    for number, line in records:
        uri = f"{source_uri}#line={number}"
        yield from guarded(uri, len(line), ctx,
                           lambda line=line, uri=uri: [_read_line(line, uri, encoding, ctx)])


def _whole_document(records: list[tuple[int, bytes]], data: bytes):
    """The parsed document when the file is one JSON array, or one object pretty-printed over
    many lines; None for JSON lines."""
    try:
        first = json.loads(records[0][1])
    except (ValueError, RecursionError):
        first = None
    else:
        return first if len(records) == 1 and isinstance(first, list) else None
    if len(records) < 2:
        return None
    try:
        document = json.loads(b"\n".join(line for _, line in records))
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, (dict, list)) else None


def _read_document(document, source_uri: str, size: int, encoding: str,
                   ctx: IngestContext) -> Iterator[Article | Reject]:
    if isinstance(document, dict):
        records = _envelope(document, ctx)
        if records is None:
            yield record_to_article(document, source_uri, size, encoding, ctx)
            return
        document = records
    for index, item in enumerate(document):  # counted from 0, as feed items are
        yield record_to_article(item, f"{source_uri}#item={index}", None, encoding, ctx)
    if not document:
        yield Reject(source_uri, reasons.EMPTY, "the JSON array holds no item", size, ctx.ingested_at)


def _envelope(document: dict, ctx: IngestContext) -> list | None:
    """The article records an API response holds, when the document is no article itself
    (none of an article's text, HTML, url or title fields): the one list of objects, some
    with a text or HTML field, among its values or the values of an object it holds
    ({"status": "ok", "articles": [...]}, {"response": {"results": [...]}}); None when
    there is no such list, or more than one."""
    if any(_first(document, ctx, field)[0] for field in ("text", "html", "url", "title")):
        return None  # an article's own fields: a record, whatever lists it holds
    found = [value for outer in document.values()
             for value in (outer.values() if isinstance(outer, dict) else (outer,)) if _records(value, ctx)]
    return found[0] if len(found) == 1 else None


def _records(value, ctx: IngestContext) -> bool:
    """A list of objects at least one of which has a text or an HTML field: articles."""
    return (isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)
            and any(_first(item, ctx, "text")[0] or _first(item, ctx, "html")[0] for item in value))


def _read_line(line: bytes, uri: str, encoding: str, ctx: IngestContext) -> Article | Reject:
    size = len(line)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = line[err.start:err.start + 4].hex(" ")
        return Reject(uri, reasons.UNDECODABLE, f"not valid UTF-8 (JSON must be): bytes {bad} at "
                      f"offset {err.start} of the line", size, ctx.ingested_at)
    try:
        record = json.loads(text)
    except ValueError as err:
        return Reject(uri, reasons.INVALID_JSON, f"not JSON: {err}", size, ctx.ingested_at)
    except RecursionError:
        return Reject(uri, reasons.INVALID_JSON, "JSON nested deeper than Python's parser follows",
                      size, ctx.ingested_at)
    return record_to_article(record, uri, size, encoding, ctx)


def _lookup(record: dict, key: str):
    value = record
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _first_read(record: dict, ctx: IngestContext, field: str, reading):
    """`reading` of the first value of `field` it reads (not None), trying each key in turn."""
    for key in ctx.jsonl_keys(field):
        value = _lookup(record, key)
        if value not in (None, "", [], {}) and (read := reading(value)) is not None:
            return read
    return None


def _first(record: dict, ctx: IngestContext, field: str):
    for key in ctx.jsonl_keys(field):
        value = _lookup(record, key)
        if value not in (None, "", [], {}):
            return key, value
    return None, None


def record_to_article(record, uri: str, size: int | None, encoding: str,
                      ctx: IngestContext) -> Article | Reject:
    """One parsed JSON record to an Article (source_format 'jsonl') or a Reject."""
    if not isinstance(record, dict):
        kind = _TYPE_NAMES.get(type(record), type(record).__name__)
        return Reject(uri, reasons.INVALID_JSON, f"the line is {kind}, not a JSON object", size,
                      ctx.ingested_at)
    text_key, body_text = _first(record, ctx, "text")
    html_key, body_html = _first(record, ctx, "html")
    if not isinstance(body_text, str) and not isinstance(body_html, str):
        wrong = next(((k, v) for k, v in ((text_key, body_text), (html_key, body_html)) if k), None)
        what = (f"field {wrong[0]!r} holds {_TYPE_NAMES.get(type(wrong[1]), 'an object')}, not a string"
                if wrong else "no text or html field (looked for "
                + ", ".join(repr(k) for k in (*ctx.jsonl_keys("text"), *ctx.jsonl_keys("html"))) + ")")
        return Reject(uri, reasons.MISSING_FIELD, f"{what}; name the field with --jsonl-field text=KEY "
                      "or --jsonl-field html=KEY", size, ctx.ingested_at)
    meta = _metadata(record, ctx)
    if isinstance(body_text, str):
        outcome = _from_text(repair_mojibake(body_text), uri, ctx, meta)
    else:
        from transforms.formats.html import html_to_article

        outcome = html_to_article(body_html, uri, ctx, meta=meta)
    if isinstance(outcome, Reject):
        return dataclasses.replace(outcome, size_bytes=size)
    return dataclasses.replace(outcome, source_format=SOURCE_FORMAT, source_encoding=encoding)


def _metadata(record: dict, ctx: IngestContext) -> Metadata:
    # The first key whose value reads: a record with an unreadable 'date' and a good
    # 'datePublished', or a relative 'url' and an absolute 'link', is dated and addressed.
    published = _first(record, ctx, "published_at")[1]
    published_at = _first_read(record, ctx, "published_at", parse_datetime)
    if published is not None and published_at is None:
        ctx.count("invalid_field:published_at")
    url = _first_read(record, ctx, "url", web_url)
    if url is None and _first(record, ctx, "url")[1] is not None:
        ctx.count("invalid_field:url")  # 'javascript:...', a relative path: as HTML and feeds, none
    return Metadata(
        title=normalize_field(_first(record, ctx, "title")[1]),
        url=url,
        published_at=published_at,
        authors=authors_of(_first(record, ctx, "authors")[1]),
        language=normalize_field(_first(record, ctx, "language")[1]),
        publisher=normalize_field(_first(record, ctx, "publisher")[1]),
    )


def _from_text(text: str, uri: str, ctx: IngestContext, meta: Metadata) -> Article | Reject:
    outcome = ingest_text(text, uri, ctx.rules, ctx.ingested_at)
    if isinstance(outcome, Reject):
        return outcome
    # What the record states wins over what the splitter found (a title, byline or date line
    # in the text), except the publisher: a syndication footer names who published this copy.
    return dataclasses.replace(
        outcome,
        title=meta.title or outcome.title,
        publisher=outcome.publisher or meta.publisher,
        url=meta.url,
        published_at=meta.published_at or outcome.published_at,
        authors=meta.authors or outcome.authors,
        language=meta.language,
    )


def authors_of(value) -> tuple[str, ...]:
    """'Jo Berg', ['Jo Berg', 'Kim Lo'] or [{'name': 'Jo Berg'}] -> ('Jo Berg', ...)."""
    items = value if isinstance(value, list) else [value]
    names = (item.get("name") if isinstance(item, dict) else item for item in items)
    return tuple(dict.fromkeys(name for name in map(normalize_field, names) if name))
