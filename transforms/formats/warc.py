"""Reader for WARC files (CC-NEWS style): every HTML response record is one article input.

Parsed with warcio. A record's `source_uri` is `<file>#record=<WARC-Record-ID>` (the
`urn:uuid:...` without angle brackets; a repeated ID's later records add `#copy=2`, ...), or
`<file>#offset=N` when it has no ID. `url` is the
record's WARC-Target-URI (what was fetched); `published_at` is the page's own date when it
states one, else the WARC-Date (when it was fetched). The charset comes from the HTTP
Content-Type, else the page, else detection.

Records that hold no article are skipped and counted, never rejected: `skipped:warc_<type>`
for warcinfo, request, metadata, revisit... records; `skipped:warc_status` for HTTP responses
other than 2xx (redirects); `skipped:warc_not_html` for images, PDFs, scripts.
A file that ends inside a record gives the whole records before it, and one `truncated`
reject for the rest. (A .warc.gz is expanded before it gets here: see archives.py.)
"""
from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext, guarded
from transforms.decode import DecodeError, decode_dump, sniff_content
from transforms.metadata import Metadata, parse_datetime
from transforms.normalize import normalize_field

__all__ = ["read"]

SOURCE_FORMAT = "warc"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_ARTICLE_RECORDS = ("response", "resource")


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """Every HTML response record of one (uncompressed) WARC file: an Article or a Reject each."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = ArchiveIterator(io.BytesIO(data))
    iterator = iter(records)
    seen: dict[str, int] = {}
    try:
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except (ArchiveLoadFailed, ValueError):
                raise
            except Exception as err:  # noqa: BLE001 - warcio failing on a malformed header
                # (a response record without WARC-Target-URI, a header cut inside a field):
                # that record is the reject, the ones before it stand.
                yield _unreadable_header(data, source_uri, records.offset, err, ctx)
                return
            if record.length is None:  # no Content-Length: a header cut short, or not WARC
                yield _headless(data, source_uri, records.offset, ctx)
                return
            uri = _record_uri(record, source_uri, records.offset)
            # Record ids should be unique, but two WARC files joined with `cat`, or a crawler
            # that reuses them, repeat one: the later records are told apart by their place,
            # '#copy=2', '#copy=3', ..., as repeated archive member names are.
            seen[uri] = count = seen.get(uri, 0) + 1
            if count > 1:
                uri = f"{uri}#copy={count}"
            outcomes = list(guarded(uri, record.length, ctx, lambda r=record, u=uri: _record(r, u, ctx)))
            missing = _drain(record.raw_stream)
            if missing:  # the file ends before the record's Content-Length: what was read is partial
                yield Reject(uri, reasons.TRUNCATED, f"the file ends inside this record ({missing} of "
                             f"{record.length} bytes missing)", record.length - missing, ctx.ingested_at)
                return
            yield from outcomes
    except (ArchiveLoadFailed, ValueError) as err:
        yield Reject(f"{source_uri}#offset={records.offset}", reasons.CORRUPT,
                     f"not a WARC record at byte {records.offset}: {err}; the records before it were read",
                     len(data) - records.offset, ctx.ingested_at)
        return
    rest = data[records.offset:]
    if rest.strip():
        yield Reject(f"{source_uri}#offset={records.offset}", reasons.TRUNCATED,
                     f"the file ends inside a WARC record header at byte {records.offset}",
                     len(rest), ctx.ingested_at)


def _unreadable_header(data: bytes, source_uri: str, offset: int, err: Exception, ctx: IngestContext) -> Reject:
    rest = data[offset:]
    if b"\r\n\r\n" not in rest and b"\n\n" not in rest:
        return Reject(f"{source_uri}#offset={offset}", reasons.TRUNCATED,
                      f"the file ends inside a WARC record header at byte {offset}", len(rest), ctx.ingested_at)
    return Reject(f"{source_uri}#offset={offset}", reasons.CORRUPT,
                  f"the WARC record at byte {offset} cannot be read (a malformed header, or a response "
                  f"record without WARC-Target-URI; warcio: {type(err).__name__}: {err}); the records "
                  "before it were read",
                  len(rest), ctx.ingested_at)


def _headless(data: bytes, source_uri: str, offset: int, ctx: IngestContext) -> Reject:
    rest = data[offset:]
    if b"\r\n\r\n" in rest or b"\n\n" in rest:
        return Reject(f"{source_uri}#offset={offset}", reasons.CORRUPT,
                      f"a WARC record without Content-Length at byte {offset}; the records before it were read",
                      len(rest), ctx.ingested_at)
    return Reject(f"{source_uri}#offset={offset}", reasons.TRUNCATED,
                  f"the file ends inside a WARC record header at byte {offset}", len(rest), ctx.ingested_at)


def _drain(raw_stream) -> int:
    """Reads what is left of a record; returns how many of its bytes the file is missing."""
    while raw_stream.read(1 << 16):
        pass
    return raw_stream.limit


def _record_uri(record, source_uri: str, offset: int) -> str:
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip().strip("<>")
    return f"{source_uri}#record={record_id}" if record_id else f"{source_uri}#offset={offset}"


def _content_type(record) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").strip()


def _record(record, uri: str, ctx: IngestContext) -> list[Article | Reject]:
    """One WARC record: [] when it is skipped, else [Article] or [Reject]."""
    if record.rec_type not in _ARTICLE_RECORDS:
        ctx.count(f"skipped:warc_{record.rec_type or 'unknown'}")
        return []
    status = record.http_headers.get_statuscode() if record.http_headers is not None else "200"
    if not str(status).startswith("2"):
        ctx.count("skipped:warc_status")
        return []
    content_type = _content_type(record)
    mime, _, params = content_type.partition(";")
    if mime.strip().lower() not in _HTML_TYPES and mime.strip():
        ctx.count("skipped:warc_not_html")
        return []
    payload = record.content_stream().read(ctx.max_member_bytes + 1)
    if len(payload) > ctx.max_member_bytes:
        return [Reject(uri, reasons.DECOMPRESSION_LIMIT, f"the record's payload is larger than "
                       f"--max-member-bytes={ctx.max_member_bytes}", record.length, ctx.ingested_at)]
    if not mime.strip() and sniff_content(payload[:2048].decode("utf-8", "ignore")) != "html":
        ctx.count("skipped:warc_not_html")
        return []
    return [_article(payload, _charset(params), uri, record, ctx)]


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _article(payload: bytes, charset: str | None, uri: str, record, ctx: IngestContext) -> Article | Reject:
    try:
        html, encoding = decode_dump(payload, declared=charset)
    except DecodeError as err:
        return Reject(uri, err.reason, err.detail, len(payload), ctx.ingested_at)
    from transforms.formats.html import html_to_article

    target = (record.rec_headers.get_header("WARC-Target-URI") or "").strip() or None
    fetched_at = parse_datetime(record.rec_headers.get_header("WARC-Date"))
    meta = Metadata(url=normalize_field(target), published_at=fetched_at, source_encoding=encoding)
    outcome = html_to_article(html, uri, ctx, meta=meta)
    if isinstance(outcome, Reject):
        return dataclasses.replace(outcome, size_bytes=len(payload))
    return dataclasses.replace(outcome, source_format=SOURCE_FORMAT, url=target or outcome.url,
                               source_encoding=encoding)
