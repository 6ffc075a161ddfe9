"""Functions rewritten for speed give what their earlier definitions gave, on any input.

Each earlier definition is kept here, word for word, as the reference; hypothesis draws text
that is rich in what the fast paths skip or special-case (odd and zero-width spaces,
combining marks, typographic punctuation, mojibake pairs, C1 controls, lone surrogates,
markdown signs), plus arbitrary text. Records must not change with speed-ups: ids and
dedupe against earlier runs depend on it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schemas import record
from transforms import decode, ids, lines, normalize
from transforms.boilerplate import _clean_capture, find_boilerplate
from transforms.ids import _fingerprint_bytes
from transforms.lines import to_lines
from transforms.rules import BoilerplateRule, RuleSet, load_rules

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters the fast paths care about, and ordinary ones.
_SPECIAL = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
    "\u205f\u3000"
    "\t\x0b\x0c\u200b\u2060\ufeff\u200c\u200d\u00ad"  # odd spaces, zero-width, joiners, soft hyphen
    "\u0301\u0308\u0327\u0345e\u00e9\u00c3\u00c2\u00e2\u00f4\u00f5\u00c1"  # combining marks, leads
    "\u0080\u0085\u009f\u00a9\u00bb\u00bf\u00c0\u0152\u0161\u0192\u02c6\u02dc"  # C1, continuations
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2022\u2026\u2030\u2039\u20ac\u2122"
    "\ud800\udfff\u00df\u0130\u03a3\ufb01\uff21\u2460\u0661"  # surrogates, case and width oddities
    "\u6771\u3001\u3002 _.,;:!?-*[]()#\\/'\"\n\r"
)
_PIECE = st.one_of(
    st.text(alphabet=_SPECIAL, max_size=6),
    st.sampled_from(["the", "Harbour", "caf\u00e9", "Stra\u00dfe", "naïve", "K\u00f6ln", "AP",
                     "1999",
                     "cafÃ©", "Ã€", "â€™", "**bold**", "[link](http://x.example)", "\\*", "__u__"]),
    st.text(max_size=5),
)
TEXT = st.lists(_PIECE, max_size=30).map("".join) | st.text(max_size=200)


# --- normalize_line --------------------------------------------------------------------------

_ODD_SPACES = dict.fromkeys(
    map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
             "\u200a\u202f\u205f\u3000\u0009\u000b\u000c"),
    " ",
)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None)
_TABLE = {**_ODD_SPACES, **_ZERO_WIDTH}
_SPACES = re.compile(r" {2,}")


def reference_normalize_line(line: str) -> str:
    if not line.isascii() or "\t" in line or "\x0b" in line or "\x0c" in line:
        line = unicodedata.normalize("NFC", line.translate(_TABLE))
    if "  " in line:
        line = _SPACES.sub(" ", line)
    return line.strip()


@MANY
@given(TEXT)
@example("\u00a0e\u0301\u200b")
@example("a\u200b\u0301")  # a zero-width space between a letter and its accent
@example("\t\u00a0")
def test_normalize_line_equals_its_earlier_definition(text):
    for line in [text, *text.split("\n")]:
        assert normalize.normalize_line(line) == reference_normalize_line(line)


def test_line_normalizer_takes_the_short_way_on_inert_text():
    """Not vacuous: typical news text gets the cheaper function, text with a combining mark
    or a character NFC changes does not."""
    assert normalize.line_normalizer("Stra\u00dfe, caf\u00e9 \u201cK\u00f6ln\u201d \u6771") \
        is not normalize.normalize_line
    assert normalize.line_normalizer("a\u00a0b") is not normalize.normalize_line
    for text in ("e\u0301", "\u212b", "\u1100\u1161", "\u0915\u093c"):
        assert normalize.line_normalizer(text) is normalize.normalize_line


@MANY
@given(TEXT, st.data())
@example("a\u00a0\u200b\u3000b", None)
@example("\t\u00a0x", None)
def test_line_normalizer_equals_normalize_line_on_strings_of_the_texts_characters(text, data):
    normalize_line = normalize.line_normalizer(text)
    lines_ = text.split("\n")
    if data is not None:  # any string made of the text's characters, in any order
        lines_.append(data.draw(st.text(alphabet=sorted(set(text)) or " ", max_size=40)))
    for line in lines_:
        assert normalize_line(line) == reference_normalize_line(line)


def test_line_normalizer_on_every_character():
    """Every code point, a few hundred at a time and each before an accent and an NBSP (the
    cache of characters seen fills and is emptied on the way)."""
    codes = [c for c in range(0x110000) if c != 0x0a]
    for start in range(0, len(codes), 499):
        text = "".join(chr(c) + " x\u0301\u00a0" * (c % 3 == 0) for c in codes[start:start + 499])
        for line in (text, text.replace("\u0301", "")):
            assert normalize.line_normalizer(line)(line) == reference_normalize_line(line), start


def test_every_second_character_of_a_composition_is_a_mark():
    """What line_normalizer relies on: NFC composes a character with the one before it only
    when it is a mark, or a Hangul vowel or trailing jamo (composed by algorithm)."""
    for code in range(0x110000):
        mapping = unicodedata.decomposition(chr(code))
        if mapping and not mapping.startswith("<"):
            for part in mapping.split()[1:]:
                assert unicodedata.category(chr(int(part, 16))).startswith("M"), hex(code)
    assert normalize._HANGUL_V_T == (("\u1161", "\u1175"), ("\u11a8", "\u11c2"))
    assert unicodedata.normalize("NFC", "\u1100\u1161\u11a8") == "\uac01"


@MANY
@given(TEXT, st.sampled_from(["text", "markdown"]))
@example("\u00a0\n\nA line\twith a tab.\n\n\u2022 A bullet\u00a0here", "text")
@example("# Head\u00a0line\n\n![alt\u200b](x.png)\n\n**Bold**\u3000text", "markdown")
def test_to_lines_equals_itself_with_normalize_line_everywhere(text, markup):
    saved = lines.line_normalizer
    try:
        lines.line_normalizer = lambda _text: normalize.normalize_line
        reference = to_lines(text, markup)
    finally:
        lines.line_normalizer = saved
    assert to_lines(text, markup) == reference


# --- count_words -----------------------------------------------------------------------------

# Beyond the Basic Multilingual Plane: letters and digits (mathematical alphanumerics, Deseret,
# Gothic, Adlam digits) and symbols (emoji, a musical sign), each also next to a BMP character.
_ASTRAL = "\U0001d400\U0001d7ce\U00010400\U00010330\U0001e950\U0001f600\U0001f44d\U0001d11e"
COUNT_TEXT = TEXT | st.lists(st.one_of(_PIECE, st.text(alphabet=_ASTRAL + " a\u2019\u00e9", max_size=6)),
                             max_size=30).map("".join)


@MANY
@given(COUNT_TEXT)
@example("a \u2013 b")
@example("\u2013")
@example("_ x_")
@example("".join(map(chr, range(0x2010, 0x2040))) + "many marks to replace: the regex path")
@example("\ud800x\udfffy \u00d7 z")
@example("\U0001f600a\U0001f600\U0001d400\U0001f600 \U0001d400\U0001d400 \ud83d\ude00")
def test_count_words_equals_its_earlier_definition(text):
    assert record.count_words(text) == re.compile(r"\w+").subn("", text)[1]


def test_count_words_of_every_character():
    """Each non-ASCII character (and a surrogate) between words and alone."""
    word = re.compile(r"\w+")
    for ch in [*map(chr, range(0x80, 0x110000, 7)), *map(chr, range(0x80, 0x3000)), "\ud800"]:
        for text in (ch, f"ab{ch}cd {ch} e{ch}"):
            assert record.count_words(text) == word.subn("", text)[1], hex(ord(ch))


def test_count_words_of_every_character_of_the_basic_plane():
    """Every character of the Basic Multilingual Plane (surrogates included), between two
    ASCII letters and between two characters beyond the plane (a letter and an emoji)."""
    word = re.compile(r"\w+")
    for point in range(0x80, 0x10000):
        ch = chr(point)
        for text in (f"a{ch}b", f"\U0001f600{ch}\U0001d400"):
            assert record.count_words(text) == word.subn("", text)[1], hex(point)


# --- the id fingerprint ----------------------------------------------------------------------

_ASCII_NON_WORD = bytes(b if b >= 0x80 or chr(b).isalnum() else 0x20 for b in range(256))


def reference_fingerprint_bytes(text: str) -> bytes:
    """The previous fast definition (itself equal to the first one, see test_ids.py)."""
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    if not text.isascii():
        for ch in set(text):
            if ch > "\x7f" and not ch.isalnum():
                text = text.replace(ch, " ")
    return b" ".join(text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD).split())


_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]")


def reference_fingerprint_bytes_2(text: str) -> bytes:
    """The definition before the per-character rewrites (one casefold and one regex pass)."""
    text = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    if not text.isascii():
        text = _NON_ASCII_NON_WORD.sub(" ", text)
    raw = text.encode("utf-8", "surrogatepass").translate(_ASCII_NON_WORD)
    while b"  " in raw:
        raw = raw.replace(b"  ", b" ")
    return raw.strip(b" ")


@MANY
@given(TEXT)
@example("  a   b  ")
@example("a" + " " * 33 + "b")
@example("\u0345x")
@example("\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u00c6\u00c7\u00c8\u00c9\u00ca\u00cb\u00cc"
         "\u00cd\u00ce\u00cf\u00d0\u00d1 \u2013 many capitals to rewrite")  # the regex path
@example("\u0130stanbul Stra\u00dfe \u03a3\u039f\u03a3 \ufb01 \u212a \ud800x\udfff")
def test_fingerprint_equals_its_earlier_definition(text):
    assert _fingerprint_bytes(text) == reference_fingerprint_bytes(text)
    assert _fingerprint_bytes(text) == reference_fingerprint_bytes_2(text)


def test_fingerprint_of_every_character():
    """Each assigned non-ASCII character (and a surrogate) alone, between words, and after
    characters that compose with what follows them (a letter, a Hangul leading jamo, a
    Hangul syllable without a final): its stand-in in the bytes is what NFKC, casefold and
    the word test made of it in the whole text."""
    chars = [chr(c) for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) != "Cn"]
    for ch in [*chars, "\ud800", "\udfff"]:
        for text in (ch, f"Ab{ch}Cd {ch}", f"e{ch}\u1100{ch}\uac00{ch}{ch}"):
            assert _fingerprint_bytes(text) == reference_fingerprint_bytes_2(text), hex(ord(ch))


def test_fingerprint_takes_the_short_way_on_news_text():
    """Not vacuous: typical characters of news text get a stand-in (no NFKC of the whole
    text), a combining accent does not."""
    for ch in "\u00e9\u00c9\u2019\u201c\u2026\u00a0\ufb01\u6771\uac00\u00df":
        assert ids._stand_in(ch) is not None, ch
    assert ids._stand_in("\u2026") == "   "  # NFKC '...', each a space
    assert ids._stand_in("\u00ad") == ""  # a soft hyphen: dropped
    for ch in "\u0301\u1161\u11a8\u093c":
        assert ids._stand_in(ch) is None, ch


# --- the mojibake gate -----------------------------------------------------------------------

_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|[\u0080-\u009f]|[\ud800-\udfff]"
)
_MOJIBAKE_START = re.compile("[\u0080-\u009f\u00c2-\u00f4\ud800-\udfff]")


def reference_gate(text: str) -> bool:
    """True where the earlier repair_mojibake went on to ftfy."""
    if text.isascii():
        return False
    start = _MOJIBAKE_START.search(text)
    return start is not None and _MOJIBAKE_HINT.search(text, start.start()) is not None


@MANY
@given(TEXT)
@example("caf\u00c3\u00a9")
@example("\u00f4\u2122")
@example("x\udfff")
def test_mojibake_gate_equals_its_earlier_definition(text):
    assert decode._has_mojibake_hint(text) == reference_gate(text)
    if not reference_gate(text):
        assert decode.repair_mojibake(text) is text


def _decoded(data: bytes):
    try:
        return decode.decode_dump(data)
    except decode.DecodeError as err:
        return err.reason, err.detail


_BYTES = st.one_of(st.binary(max_size=300), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                   TEXT.map(lambda t: t.encode("cp1252", "replace")))


@MANY
@given(_BYTES)
@example("caf\u00c3\u00a9 \u2019s".encode())
@example(b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f text" * 3)
@example(b"\xef\xbb\xbfBOM then text \xc3\xa9")
def test_decode_dump_reading_the_input_bytes_equals_encoding_the_text(data):
    """decode_dump counts a UTF-8 text's control characters and looks for mojibake hints in
    the input bytes; the earlier definition encoded the decoded text for both."""
    assert _decoded(data) == _decoded_encoding_the_text(data)


def test_decode_dump_reads_the_bytes_of_a_long_text_the_earlier_way():
    data = ("x" * 19990 + "\x01" * 9 + " caf\u00c3\u00a9").encode()  # controls near the cut
    assert _decoded(data) == _decoded_encoding_the_text(data)


def _decoded_encoding_the_text(data: bytes):
    """decode_dump as it was defined before: the decoded text encoded again for the checks."""
    decode._SHARE_UTF8 = False
    try:
        return _decoded(data)
    finally:
        decode._SHARE_UTF8 = True


def test_mojibake_gate_on_every_pair():
    """Every lead and every character after it, exhaustively (the sets are small)."""
    leads = [chr(c) for c in range(0xA0, 0x100)]
    after = [chr(c) for c in range(0x80, 0x250)] + [chr(c) for c in range(0x2000, 0x2200)]
    for lead in leads:
        for ch in after:
            assert decode._has_mojibake_hint(lead + ch) == reference_gate(lead + ch), (lead, ch)


# --- sniffing structured content -------------------------------------------------------------

def reference_sniff_content(text: str) -> str | None:
    head = text.lstrip("\ufeff \t\r\n")[:2048].lower()
    head = decode._HTML_COMMENTS.sub("", head)
    if head.startswith(("<!doctype html", "<html", "<head", "<body", "<article", "<div", "<p>", "<p ")):
        return "html"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf:rdf")):
        return "xml"
    if decode._JSON_START.match(head):
        return "json"
    if head.startswith("warc/1."):
        return "warc"
    return None


_STRUCTURED = st.sampled_from(["<!DOCTYPE html>", "<HTML>", "<!-- x -->\n<rss>", '{"a": 1}',
                               "[\n {", "WARC/1.1", "warc/1.0", "<P>", "<?XML", "\ufeff \n<feed"])


@MANY
@given(st.one_of(TEXT, st.tuples(st.text(alphabet="\ufeff \t\r\n", max_size=4), _STRUCTURED, TEXT)
                 .map("".join)))
@example("")
@example(" \t")
@example("\u0130<html>")
def test_sniff_content_equals_its_earlier_definition(text):
    assert decode.sniff_content(text) == reference_sniff_content(text)


def test_only_five_characters_lower_case_to_a_structured_start():
    """sniff_content skips texts not starting with one of them."""
    starts = {chr(c) for c in range(0x110000) if chr(c).lower()[:1] in ("<", "{", "[", "w")}
    assert starts == set("<{[wW")


def reference_detect_format(data: bytes, source_uri: str) -> str:
    from transforms.ingest import _CONTENT, _EXTENSIONS

    head = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom):].replace(b"\x00", b"") if bom != b"\xef\xbb\xbf" else head[3:]
            break
    kind = reference_sniff_content(head.decode("utf-8", errors="ignore"))
    if kind:
        return _CONTENT[kind]
    lower = source_uri.lower()
    return next((fmt for ext, fmt in _EXTENSIONS.items() if lower.endswith(ext)), "auto")


@MANY
@given(st.one_of(_BYTES, st.tuples(st.binary(max_size=3), st.sampled_from(
    [b" \r\n<html>", b"\t{\"a\"", b"W", b"\xef\xbb\xbf<rss", b"\xc3\xa9<", b"\xff\xfe<\x00h\x00"]),
    st.binary(max_size=20)).map(b"".join)), st.sampled_from(["a.txt", "b.html", "c.jsonl", "d"]))
def test_detect_format_equals_its_earlier_definition(data, name):
    from transforms.ingest import detect_format

    assert detect_format(data, name) == reference_detect_format(data, name)


# --- markdown inline signs -------------------------------------------------------------------

# The earlier definitions, word for word: correct, but quadratic on lines of many '[' or '**'.
REFERENCE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
REFERENCE_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
REFERENCE_SIGNS = re.compile(r"^(?:!\[[^\]]*\]\(|#{1,6} )|\]\([^)\s]+\)", re.MULTILINE)

# Text made of the signs the three read, a few letters, and spaces of every kind.
MARKDOWN_SIGNS = st.lists(
    st.sampled_from(["[", "]", "(", ")", "](", "![", "!", '"', " ", "\u00a0", "\u3000", "\t",
                     "*", "**", "_", "__", "a", "b", "#", "# ", "\n", "x.png", "http://h.example/p"]),
    max_size=40).map("".join)


@MANY
@given(MARKDOWN_SIGNS | TEXT)
@example("[a [b](u) c](v)")
@example("![a](u \"t\") ![b](v)")
@example("!![a](u)")
@example("[a](u v) [b](u)")  # an address that a space ends, then a link that closes
@example("[a](b[c](d)")  # two links reading the same address
@example("[a](b \"t) [c](d \"e\")")
def test_strip_links_equals_the_regex(text):
    assert lines._strip_links(text) == REFERENCE_LINK.sub(r"\1", text)


@MANY
@given(MARKDOWN_SIGNS | TEXT)
@example("***a***")
@example("**a __b** c__")
@example("** a** **b**")
@example("**a **b** c**")
@example("__a\u00a0__ __b__")
@example("**a\n**")
def test_strip_strong_equals_the_regex(text):
    assert lines._strip_strong(text) == REFERENCE_STRONG.sub(r"\2", text)


@MANY
@given(MARKDOWN_SIGNS | TEXT)
@example("](](x)")
@example("](\n)x](y)")
@example("a ](x ) ](y)")
def test_sniff_markup_equals_the_regex(text):
    head = text[:20000]
    expected = lines.MARKDOWN if ("](" in head or "#" in head) and REFERENCE_SIGNS.search(head) else lines.TEXT
    assert lines.sniff_markup(text) == expected


def test_markdown_signs_no_link_or_strong_closes_are_read_in_linear_time():
    # Quadratic before: each of these took from seconds to minutes.
    for line in ("[a " * 100_000, "**a " * 100_000, "__a " * 100_000, "[a](b" * 100_000,
                 "a ![" * 100_000):
        lines._strip_strong(lines._strip_links(line))
    assert lines.sniff_markup("](" * 10_000) == lines.TEXT


def reference_markdown_inline(text: str) -> str:
    text = REFERENCE_LINK.sub(r"\1", text)
    text = REFERENCE_STRONG.sub(r"\2", text)
    text = lines._MD_EM.sub(lambda m: m.group(1) or m.group(2), text)
    return lines._MD_ESCAPE.sub(r"\1", text)


@MANY
@given(TEXT)
def test_markdown_inline_equals_its_earlier_definition(text):
    assert lines._markdown_inline(text) == reference_markdown_inline(text)


# --- lines, paragraphs, credits: cheap tests before a regex ---------------------------------

def test_a_bullet_starts_with_a_mark_or_a_decimal_digit():
    """to_lines tries _BULLET only on lines starting with one of _BULLET_MARKS or a
    character str.isdecimal() accepts; every other first character fails the regex."""
    for code in range(0x110000):
        ch = chr(code)
        if lines._BULLET.match(ch + " x") or lines._BULLET.match(ch + "1. x"):
            assert ch in lines._BULLET_MARKS or ch.isdecimal(), hex(code)


@MANY
@given(st.lists(st.one_of(TEXT, st.sampled_from(["abcabc", "eLangenieLangeni", "xyzxyz.", "aaaaaa",
                                                 "Roe/AP", "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"])),
                max_size=8).map(" ".join))
@example("in eLangenieLangeni Council / Facebook")
@example("abcabc")  # at the end: no whitespace after it, no match
def test_may_double_is_true_wherever_doubled_word_matches(caption):
    from transforms import credit

    if credit._DOUBLED_WORD.search(caption):
        assert credit._may_double(caption)


def reference_paragraphs(lines_, labels, wrap_min):
    """The earlier _paragraphs (a flush a block)."""
    from transforms.split import _continues

    paragraphs = []
    block = []

    def flush():
        if not block:
            return
        pieces = [block[0].body_text]
        for prev, line in zip(block, block[1:]):
            if _continues(prev, line, wrap_min):
                pieces.append(line.body_text)
            else:
                paragraphs.append(" ".join(pieces))
                pieces = [line.body_text]
        paragraphs.append(" ".join(pieces))
        for line in block:
            labels[line.number] = "paragraph"
        block.clear()

    for line in lines_:
        if block and line.block != block[-1].block:
            flush()
        block.append(line)
    flush()
    return paragraphs


_WRAPPED = st.lists(st.one_of(TEXT, st.sampled_from([
    "A long line of body text that goes on and on past the wrap width and then",
    "continues here in lower case.", "", "- A dash line", "Short.", "1. Numbered step"])),
    max_size=20).map("\n".join)


@MANY
@given(_WRAPPED, st.sampled_from(["text", "markdown"]), st.integers(min_value=0, max_value=60))
def test_paragraphs_equal_their_earlier_definition(text, markup, wrap_min):
    from transforms.split import _paragraphs

    found, _ = to_lines(text, markup)
    labels, reference_labels = {}, {}
    assert _paragraphs(found, labels, wrap_min) == reference_paragraphs(found, reference_labels, wrap_min)
    assert labels == reference_labels


# --- boilerplate: one combined test a line ---------------------------------------------------

def _one_by_one(line_texts: list[str], rules: RuleSet) -> dict[int, str]:
    """The earlier find_boilerplate's removals: every rule tried on every line."""
    removed: dict[int, str] = {}

    def first(rule_list, text):
        return next((r for r in rule_list if r.match(text)), None)

    tail = [r for r in rules.boilerplate if r.where in ("tail", "anywhere", "body")]
    stop, publisher = -1, None
    for index in range(len(line_texts) - 1, -1, -1):
        rule = first(tail, line_texts[index])
        if rule is None:
            stop = index
            break
        removed[index] = rule.name
        publisher = publisher or _clean_capture(rule.match(line_texts[index]).groupdict().get("publisher"))
    if publisher is None and stop > 0:
        # A syndication footer (not a copyright line) with at most 8 short lines after it.
        for index in range(stop, max(0, stop - 8) - 1, -1):
            rule = first(tail, line_texts[index]) if index < stop else None
            if rule is not None and rule.name != "copyright_line" and _clean_capture(
                    rule.match(line_texts[index]).groupdict().get("publisher")):
                if index > 0:
                    removed.update({index: rule.name, **dict.fromkeys(range(index + 1, stop + 1), "after_footer")})
                break
            if len(line_texts[index].split()) > 12:
                break
    for index, text in enumerate(line_texts):
        anywhere = [r for r in rules.boilerplate if r.where == "anywhere"]
        if index not in removed and (rule := first(anywhere, text)):
            removed[index] = rule.name
    return removed


_FOOTERS = st.sampled_from([
    "Read the original article on Coast Daily",
    "This article was originally published by Tide News.",
    "The post Pier works appeared first on Quay Times.", "Sign up for our newsletter today",
    "Jetzt abonnieren Sie den Newsletter", "Continue reading", "Follow us on Instagram",
    "Read more at Harbour Post.", "See more stories on Gull Net", "An ordinary sentence.",
])


@MANY
@given(st.lists(st.one_of(_FOOTERS, TEXT), max_size=12))
def test_boilerplate_verdict_equals_rule_by_rule_matching(texts):
    rules = load_rules()
    dump = "\n\n".join(t.replace("\n", " ").replace("\r", " ") for t in texts)
    found, _ = to_lines(dump, "text")
    verdict = find_boilerplate(found, rules)
    assert verdict.removed == _one_by_one([line.text for line in found], rules)


@MANY
@given(st.lists(st.one_of(_FOOTERS, TEXT), max_size=12), st.sampled_from(["text", "markdown"]))
def test_split_dump_removes_boilerplate_as_the_line_by_line_loop_did(texts, markup):
    """split_dump takes the removed lines from the verdict's indexes (and keeps the line list
    as it is when none is removed); the earlier loop went over every line."""
    from schemas.record import Removed
    from transforms.split import split_dump

    rules = load_rules()
    dump = "\n\n".join(texts)
    found, _ = to_lines(dump, markup)
    verdict = find_boilerplate(found, rules)
    removed, labels = [], {}
    for index, line in enumerate(found):
        if index in verdict.removed:
            removed.append(Removed(rule=verdict.removed[index], text=line.text))
            labels[line.number] = f"boilerplate:{verdict.removed[index]}"
    parts = split_dump(dump, rules, markup)
    assert parts.boilerplate == tuple(removed)
    assert {n: label for n, label in parts.labels if label.startswith("boilerplate:")} == labels


def test_rules_with_group_references_are_tried_one_by_one():
    """A rule with a back-reference is not combined (its group numbers would shift)."""
    from transforms.boilerplate import _combine

    rules = (BoilerplateRule("twice", "", "anywhere", re.compile(r"(\w+) \1", re.IGNORECASE)),
             BoilerplateRule("ad", "", "anywhere", re.compile(r"(advert)", re.IGNORECASE)))
    assert _combine(rules) is None
    menu = BoilerplateRule("menu", "", "anywhere", re.compile(r"(?P<x>menu)", re.IGNORECASE))
    plain = (rules[1], menu)
    combined = _combine(plain)
    assert combined is not None and combined.fullmatch("MENU") and not combined.fullmatch("menus")


# --- long texts, a piece at a time -----------------------------------------------------------

_PARAGRAPHS = st.lists(TEXT.map(lambda t: t.replace("\n", " ")), max_size=6)


@MANY
@given(_PARAGRAPHS, st.integers(min_value=1, max_value=12))
@example(["a b", "c  d\u0301 e"], 1)
@example([" \u0301x", "\u00b4y z"], 2)
def test_article_id_in_pieces_equals_the_whole(paragraphs, piece_chars):
    from transforms.ids import article_id

    whole = article_id(paragraphs, piece_chars=10**9)
    assert article_id(paragraphs, piece_chars=piece_chars) == whole
    reference = hashlib.sha256(reference_fingerprint_bytes("\n".join(paragraphs)))
    assert whole == reference.hexdigest()[:32]


@MANY
@given(COUNT_TEXT, st.integers(min_value=1, max_value=12))
def test_count_words_in_pieces_equals_the_whole(text, piece_chars):
    whole = record.count_words(text)
    saved = record._PIECE_CHARS
    record._PIECE_CHARS = piece_chars
    try:
        assert record.count_words(text) == whole
    finally:
        record._PIECE_CHARS = saved


@MANY
@given(TEXT)
def test_mojibake_gate_in_pieces_equals_the_whole(text):
    saved = decode._GATE_PIECE
    decode._GATE_PIECE = 3
    try:
        assert decode._has_mojibake_hint(text) == reference_gate(text)
    finally:
        decode._GATE_PIECE = saved

