"""Bytes to text, or a reject reason: BOMs, UTF-8, UTF-16, and telling binary data apart."""
from __future__ import annotations

import codecs
import re

from schemas import reasons

__all__ = ["DecodeError", "decode_dump", "sniff_content"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_OK = set("\n\r\t\f\v")
# An object with a key, or an array of objects or arrays: '{"title"', '[\n  {'.
# Read from the start only, so a document longer than the sniffed head is still JSON.
_JSON_START = re.compile(r'(?:\{\s*"|\[\s*[{\[])')
# Comments before the first tag ('<!-- saved from url=... -->').
_HTML_COMMENTS = re.compile(r"^(?:<!--.*?-->\s*)+", re.DOTALL)


class DecodeError(ValueError):
    """The bytes are not a text dump; `reason` is a stable reject code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def decode_dump(data: bytes) -> tuple[str, str]:
    """Decode a dump. Returns (text, encoding used); raises DecodeError with a reason code."""
    if not data.strip():
        raise DecodeError(reasons.EMPTY, f"the file holds {len(data)} bytes and no text")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            offset = data.index(b"\x00")
            raise DecodeError(reasons.BINARY, f"NUL byte at offset {offset}: binary data, not a text dump")
    encoding = encoding or "utf-8"
    try:
        text = data.decode(encoding + ("-sig" if encoding == "utf-8" else ""))
    except UnicodeDecodeError as err:
        bad = data[err.start:err.start + 4].hex(" ")
        raise DecodeError(
            reasons.UNDECODABLE,
            f"not valid {encoding.upper()}: bytes {bad} at offset {err.start}; "
            "save the file as UTF-8",
        ) from None
    if encoding.startswith("utf-16") or encoding.startswith("utf-32"):
        text = text.lstrip("\ufeff")
    controls = sum(1 for ch in text[:20000] if ch < " " and ch not in _CONTROL_OK)
    if controls > max(8, len(text[:20000]) // 20):
        raise DecodeError(reasons.BINARY, f"{controls} control characters in the first 20000: binary data")
    if not text.strip():
        raise DecodeError(reasons.EMPTY, "the file holds only whitespace")
    return text, encoding


def sniff_content(text: str) -> str | None:
    """Names a structured format (HTML, XML, JSON) that the text splitter must not read as prose."""
    head = text.lstrip("\ufeff \t\r\n")[:2048].lower()
    head = _HTML_COMMENTS.sub("", head)
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article", "<div", "<p>", "<p ")):
        return "html"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf:rdf")):
        return "xml"
    if _JSON_START.match(head):
        return "json"
    if head.startswith("warc/1."):
        return "warc"
    return None
