"""Bytes to text, or a reject reason: BOMs, declared charsets, detection, and telling binary apart.

The order of evidence, strongest first:
1. a byte-order mark (UTF-8, UTF-16, UTF-32): authoritative; bytes that break it are `undecodable`;
2. NUL bytes: UTF-16 without a BOM when they sit in every other byte, or UTF-16 or UTF-32
   when charset-normalizer reads them so (Russian or Japanese text, whose only NULs are
   those of its spaces and punctuation), else `binary`;
3. control characters (other than tab, newlines, form feed): `binary`;
4. a charset the caller was told (an HTTP header) or the document declares (HTML `<meta charset>`,
   XML `encoding=`), when the bytes decode under it;
5. UTF-8, when the bytes are valid UTF-8; UTF-8 with Windows-1252 for the bytes that are not,
   when the file is plainly a mix of the two (recorded as 'utf-8+windows-1252');
6. detection with charset-normalizer among the encodings news sites use (only the Windows
   code pages when the evidence is thin; cp1252 on a tie, or when it gives the same text).
Mojibake (UTF-8 read as cp1252 somewhere upstream: "cafÃ©") is then repaired with ftfy.
"""
from __future__ import annotations

import codecs
import functools
import re

from schemas import reasons
from transforms import badness

__all__ = [
    "MIXED_ENCODING", "DecodeError", "declared_charset", "decode_dump", "decode_markup",
    "looks_like_mhtml", "repair_mojibake", "sniff_content", "warm_up",
]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_OK = set("\n\r\t\f\v")
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in _CONTROL_OK)
_CONTROL_CHARS = re.compile("[" + re.escape("".join(map(chr, _CONTROL_BYTES))) + "]")
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard), and so do we.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "l1"}
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""", re.IGNORECASE)
# Below this many non-ASCII bytes a statistical detector guesses wildly (it calls "März" Big5),
# so it only chooses among the single-byte Windows code pages that legacy news text uses.
_MIN_EVIDENCE = 24
_TYPOGRAPHY = set("\u00a0\u00ad\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u2022\u00ab\u00bb"
                  "\u2039\u203a\u00b0\u00a7\u20ac\u00a3\u00a9\u00b4\u00b7")
# The codec name recorded for text that is UTF-8 in places and Windows-1252 in others.
MIXED_ENCODING = "utf-8+windows-1252"
# A valid multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Valid UTF-8 sequences per byte that is not UTF-8, at least, for a file to be read as a mix.
_MIXED_SHARE = 0.1
# Above this share of odd characters (charset-normalizer's "chaos") a reading is not text.
_MAX_CHAOS = 0.3
_SHORT_TEXT_CODEPAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257")
# The legacy encodings news sites actually use. Left out on purpose: Mac and DOS code pages
# (mac_latin2, cp852, ...), which the detector otherwise picks for plain cp1252 text.
_WEB_ENCODINGS = (
    *_SHORT_TEXT_CODEPAGES, "cp1255", "cp1256", "cp1258", "koi8_r", "koi8_u", "iso8859_2",
    "iso8859_5", "iso8859_7", "iso8859_9", "iso8859_13", "iso8859_15", "cp874", "cp932",
    "shift_jis", "euc_jp", "iso2022_jp", "gb18030", "big5", "euc_kr", "cp949",
)
# What UTF-8 read as cp1252/Latin-1 looks like: a lead byte's letter (Â-ô) followed by a
# continuation byte's character (U+0080-U+00BF, or cp1252's € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ' ' " " • – — ˜ ™
# š › œ ž Ÿ), or C1 controls and lone surrogates. A cheap gate: ftfy's own check costs ~5 ms
# per article, and clean text (nearly all of it) never needs it.
_MOJIBAKE_LEADS = "".join(map(chr, range(0xC2, 0xF5)))
_MOJIBAKE_CONTINUATIONS = "".join(map(chr, range(0x80, 0xC0))) + (
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122")


def _utf8_class(chars: str) -> bytes:
    """A bytes pattern matching the UTF-8 encoding of any one of `chars`."""
    by_prefix: dict[bytes, list[int]] = {}
    for ch in chars:
        raw = ch.encode("utf-8", "surrogatepass")
        by_prefix.setdefault(raw[:-1], []).append(raw[-1])
    branches = [re.escape(prefix) + b"[" + b"".join(re.escape(bytes([b])) for b in sorted(last)) + b"]"
                for prefix, last in sorted(by_prefix.items())]
    return b"(?:" + b"|".join(branches) + b")"


# The hints are searched in the text's UTF-8 bytes, one pattern at a time: each then starts
# with a literal byte, which the regex engine finds several times faster than a character
# class in a str (most text has no hint, so the whole text is scanned).
_MOJIBAKE_PAIR = re.compile(_utf8_class(_MOJIBAKE_LEADS) + _utf8_class(_MOJIBAKE_CONTINUATIONS))
_C1_CONTROL = re.compile(_utf8_class("".join(map(chr, range(0x80, 0xA0)))))
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")  # U+D800-U+DFFF, as "surrogatepass" encodes them
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
    return _wide_by_detector(data)


# What the detector may name for text with NUL bytes and no BOM, as Python's codecs.
_WIDE = {"utf_16_le": "utf-16-le", "utf_16_be": "utf-16-be", "utf_32_le": "utf-32-le",
         "utf_32_be": "utf-32-be"}
_WIDE_SAMPLE = 1 << 16


def _wide_by_detector(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM where NUL bytes are too few to say so (Russian or
    Japanese text in UTF-16: only its spaces and punctuation hold a NUL), told by the
    detector on the first 64 KiB; None for binary data, which reads as none of them."""
    if len(data) % 2:
        return None
    import charset_normalizer  # imported here: text dumps never need it

    sample = data[:_WIDE_SAMPLE]
    match = charset_normalizer.from_bytes(sample, cp_isolation=list(_WIDE)).best()
    if match is None or match.encoding not in _WIDE or match.chaos > _MAX_CHAOS:
        return None
    return _WIDE[match.encoding]


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if Python has no such codec."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML `<meta>` or an XML declaration in the first 4 KiB names, if any."""
    head = data[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _strict(data: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str] | None:
    """A legacy (non-UTF) encoding for bytes that are not UTF-8: (text, codec) or None."""
    non_ascii = sum(1 for b in data[:65536] if b >= 0x80)
    as_1252 = _strict(data, "cp1252")
    import charset_normalizer  # imported here: text dumps that are UTF-8 never need it

    candidates = _SHORT_TEXT_CODEPAGES if non_ascii < _MIN_EVIDENCE else _WEB_ENCODINGS
    # The detector's default threshold drops a whole file for one noisy chunk (it finds no
    # encoding at all for some Shift JIS articles); we filter on the overall chaos instead.
    matches = [m for m in charset_normalizer.from_bytes(data, cp_isolation=list(candidates), threshold=0.5)
               if m.chaos <= _MAX_CHAOS]
    if not matches:
        # The detector also balks at text full of soft hyphens (Icelandic, German news): take
        # cp1252 when its non-ASCII characters are letters and typographic punctuation.
        return (as_1252, "cp1252") if as_1252 is not None and _reads_as_text(as_1252) else None
    # The least chaotic, then the most coherent (language-like) reading; cp1252 wins a tie
    # (French reads as well in cp1250 by the detector's measures) and when it gives the same
    # characters (German umlauts are the same bytes in cp1250).
    least = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least + 0.005]
    best = max(close, key=lambda m: (round(m.coherence, 3), m.encoding == "cp1252"))
    if best.language == "English" and best.encoding != "cp1252" and any(
            m.encoding == "cp1252" and m.language not in ("English", "Unknown", "") for m in close):
        # A reading taken for English says nothing of its non-ASCII letters (English has
        # none): Portuguese 'Assistência' read as cp1257's 'Assistźncia' scored as English
        # above the cp1252 reading's Portuguese. The web's default encoding, read as a
        # language that has such letters, goes first.
        best = next(m for m in close if m.encoding == "cp1252")
    if as_1252 is not None and (as_1252 == str(best) or any(
            m.encoding == "cp1252" and round(m.coherence, 3) >= round(best.coherence, 3) for m in close)):
        return as_1252, "cp1252"
    return str(best), codecs.lookup(best.encoding).name


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: the bytes that are not valid UTF-8 read as Windows-1252 (its five
    unassigned bytes as Latin-1, as browsers do)."""
    bad = err.object[err.start:err.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in bad), err.end


codecs.register_error("article_ingest_cp1252", _cp1252_fallback)


def _utf8_and_cp1252(data: bytes) -> str | None:
    """Text whose bytes are UTF-8 in places and Windows-1252 in others (scrapers that glue
    pieces together), or None when the bytes do not look like that mix.

    The mix is taken when the valid UTF-8 sequences of Western text (Latin-1 letters,
    punctuation, the euro sign: lead bytes C2, C3, E2) are at least _MIXED_SHARE as many as
    the bytes that are not UTF-8, and outnumber the other multi-byte sequences: a file in
    one legacy encoding (cp1252, cp1251, Shift JIS) forms such sequences only by chance.
    """
    strong = weak = 0
    for match in _UTF8_SEQUENCE.finditer(data):
        if match.group()[0] in (0xC2, 0xC3, 0xE2):
            strong += 1
        else:
            weak += 1
    if strong < 2 or strong < weak:
        return None
    non_ascii = sum(1 for b in data if b >= 0x80)
    invalid = non_ascii - sum(len(m.group()) for m in _UTF8_SEQUENCE.finditer(data))
    if strong < _MIXED_SHARE * invalid:
        return None
    text = data.decode("utf-8", "article_ingest_cp1252")
    return text if _reads_as_text(text) else None


def _reads_as_text(text: str) -> bool:
    """Most non-ASCII characters are letters or typographic punctuation (not ¤ ¦ ¬ ± ¼ ...)."""
    odd = [ch for ch in text[:65536] if ord(ch) >= 0x80]
    wordlike = sum(1 for ch in odd if ch.isalpha() or ch in _TYPOGRAPHY)
    return wordlike >= 0.9 * len(odd)


def repair_mojibake(text: str, *, encoded: bytes | None = None) -> str:
    """Repairs text that was decoded with the wrong charset upstream ('cafÃ©' -> 'café').

    Only encoding repairs: quotes, ligatures, widths, line breaks and normalization are left
    as they are (the splitter normalizes on its own terms). `encoded`: the text's UTF-8
    bytes, when the caller has them (no copy is made then).
    """
    if text.isascii():
        return text
    if not _has_mojibake_hint(text, encoded):
        return text
    if not badness.may_change(text):  # a hint in clean text ("José’s", French spacing)
        return text
    import ftfy

    return ftfy.fix_text(text, _ftfy_config())


def _has_mojibake_hint(text: str, encoded: bytes | None = None) -> bool:
    """Whether `text` holds a pair of a lead letter and a continuation character, a C1
    control or a lone surrogate (see _MOJIBAKE_LEADS). `encoded`: its UTF-8, if known."""
    # A long text is encoded a piece at a time (pieces overlap by one character, as a pair
    # may straddle a cut), so no whole copy of it is made.
    for start in range(0, len(text), _GATE_PIECE):
        if encoded is not None and len(text) <= _GATE_PIECE:
            raw = encoded  # the one piece
        else:
            raw = text[start:start + _GATE_PIECE + 1].encode("utf-8", "surrogatepass")
        if _MOJIBAKE_PAIR.search(raw) or _C1_CONTROL.search(raw):
            return True
        if b"\xed" in raw and _SURROGATE.search(raw):
            return True
    return False


_GATE_PIECE = 1 << 20
# decode_dump reads a UTF-8 text's control characters and mojibake hints in the input bytes
# (no encoded copy of the text); tests turn it off to compare with the earlier definition.
_SHARE_UTF8 = True


def warm_up() -> None:
    """Does now what decoding does at its first need: imports ftfy and charset_normalizer
    and builds the mojibake gate's search (about 60 ms). For a process that forks workers
    (pipeline/workers.py), so that no worker does it again, and for a benchmark that times
    the core without its imports (scripts/bench.py)."""
    import charset_normalizer  # noqa: F401 - see _detect

    _ftfy_config()
    badness.may_change("")


@functools.lru_cache(maxsize=1)
def _ftfy_config():
    from ftfy import TextFixerConfig

    return TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
        fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        remove_control_chars=False, normalization=None,
    )


def _undecodable(data: bytes, encoding: str) -> DecodeError:
    try:
        data.decode(encoding)
        start = 0
    except UnicodeDecodeError as err:
        start = err.start
    bad = data[start:start + 4].hex(" ")
    return DecodeError(
        reasons.UNDECODABLE,
        f"not valid {encoding.upper()}: bytes {bad} at offset {start}; save the file as UTF-8",
    )


# A terminal's escape sequence (ECMA-48 CSI: colours, cursor moves), as `ls --color` or a
# logged console prints it.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_DROP_CONTROLS = dict.fromkeys(_CONTROL_BYTES)


def _without_controls(text: str) -> str:
    """`text` without terminal escape sequences and the control characters _CONTROL_BYTES
    names (tab, newlines, form and vertical feed stay)."""
    return _ANSI_ESCAPE.sub("", text).translate(_DROP_CONTROLS)


def _count_controls(text: str) -> int:
    """How many characters of `text` _CONTROL_CHARS matches. They are all below U+0020,
    which UTF-8 encodes as one byte of the same value and never uses inside a multi-byte
    sequence, so counting bytes is the same count, several times faster than the regex."""
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, _CONTROL_BYTES))


def decode_dump(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode one input. Returns (text, codec used); raises DecodeError with a reason code.

    Args:
        data: the raw bytes.
        declared: a charset named outside the bytes (an HTTP Content-Type), if any.
    """
    if not data or data.isspace():  # not data.strip(): no copy of a large input
        raise DecodeError(reasons.EMPTY, f"the file holds {len(data)} bytes and no text")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    encoded = None  # the text's UTF-8, when it is `data` itself
    controls = 0
    if encoding is None and b"\x00" in data:
        if not data.strip(b"\x00"):
            raise DecodeError(reasons.EMPTY, f"the file holds {len(data)} zero bytes and nothing else "
                              "(an empty tar archive, or space allocated and never written)")
        encoding = _utf16_without_bom(data)
        if encoding is None:
            offset = data.index(b"\x00")
            raise DecodeError(reasons.BINARY, f"NUL byte at offset {offset}: binary data, not a text dump")
    if encoding is not None:
        text = _strict(data, encoding + ("-sig" if encoding == "utf-8" else ""))
        if text is None:
            raise _undecodable(data, encoding)
        text = text.lstrip("\ufeff")
    else:
        head = data[:20000]
        controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
        if controls > max(8, len(head) // 20):
            raise DecodeError(reasons.BINARY, f"{controls} control bytes in the first {len(head)}: binary data")
        text = None
        for label in (declared, declared_charset(data)):
            codec = _codec(label)
            text = _strict(data, codec)
            if text is not None:
                encoding = codec
                break
        if text is None:
            text = _strict(data, "utf-8")
            encoding = "utf-8"
        if text is None and (text := _utf8_and_cp1252(data)) is not None:
            encoding = MIXED_ENCODING
        if text is None:
            found = _detect(data)
            if found is None:
                raise _undecodable(data, "utf-8")
            text, encoding = found
        if encoding == "utf-8":  # codecs.lookup spells it 'utf-8' too
            length = len(text)
            text = text.lstrip("\ufeff")
            if len(text) == length and _SHARE_UTF8:
                encoded = data  # the text is the bytes decoded as they are
    if encoded is None or len(data) > 20000:  # else the count in the bytes above is the text's
        controls = _count_controls(text[:20000])
    if controls > max(8, len(text[:20000]) // 20):
        raise DecodeError(reasons.BINARY, f"{controls} control characters in the first 20000: binary data")
    if controls or (len(text) > 20000 and (
            len(encoded) - len(encoded.translate(None, _CONTROL_BYTES)) if encoded is not None
            else _count_controls(text))):
        # A few stray ones in text (a terminal's colour codes, a \x01 a scraper let through):
        # no text, and no reader of the output wants them.
        text = _without_controls(text)
        encoded = None
    text = repair_mojibake(text, encoded=encoded)
    if not text or text.isspace():
        raise DecodeError(reasons.EMPTY, "the file holds only whitespace")
    return text, encoding


def decode_markup(data: bytes) -> tuple[str, str]:
    """HTML or XML bytes to (text, codec). Raises DecodeError (empty, binary, undecodable).

    Valid UTF-8 without NUL bytes is read as UTF-8 straight away, whatever the document
    declares (a page or feed declaring ISO-8859-1 and holding UTF-8 is a common defect):
    most markup, and the fast path (mojibake in it is repaired in the text read from it:
    html_to_article). Anything else goes through `decode_dump`: a BOM, the declared charset,
    detection, mojibake repair.
    """
    if b"\x00" not in data and data.strip():
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
    return decode_dump(data)


def sniff_content(text: str) -> str | None:
    """Names a structured format (HTML, XML, JSON) that the text splitter must not read as prose."""
    # Every format named below starts with '<', '{', '[' or 'warc', and only '<', '{', '[',
    # 'w' and 'W' lower-case to a string starting with one of those (a test checks every
    # character): a dump starting with anything else is prose, told without a copy.
    start, end = 0, len(text)
    while start < end and text[start] in "\ufeff \t\r\n":
        start += 1
    if start == end or text[start] not in "<{[wW":
        return None
    head = text.lstrip("\ufeff \t\r\n")[:2048].lower()
    head = _HTML_COMMENTS.sub("", head)
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article", "<div", "<p>", "<p ")):
        return "html"
    if head.startswith("<?xml") and "?>" in head:
        # XHTML declares itself XML too: its root tells it from a feed.
        rest = head[head.index("?>") + 2:].lstrip()
        while rest.startswith("<?"):  # a stylesheet's processing instruction
            rest = rest[rest.index("?>") + 2:].lstrip() if "?>" in rest else ""
        if rest.startswith(("<!doctype html", "<html")):
            return "html"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf:rdf")):
        return "xml"
    if _JSON_START.match(head):
        return "json"
    if head.startswith("warc/1."):
        return "warc"
    return None


# What the first line of a saved page (MHTML) starts with: Chrome writes 'From: <Saved by
# Blink>', other browsers and tools start with the MIME version or another header.
_MHTML_FIRST_HEADERS = (b"from:", b"mime-version:", b"subject:", b"date:", b"content-type:",
                        b"snapshot-content-location:", b"message-id:", b"x-mht")


def looks_like_mhtml(head: bytes) -> bool:
    """Whether the first bytes of an input are an MHTML message's headers (a page a browser
    saved as one file): a header line first, and a multipart/related Content-Type among
    the headers."""
    start = head.lstrip(b"\r\n \t")[:32].lower()
    if not start.startswith(_MHTML_FIRST_HEADERS):
        return False
    headers = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower()
    return b"multipart/related" in headers
