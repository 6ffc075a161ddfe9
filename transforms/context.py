"""What every reader needs besides the bytes: rules, run time, the user's format choices and
limits, a counter, and `guarded`, which turns a reader's exception into a reject."""
from __future__ import annotations

import dataclasses
import datetime as dt
import traceback
from collections.abc import Callable, Iterable, Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.rules import RuleSet

__all__ = ["DEFAULT_MAX_MEMBER_BYTES", "JSONL_FIELDS", "SECOND_LOOK_COUNTER", "IngestContext", "guarded",
           "parse_jsonl_field"]

DEFAULT_MAX_MEMBER_BYTES = 200 * 1024 * 1024
# The counter of full HTML pages whose body only a second reading found (formats/html);
# run.json reports it as html_pages_read_twice.
SECOND_LOOK_COUNTER = "html:second_look"
# Record fields a JSONL line can fill, and the keys looked for when --jsonl_field names none.
JSONL_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "body", "content"),
    "html": ("html", "raw_html"),
    # Then the names news APIs give them (NewsAPI's publishedAt, The Guardian's webUrl,
    # webTitle and webPublicationDate, The New York Times' web_url and pub_date, schema.org's
    # datePublished).
    "url": ("url", "link", "webUrl", "web_url"),
    "title": ("title", "headline", "webTitle"),
    "published_at": ("published_at", "published", "date", "publishedAt", "datePublished", "pub_date",
                     "webPublicationDate"),
    "authors": ("authors", "author"),
    "publisher": ("publisher",),
    "language": ("language", "lang"),
}


def parse_jsonl_field(value: str) -> tuple[str, str]:
    """A --jsonl-field value: 'text=content' -> ('text', 'content'). Raises ValueError."""
    field, sep, key = value.partition("=")
    if not sep or field.strip() not in JSONL_FIELDS or not key.strip():
        raise ValueError(f"expected FIELD=KEY with FIELD one of {', '.join(JSONL_FIELDS)}, got {value!r}")
    return field.strip(), key.strip()


@dataclasses.dataclass(frozen=True)
class IngestContext:
    rules: RuleSet
    ingested_at: dt.datetime
    # 'auto' (sniff each input) or a forced format name (see transforms.formats.FORMATS).
    # A forced format names the content: compressed files and archives are still opened.
    format: str = "auto"
    # Largest decompressed size of one archive member or compressed file.
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES
    # JSONL field names, by record field: (("text", "content"), ("url", "link"), ...).
    # A key may be a dotted path into nested objects ("meta.url").
    jsonl_fields: tuple[tuple[str, str], ...] = ()
    # Called with (counter name, n) for things that are neither an article nor a reject, e.g.
    # a WARC request record ('skipped:warc_request'). The Beam DoFn passes its counter here;
    # tests pass a function that records the counts; None counts nothing.
    counter: Callable[[str, int], None] | None = dataclasses.field(default=None, compare=False)

    def count(self, name: str, n: int = 1) -> None:
        if self.counter is not None:
            self.counter(name, n)

    def jsonl_keys(self, field: str) -> tuple[str, ...]:
        """The JSON keys (or dotted paths) that fill `field`: the user's mapping, else the defaults."""
        mapped = tuple(key for name, key in self.jsonl_fields if name == field)
        return mapped or JSONL_FIELDS[field]


def guarded(source_uri: str, size: int | None, ctx: IngestContext,
            produce: Callable[[], Iterable[Article | Reject]]) -> Iterator[Article | Reject]:
    """The outcomes of `produce()`, or one `internal_error` reject if it raises.

    Used per file (the Beam DoFn), per archive member, JSONL line, WARC record and feed item,
    so one bad item never loses the others of its file, and one bad file never stops a run.
    The detail names the exception and where it was raised.
    """
    try:
        outcomes = list(produce())
    except Exception as err:  # noqa: BLE001 - the detail names it; the run goes on
        where = traceback.extract_tb(err.__traceback__)[-1]
        detail = f"{type(err).__name__}: {err} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
        outcomes = [Reject(source_uri, reasons.INTERNAL_ERROR, detail, size, ctx.ingested_at)]
    yield from outcomes
