"""Reader for text and markdown dumps: one article per file, split line by line.

`read` decodes the bytes (transforms.decode) and hands the text to the splitter
(transforms.split), which tells plain text from markdown when the format is 'auto'.
`ingest_text` is the pure core, also used by the JSONL reader for a record's text field.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.decode import DecodeError, decode_dump, sniff_content
from transforms.ids import article_id
from transforms.rules import RuleSet
from transforms.split import split_dump

__all__ = ["ingest_bytes", "ingest_text", "read"]


def ingest_text(
    text: str, source_uri: str, rules: RuleSet, ingested_at: dt.datetime, markup: str = "auto",
    *, size_bytes: int | None = None, source_encoding: str | None = None,
) -> Article | Reject:
    """Split decoded text into an Article, or a Reject when no article text is left.
    `size_bytes` goes on the reject, `source_encoding` on the article."""
    parts = split_dump(text, rules, markup)
    if not parts.paragraphs:
        what = "only boilerplate" if parts.boilerplate else "no body paragraph"
        if parts.bullets or parts.caption:
            what = "a caption or bullets but no body paragraph"
        return Reject(source_uri, reasons.NO_ARTICLE_TEXT, f"the dump holds {what}", size_bytes,
                      ingested_at)
    return Article(
        article_id=article_id(parts.paragraphs, caption=parts.caption, image_alt=parts.image_alt,
                              caption_credit=parts.caption_credit),
        source_uri=source_uri,
        source_format=parts.markup,
        title=parts.title,
        image_alt=parts.image_alt,
        caption=parts.caption,
        caption_credit=parts.caption_credit,
        publisher=parts.publisher,
        bullets=parts.bullets,
        paragraphs=parts.paragraphs,
        boilerplate=parts.boilerplate,
        ingested_at=ingested_at,
        published_at=parts.published_at,
        authors=parts.authors,
        source_encoding=source_encoding,
    )


def ingest_bytes(
    data: bytes, source_uri: str, rules: RuleSet, ingested_at: dt.datetime, markup: str = "auto"
) -> Article | Reject:
    """Decode and split one dump file's bytes."""
    size = len(data)
    try:
        text, encoding = decode_dump(data)
    except DecodeError as err:
        return Reject(source_uri, err.reason, err.detail, size, ingested_at)
    structured = sniff_content(text)
    if structured and markup == "auto":
        return Reject(
            source_uri,
            reasons.UNSUPPORTED_FORMAT,
            f"the content looks like {structured.upper()}, not a text or markdown dump; "
            "pass --format text to split it as plain text anyway",
            size,
            ingested_at,
        )
    return ingest_text(text, source_uri, rules, ingested_at, markup, size_bytes=size,
                       source_encoding=encoding)


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """One dump file: one Article or one Reject. `ctx.format` 'text' or 'markdown' forces the
    markup; 'auto' lets the splitter tell them apart."""
    markup = ctx.format if ctx.format in ("text", "markdown") else "auto"
    yield ingest_bytes(data, source_uri, ctx.rules, ctx.ingested_at, markup)
