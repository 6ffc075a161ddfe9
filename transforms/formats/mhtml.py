"""Reader for MHTML: a web page a browser saved as one file ('Webpage, Single File', .mhtml
or .mht), a MIME message whose parts are the page's HTML and its images and styles.

The page's HTML part (the `start` part of the multipart/related message, else its first
text/html part) is read as an HTML page. Its quoted-printable or base64 transfer encoding
is undone by Python's `email` package; the charset comes from the part's Content-Type,
else the page, else detection. `url` is the page's address as saved (the part's
Content-Location, else the message's Snapshot-Content-Location); the message's Subject is
the title when the page names none. The saving date (the message's Date) is not the
article's: `published_at` comes from the page alone. A message with no HTML part is one
`no_article_text` reject.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.decode import DecodeError, decode_dump
from transforms.metadata import Metadata, web_url
from transforms.normalize import normalize_field

__all__ = ["SOURCE_FORMAT", "read"]

SOURCE_FORMAT = "mhtml"
def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """One saved page: one Article, or one Reject with a reason."""
    import email  # on first use: a run over text dumps never imports its parser and policies
    import email.policy

    message = email.message_from_bytes(data, policy=email.policy.default)
    page = _html_part(message)
    if page is None:
        yield Reject(source_uri, reasons.NO_ARTICLE_TEXT, "the MHTML file holds no text/html part",
                     len(data), ctx.ingested_at)
        return
    payload = page.get_payload(decode=True) or b""
    try:
        html, encoding = decode_dump(payload, declared=page.get_content_charset())
    except DecodeError as err:
        yield Reject(source_uri, err.reason, err.detail, len(data), ctx.ingested_at)
        return
    from transforms.formats.html import html_to_article

    url = web_url(page.get("Content-Location")) or web_url(message.get("Snapshot-Content-Location"))
    title = normalize_field(str(message.get("Subject") or "")) or None
    outcome = html_to_article(html, source_uri, ctx,
                              meta=Metadata(url=url, title=title, source_encoding=encoding))
    if isinstance(outcome, Reject):
        yield dataclasses.replace(outcome, size_bytes=len(data))
    else:
        yield dataclasses.replace(outcome, source_format=SOURCE_FORMAT, url=url or outcome.url,
                                  source_encoding=encoding)


def _html_part(message):
    """The page's own HTML: the part the multipart/related `start` parameter names, else the
    first text/html part (a message that is not multipart: itself, if it is HTML)."""
    if not message.is_multipart():
        return message if message.get_content_type() == "text/html" else None
    start = (message.get_param("start") or "").strip().strip("<>")
    parts = [part for part in message.walk() if not part.is_multipart()]
    if start:
        for part in parts:
            if (part.get("Content-ID") or "").strip().strip("<>") == start:
                return part
    return next((part for part in parts if part.get_content_type() == "text/html"), None)

