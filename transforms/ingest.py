"""One file in, its articles and rejects out: the pure core that the Beam transform wraps.

`ingest_file` opens compressed files and archives (bounded, in memory), detects each input's
format and hands it to that format's reader (transforms.formats).
"""
from __future__ import annotations

from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext, guarded
from transforms.decode import looks_like_mhtml, sniff_content
from transforms.formats import reader_for
from transforms.formats.archives import (
    ARCHIVES,
    COMPRESSIONS,
    decompress,
    member_uri,
    members,
    sniff_container,
    strip_compression_suffix,
)

__all__ = ["detect_format", "ingest_file"]

# An archive may hold archives (a .zip of .tar.gz files), one level deep; deeper ones are
# rejected as `nested_archive`. Compression layers are counted apart (a .tar.gz is one
# archive and one compression; a .gz of a .gz is two compressions, the most allowed).
MAX_ARCHIVE_DEPTH = 2
MAX_COMPRESSION_DEPTH = 2
# Formats whose records before a break are still whole: a truncated stream still gives them.
_MULTI_RECORD = ("warc", "jsonl", "tar")
# Extensions decide only when the content does not (a '.txt' holding HTML is HTML).
_EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".warc": "warc",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".rss": "feed", ".atom": "feed",
    ".mhtml": "mhtml", ".mht": "mhtml",
}
_EXTENSION_TUPLE = tuple(_EXTENSIONS)
_CONTENT = {"html": "html", "xml": "feed", "json": "jsonl", "warc": "warc"}


def detect_format(data: bytes, source_uri: str, forced: str = "auto", *, name: str | None = None) -> str:
    """The format of one (decompressed) input: --format if given, else content, else extension.

    Returns a name from transforms.formats.FORMATS; 'auto' means a text or markdown dump, told
    apart by the splitter. `name` is the file or member name whose extension may decide when
    the content does not (default: `source_uri`).
    """
    if forced != "auto":
        return forced
    head = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):].replace(b"\x00", b"") if bom != b"\xef\xbb\xbf" else head[3:]
            break
    # A first byte after ASCII whitespace that is ASCII and no sign of a structured format
    # is the decoded text's first character: sniff_content would say None (no decoding).
    first = head.lstrip(b" \t\r\n")[:1]
    if first in b"FfMmSsDdCcXx" and looks_like_mhtml(head):  # a saved page's MIME headers
        return "mhtml"
    if first and first[0] < 0x80 and first not in b"<{[wW":
        kind = None
    else:
        kind = sniff_content(head.decode("utf-8", errors="ignore"))
    if kind:
        return _CONTENT[kind]
    lower = (name or source_uri).lower()
    if not lower.endswith(_EXTENSION_TUPLE):  # most names: no loop
        return "auto"
    return next((fmt for ext, fmt in _EXTENSIONS.items() if lower.endswith(ext)), "auto")


def ingest_file(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    """Every input held by one file: an article or a reject each, and at least one.

    A text dump holds one input. A compressed file holds what it expands to (same
    `source_uri`). Formats that hold many yield one outcome per item, each with its own
    `source_uri`: JSONL `#line=N`, WARC `#record=<WARC-Record-ID>`, archive members
    `<archive>!/<member name>` (nested: `a.zip!/b.tar.gz!/c.txt`).
    """
    yield from _ingest(data, source_uri, source_uri, ctx, 0, 0)


def _ingest(data: bytes, uri: str, name: str, ctx: IngestContext, archives: int,
            compressions: int) -> Iterator[Article | Reject]:
    container = sniff_container(data)
    if container in COMPRESSIONS:
        outcomes = _decompressed(data, uri, name, container, ctx, archives, compressions)
    elif container in ARCHIVES:
        outcomes = _archive(data, uri, container, ctx, archives, compressions)
    else:
        outcomes = _read(data, uri, name, ctx)
    empty = True
    for outcome in outcomes:
        empty = False
        yield outcome
    if empty:  # every record or member was skipped: the file still gets an outcome
        yield Reject(uri, reasons.NO_ARTICLE_TEXT,
                     "nothing in it is an article input (every record or member was skipped; "
                     "see the skipped:* counters)", len(data), ctx.ingested_at)


def _read(data: bytes, uri: str, name: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    yield from reader_for(detect_format(data, uri, ctx.format, name=name))(data, uri, ctx)


def _decompressed(data: bytes, uri: str, name: str, kind: str, ctx: IngestContext, archives: int,
                  compressions: int) -> Iterator[Article | Reject]:
    if compressions >= MAX_COMPRESSION_DEPTH:
        yield Reject(uri, reasons.NESTED_ARCHIVE, f"{kind} data inside {compressions} layers of "
                     "compression is not opened", len(data), ctx.ingested_at)
        return
    expanded = decompress(data, kind, ctx.max_member_bytes)
    inner_name = strip_compression_suffix(name)
    problem = expanded.problem
    if problem is None:
        yield from _ingest(expanded.data, uri, inner_name, ctx, archives, compressions + 1)
        return
    inner = sniff_container(expanded.data) or detect_format(expanded.data, uri, ctx.format, name=inner_name)
    if problem.reason == reasons.DECOMPRESSION_LIMIT or inner not in _MULTI_RECORD:
        yield Reject(uri, problem.reason, problem.detail, len(data), ctx.ingested_at)
        return
    # The records before the break are whole: read them, then reject the rest once.
    last = None
    for last in _ingest(expanded.data, uri, inner_name, ctx, archives, compressions + 1):
        yield last
    if not (isinstance(last, Reject) and last.reason == problem.reason):
        yield Reject(uri, problem.reason, f"{problem.detail}; the records before the break were read",
                     len(data), ctx.ingested_at)


def _archive(data: bytes, uri: str, kind: str, ctx: IngestContext, archives: int,
             compressions: int) -> Iterator[Article | Reject]:
    if archives >= MAX_ARCHIVE_DEPTH:
        yield Reject(uri, reasons.NESTED_ARCHIVE, f"a {kind} archive inside an archive inside an "
                     "archive is not opened (one level of nesting is)", len(data), ctx.ingested_at)
        return
    seen: dict[str, int] = {}
    for member in members(data, kind, ctx.max_member_bytes):
        inner_uri = member_uri(uri, member.name)
        if member.name:
            # An archive may hold two members of one name (a tar appended to, a zip written
            # twice): the later ones are told apart by their place, '#copy=2', '#copy=3', ...
            seen[member.name] = count = seen.get(member.name, 0) + 1
            if count > 1:
                inner_uri = f"{inner_uri}#copy={count}"
        if member.problem is not None:
            size = len(member.data) if member.data is not None else None
            yield Reject(inner_uri, member.problem.reason, member.problem.detail, size, ctx.ingested_at)
        elif member.data is None:
            ctx.count("skipped:archive_link")
        else:
            yield from guarded(inner_uri, len(member.data), ctx, lambda m=member, u=inner_uri: _ingest(
                m.data, u, m.name, ctx, archives + 1, compressions))
