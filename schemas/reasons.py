"""Stable reject reason codes. Users filter on these strings: never rename one, only add."""

UNREADABLE = "unreadable"  # the file matched but could not be opened or read
TOO_LARGE = "too_large"  # bigger than --max_file_bytes; not read at all
EMPTY = "empty"  # zero bytes, or only whitespace once decoded
BINARY = "binary"  # NUL bytes or mostly control characters: not a text dump
UNDECODABLE = "undecodable"  # not valid text in UTF-8 / UTF-16 (with BOM)
UNSUPPORTED_FORMAT = "unsupported_format"  # HTML, XML or JSON content: not a text dump
NO_ARTICLE_TEXT = "no_article_text"  # decoded, but no body paragraph left after splitting
INTERNAL_ERROR = "internal_error"  # an unexpected exception in a step; the detail names it

ALL = (
    UNREADABLE,
    TOO_LARGE,
    EMPTY,
    BINARY,
    UNDECODABLE,
    UNSUPPORTED_FORMAT,
    NO_ARTICLE_TEXT,
    INTERNAL_ERROR,
)
