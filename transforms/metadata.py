"""What an input states about its article besides the text: one typed class every reader fills.

A feed item, a JSONL record, a WARC record and an HTML page state some of the record's
metadata fields themselves (title, URL, date, authors, ...). Each reader reads them into a
`Metadata`, and the HTML reader merges the one it is handed with what the page states
(`transforms.formats.html.html_to_article`). Values are stored as they go into the record:
text normalized (`normalize_field`), dates as aware UTC datetimes (`parse_datetime`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from email.utils import parsedate_to_datetime

__all__ = ["Metadata", "parse_datetime"]


@dataclasses.dataclass(frozen=True)
class Metadata:
    """Record fields an input states about its article; None (or ()) where it states nothing."""

    title: str | None = None
    url: str | None = None
    published_at: dt.datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    publisher: str | None = None
    # The lead image, when the input states it apart from its HTML (Media RSS).
    image_alt: str | None = None
    caption: str | None = None
    caption_credit: str | None = None
    # The charset the input's bytes were decoded with.
    source_encoding: str | None = None


def parse_datetime(value) -> dt.datetime | None:
    """A date as an aware UTC datetime: ISO 8601 (a date alone is midnight), RFC 822, or Unix
    seconds or milliseconds (a JSON number). None when unreadable or out of range (a year of
    20 digits is unreadable, not an error). Never raises.

    A time without a zone is taken as UTC.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    # ISO 8601 as Python reads it, then with a 'Z'/'z' zone spelled out, then RFC 822.
    for iso in (value, value.replace("Z", "+00:00").replace("z", "+00:00")):
        try:
            parsed = dt.datetime.fromisoformat(iso)
            break
        except (ValueError, OverflowError):
            continue
    else:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if parsed is None:
        return None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None  # e.g. 0001-01-01 in a zone east of UTC
