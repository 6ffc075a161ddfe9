"""Stable reject reason codes. Users filter on these strings: never rename one, only add."""

UNREADABLE = "unreadable"  # the file matched but could not be opened or read
TOO_LARGE = "too_large"  # bigger than --max-file-bytes; not read at all
EMPTY = "empty"  # no bytes, only zero bytes (an empty tar), or only whitespace once decoded
BINARY = "binary"  # NUL bytes or mostly control characters: not a text dump
UNDECODABLE = "undecodable"  # not valid text in UTF-8 / UTF-16 (with BOM)
UNSUPPORTED_FORMAT = "unsupported_format"  # HTML, XML or JSON content: not a text dump
NO_ARTICLE_TEXT = "no_article_text"  # decoded, but no body paragraph left after splitting
INTERNAL_ERROR = "internal_error"  # an unexpected exception in a step; the detail names it
# Containers and multi-record formats (JSONL, WARC, compressed files, archives):
DECOMPRESSION_LIMIT = "decompression_limit"  # expands beyond --max-member-bytes (a bomb, or a huge member)
TRUNCATED = "truncated"  # the file ends inside a compressed stream or a WARC record
CORRUPT = "corrupt"  # a compressed stream, archive or WARC record that cannot be parsed
NESTED_ARCHIVE = "nested_archive"  # an archive inside an archive inside an archive: not opened
INVALID_JSON = "invalid_json"  # a JSONL line that is not a JSON object
MISSING_FIELD = "missing_field"  # a JSONL record without a usable text or html field
# Feeds (RSS, RDF, Atom):
MALFORMED_XML = "malformed_xml"  # XML so broken that even lenient parsing recovers no document
UNSAFE_XML = "unsafe_xml"  # a DTD declaring entities (external-entity or expansion bomb): not read
# Maintenance:
PURGED = "purged"  # its source_uri, input file or article_id was purged from the output (`purge`)

ALL = (
    UNREADABLE,
    TOO_LARGE,
    EMPTY,
    BINARY,
    UNDECODABLE,
    UNSUPPORTED_FORMAT,
    NO_ARTICLE_TEXT,
    INTERNAL_ERROR,
    DECOMPRESSION_LIMIT,
    TRUNCATED,
    CORRUPT,
    NESTED_ARCHIVE,
    INVALID_JSON,
    MISSING_FIELD,
    MALFORMED_XML,
    UNSAFE_XML,
    PURGED,
)
