"""Readers for every input format. Each turns one input's bytes into articles and rejects.

A reader is `read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]`,
registered in READERS by format name and imported on first use (a run over text dumps never
imports the HTML or WARC libraries).

Compressed files and archives (gzip, bzip2, xz, zstd, zip, tar) are not formats: they are
recognised by their magic bytes whatever --format says, opened by `archives`, and each
member is read in its own format (see transforms.ingest).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator

__all__ = ["DUMP_FORMATS", "FORMATS", "READERS", "reader_for"]

READERS = {
    # Text and markdown dumps: one reader, whose splitter tells them apart under 'auto'.
    "text": "transforms.formats.text",
    "markdown": "transforms.formats.text",
    "html": "transforms.formats.html",
    "feed": "transforms.formats.feeds",
    "jsonl": "transforms.formats.jsonl",
    "warc": "transforms.formats.warc",
    "mhtml": "transforms.formats.mhtml",
}
# Names accepted by --format.
FORMATS = ("auto", *READERS)
# Formats read line by line by the dump splitter ('auto': no other format was detected).
DUMP_FORMATS = ("auto", "text", "markdown")


def reader_for(name: str) -> Callable[..., Iterator]:
    """The reader of a format from FORMATS; 'auto' (nothing else detected) is a text dump."""
    return importlib.import_module(READERS["text" if name == "auto" else name]).read
