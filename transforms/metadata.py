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
import re
from email.utils import parsedate_to_datetime

from transforms.normalize import normalize_field

__all__ = ["Metadata", "is_web_url", "parse_date_line", "parse_datetime", "web_url"]


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


_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)


def is_web_url(value: str | None) -> bool:
    """Whether `value` is an http(s) address: the only kind a record's url (or an author
    that is a profile link) may be; not 'javascript:', 'mailto:' or a relative path."""
    return bool(value) and _WEB_URL.match(value) is not None


def web_url(value: object) -> str | None:
    """`value` as a record's url: a string normalized as one line that is an http(s)
    address (`is_web_url`); None otherwise."""
    url = normalize_field(value)
    return url if is_web_url(url) else None


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


# The date of a date line ('Monday, March 3, 2024 at 10:15 a.m. GMT', '3. März 2024, 10.15 Uhr',
# '3 de marzo de 2024', '2024-03-03 10:15', '03.03.2024', '13/03/2024'): year, month and day,
# then a time.
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.? (?:de )?([^\W\d_]+)\.?(?: de)?,? (\d{4})")
_MONTH_DAY = re.compile(r"([^\W\d_]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_NUMERIC_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# '13/03/2025' (day first) or '03/13/2025' (month first); '04/03/2025' could be either.
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.h](\d{2})(?::(\d{2}))?(?: ?([ap])\.?m\.?)?(?: uhr)?(?: ([a-z]{1,5}))?$")
# Zones a stated time is read in; a time in any other ('ET', 'CEST') keeps the date alone.
_UTC_NAMES = ("utc", "gmt", "z")


def parse_date_line(text: str, months: dict[str, int]) -> dt.datetime | None:
    """The date a date line states, as an aware UTC datetime, or None when it states none
    that `months` (lower-case month names to numbers) can read. A time without a zone, or in
    UTC, is kept; in another zone the date alone is (midnight UTC): its offset is unknown."""
    lower = text.lower()
    found = None
    if m := _ISO_DATE.search(lower):
        found = (m, int(m[1]), int(m[2]), int(m[3]))
    elif (m := _DAY_MONTH.search(lower)) and m[2] in months:
        found = (m, int(m[3]), months[m[2]], int(m[1]))
    elif (m := _MONTH_DAY.search(lower)) and m[1] in months:
        found = (m, int(m[3]), months[m[1]], int(m[2]))
    elif m := _NUMERIC_DATE.search(lower):
        found = (m, int(m[3]), int(m[2]), int(m[1]))
    elif m := _SLASH_DATE.search(lower):
        first, second = int(m[1]), int(m[2])
        if first <= 12 and second <= 12 and first != second:
            return None  # the 4th of March or April the 3rd: no way to tell
        found = (m, int(m[3]), second, first) if first > 12 else (m, int(m[3]), first, second)
    if found is None:
        return None
    m, year, month, day = found
    hour = minute = second = 0
    if (t := _TIME.search(lower, m.end())) and (t[5] is None or t[5] in _UTC_NAMES):
        hour, minute, second = int(t[1]), int(t[2]), int(t[3] or 0)
        if t[4] and hour <= 12:
            hour = hour % 12 + (12 if t[4] == "p" else 0)
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.timezone.utc)
    except ValueError:
        return None  # 31 February, 25:70
