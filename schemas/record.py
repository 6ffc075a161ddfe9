"""The article record and the reject record: one dataclass each, one explicit Arrow schema each.

Never infer a schema from data: every writer and reader in the project uses these two.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pyarrow as pa

__all__ = [
    "storable",
    "storable_text",
    "PROVENANCE_FIELDS",
    "SCHEMA_VERSION",
    "ARTICLE_SCHEMA",
    "REJECT_SCHEMA",
    "DUPLICATE_SCHEMA",
    "SIGNATURE_SCHEMA",
    "Article",
    "Reject",
    "Removed",
    "count_words",
    "duplicate_row",
]

# v1: the text-dump record. v2 adds url, published_at, authors, language and
# source_encoding (metadata from HTML, feeds, JSONL and WARC inputs), and run_id and
# near_dup_of (scheduled runs and near-duplicate marking). v3 adds source_file,
# pipeline_version and rules_fingerprint to all three datasets (which input, which code and
# which rules produced a row: replacing changed inputs, --reprocess-stale, purge). v4 changes
# what article_id hashes: a caption with neither alt text nor a credit counts as the body's
# first paragraph (transforms/ids.py). All new fields are nullable. When to bump:
# docs/maintenance.md, "Schema versions".
SCHEMA_VERSION = 4

_UTC_TS = pa.timestamp("us", tz="UTC")
# What \W matches beyond ASCII (\w is str.isalnum() or '_', and '_' is ASCII).
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")
# Word bytes become 'a' and the others spaces: ASCII letters, digits and '_' are word bytes,
# and so is every byte of a multi-byte UTF-8 sequence (non-word characters beyond ASCII are
# replaced first). A word is then an 'a' at the start or after a space.
_WORD_BYTES = bytes(
    0x61 if i >= 128 or chr(i).isalnum() or chr(i) == "_" else 0x20 for i in range(256)
)
_ASCII = bytes(range(0x80))
_MAX_REPLACES = 32
# Texts longer than this many characters are counted a piece at a time.
_PIECE_CHARS = 1 << 20

# Where a row came from and what made it, on every row of every dataset (v3):
# - source_file: the input file that was read: source_uri without the part naming a record
#   inside it ('#line=N', '#item=N', '#record=ID', '!/member'). A changed input replaces all
#   the rows with its source_file.
# - pipeline_version: the article-ingest release that wrote the row (pipeline.version()).
# - rules_fingerprint: a hash of the effective rules (defaults with --rules layered on top).
PROVENANCE_FIELDS = (
    pa.field("source_file", pa.string()),
    pa.field("pipeline_version", pa.string()),
    pa.field("rules_fingerprint", pa.string()),
)

ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("source_format", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("image_alt", pa.string()),
        pa.field("caption", pa.string()),
        pa.field("caption_credit", pa.string()),
        pa.field("publisher", pa.string()),
        pa.field("bullets", pa.list_(pa.string()), nullable=False),
        pa.field("paragraphs", pa.list_(pa.string()), nullable=False),
        pa.field("body", pa.string(), nullable=False),
        pa.field(
            "boilerplate",
            pa.list_(pa.struct([pa.field("rule", pa.string()), pa.field("text", pa.string())])),
            nullable=False,
        ),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("published_at", _UTC_TS),
        pa.field("authors", pa.list_(pa.string()), nullable=False),
        pa.field("language", pa.string()),
        pa.field("source_encoding", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("near_dup_of", pa.string()),
        pa.field("ingested_at", _UTC_TS, nullable=False),
        *PROVENANCE_FIELDS,
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={b"article_ingest.schema_version": str(SCHEMA_VERSION).encode()},
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64()),
        pa.field("run_id", pa.string()),
        pa.field("rejected_at", _UTC_TS, nullable=False),
        *PROVENANCE_FIELDS,
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={b"article_ingest.schema_version": str(SCHEMA_VERSION).encode()},
)

# Staging only, never committed: the MinHash signature of each article of a --near-dup run
# (transforms/near_dup.py), read back by the launcher to mark near-duplicates.
SIGNATURE_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("minhash", pa.binary(), nullable=False),  # NUM_PERM little-endian uint32 values
    ]
)

# One row per input whose article was not written because another input, in this run or an
# earlier one, has the same article_id (pipeline/dedupe.py).
DUPLICATE_SCHEMA = pa.schema(
    [
        pa.field("source_uri", pa.string(), nullable=False),
        pa.field("article_id", pa.string(), nullable=False),
        # The input whose record was kept; null when an earlier run committed the article.
        pa.field("kept_source_uri", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("detected_at", _UTC_TS, nullable=False),
        *PROVENANCE_FIELDS,
        pa.field("schema_version", pa.int16(), nullable=False),
    ],
    metadata={b"article_ingest.schema_version": str(SCHEMA_VERSION).encode()},
)


def storable_text(value: str) -> str:
    """`value` as text that UTF-8 (Parquet, Beam's coders, a terminal) can hold: unchanged,
    unless it holds lone surrogates. Those come from a file name that is not UTF-8 (Python's
    surrogate escapes, 'caf\\udce9.txt') or from a JSON escape ('\\ud800'); each such byte or
    surrogate is written as a backslash escape ('caf\\xe9.txt', '\\ud800'), so distinct
    names stay distinct and the same name always reads the same."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        try:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")


# The fields that can hold a lone surrogate: names (file names, archive members) and the
# metadata a JSON record gives as it is. The text of a body never can: each reader decodes
# bytes strictly, and the mojibake repair (ftfy) replaces a JSON text's lone surrogates.
_NAMED_FIELDS = ("source_uri", "source_file", "kept_source_uri", "title", "url", "publisher", "authors",
                 "image_alt", "caption", "caption_credit", "language", "detail")


def storable(row: dict[str, Any]) -> dict[str, Any]:
    """`row` with its names and metadata storable (`storable_text`); the row itself, changed
    in place. A text of ASCII only costs one check."""
    for key in _NAMED_FIELDS:
        value = row.get(key)
        if isinstance(value, str):
            if not value.isascii():
                row[key] = storable_text(value)
        elif isinstance(value, list):
            row[key] = [v if v.isascii() else storable_text(v) for v in value]
    return row


def count_words(text: str) -> int:
    """The record's word_count: words as runs of letters/digits (so a CJK sentence without
    spaces counts as one), the number of matches of `\\w+`, counted without making a string a
    word. A long text is counted a piece at a time, cut before a space (words never straddle
    one), so a 45 MB body is never copied whole."""
    if len(text) <= _PIECE_CHARS:
        return _count_words(text)
    total, start = 0, 0
    while len(text) - start > _PIECE_CHARS:
        cut = text.find(" ", start + _PIECE_CHARS)
        if cut < 0:
            break
        total += _count_words(text[start:cut])
        start = cut
    return total + _count_words(text[start:])


def _count_words(text: str) -> int:
    raw = text.encode("utf-8", "surrogatepass")
    if not text.isascii():
        # Non-ASCII characters that are not word characters become spaces; those left are
        # letters or digits, whose UTF-8 bytes (all >= 0x80) are word bytes below. Each
        # distinct one is replaced once (found among the non-ASCII bytes), unless there are
        # so many that one regex pass is cheaper.
        found = raw.translate(None, _ASCII).decode("utf-8", "surrogatepass")
        non_word = [ch for ch in set(found) if not ch.isalnum()]
        if non_word:
            if len(non_word) > _MAX_REPLACES:
                text = _NON_ASCII_NON_WORD.sub(" ", text)
            else:
                for ch in non_word:
                    text = text.replace(ch, " ")
            raw = text.encode("utf-8", "surrogatepass")
    marks = raw.translate(_WORD_BYTES)
    return marks.count(b" a") + marks.startswith(b"a")


def duplicate_row(article_id: str, source_uri: str, kept_source_uri: str | None, *,
                  run_id: str | None, detected_at: dt.datetime, source_file: str | None = None,
                  pipeline_version: str | None = None,
                  rules_fingerprint: str | None = None) -> dict[str, Any]:
    """One row of DUPLICATE_SCHEMA, for batch runs (pipeline/dedupe.py) and streams
    (transforms/stream_dedupe.py); `kept_source_uri` is None when an earlier run committed
    the article. The provenance is the dropped copy's: its input file, release and rules."""
    return {
        "source_uri": source_uri,
        "article_id": article_id,
        "kept_source_uri": kept_source_uri,
        "run_id": run_id,
        "detected_at": detected_at,
        "source_file": source_file,
        "pipeline_version": pipeline_version,
        "rules_fingerprint": rules_fingerprint,
        "schema_version": SCHEMA_VERSION,
    }


@dataclasses.dataclass(frozen=True)
class Removed:
    """A piece of text removed as boilerplate, and the name of the rule that removed it."""

    rule: str
    text: str


@dataclasses.dataclass(frozen=True)
class Article:
    """One article, split into its parts. Field meanings are documented in docs/schema.md."""

    article_id: str
    source_uri: str
    source_format: str
    title: str | None
    image_alt: str | None
    caption: str | None
    caption_credit: str | None
    publisher: str | None
    bullets: tuple[str, ...]
    paragraphs: tuple[str, ...]
    boilerplate: tuple[Removed, ...]
    ingested_at: dt.datetime
    url: str | None = None
    published_at: dt.datetime | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    source_encoding: str | None = None
    run_id: str | None = None
    near_dup_of: str | None = None
    source_file: str | None = None
    pipeline_version: str | None = None
    rules_fingerprint: str | None = None

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return count_words(self.body)

    def to_row(self) -> dict[str, Any]:
        """The record as a dict matching ARTICLE_SCHEMA, field for field."""
        body = self.body
        return {
            "article_id": self.article_id,
            "source_uri": self.source_uri,
            "source_format": self.source_format,
            "title": self.title,
            "image_alt": self.image_alt,
            "caption": self.caption,
            "caption_credit": self.caption_credit,
            "publisher": self.publisher,
            "bullets": list(self.bullets),
            "paragraphs": list(self.paragraphs),
            "body": body,
            "boilerplate": [{"rule": r.rule, "text": r.text} for r in self.boilerplate],
            "word_count": count_words(body),
            "url": self.url,
            "published_at": self.published_at,
            "authors": list(self.authors),
            "language": self.language,
            "source_encoding": self.source_encoding,
            "run_id": self.run_id,
            "near_dup_of": self.near_dup_of,
            "ingested_at": self.ingested_at,
            "source_file": self.source_file,
            "pipeline_version": self.pipeline_version,
            "rules_fingerprint": self.rules_fingerprint,
            "schema_version": SCHEMA_VERSION,
        }


@dataclasses.dataclass(frozen=True)
class Reject:
    """An input that did not become an article, with a stable reason code and a human detail."""

    source_uri: str
    reason: str
    detail: str
    size_bytes: int | None
    rejected_at: dt.datetime
    run_id: str | None = None
    source_file: str | None = None
    pipeline_version: str | None = None
    rules_fingerprint: str | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "source_uri": self.source_uri,
            "reason": self.reason,
            "detail": self.detail,
            "size_bytes": self.size_bytes,
            "run_id": self.run_id,
            "rejected_at": self.rejected_at,
            "source_file": self.source_file,
            "pipeline_version": self.pipeline_version,
            "rules_fingerprint": self.rules_fingerprint,
            "schema_version": SCHEMA_VERSION,
        }
