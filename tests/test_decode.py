"""Bytes to text, and the reject reasons for bytes that are no text dump."""

import codecs
import datetime as dt
import json

import pytest

from schemas import reasons
from schemas.record import Article, Reject
from transforms.decode import DecodeError, decode_dump, sniff_content
from transforms.formats.text import ingest_bytes
from transforms.rules import load_rules

RULES = load_rules()
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
TEXT = (
    "Ein Kran hebt den Träger über die Mole in Seehafen.\n\n"
    "Die Arbeiten beginnen im März, sagte die Hafenbehörde.\n\n"
    "Die Fähren legen bis dahin an der Südmole an.\n"
)
PARAGRAPHS = (
    "Ein Kran hebt den Träger über die Mole in Seehafen.",
    "Die Arbeiten beginnen im März, sagte die Hafenbehörde.",
    "Die Fähren legen bis dahin an der Südmole an.",
)


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-16"), "utf-16-le"),  # Python writes a little-endian BOM
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: told apart by the NUL bytes
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-32"), "utf-32-le"),
    ],
    ids=[
        "utf8",
        "utf8_bom",
        "utf16_bom",
        "utf16be_bom",
        "utf16le_no_bom",
        "utf16be_no_bom",
        "utf32_bom",
    ],
)
def test_decodes_text_and_drops_the_bom(data, encoding):
    text, used = decode_dump(data)
    assert text == TEXT
    assert used == encoding


@pytest.mark.parametrize(
    "data, reason",
    [
        # A byte-order mark names the encoding; bytes that break it are not guessed around.
        (codecs.BOM_UTF16_LE + b"A\x00B", reasons.UNDECODABLE),
        (codecs.BOM_UTF8 + b"ok \xc3\x28 broken", reasons.UNDECODABLE),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), reasons.BINARY),
        (b"\x00" * 64, reasons.EMPTY),  # zero bytes only: nothing was written (was binary)
        (bytes(range(1, 32)) * 10, reasons.BINARY),  # control characters, no NUL
        (b"", reasons.EMPTY),
        (b" \n\t\r\n ", reasons.EMPTY),
        (codecs.BOM_UTF8, reasons.EMPTY),
        (codecs.BOM_UTF8 + b"  \r\n", reasons.EMPTY),
        (" \n ".encode("utf-16"), reasons.EMPTY),
        ("\u00a0\n\u00a0".encode("utf-8"), reasons.EMPTY),
    ],
    ids=[
        "utf16_bom_odd_length",
        "bom_then_bad",
        "png",
        "nul_run",
        "controls",
        "empty",
        "whitespace",
        "bom_only",
        "bom_whitespace",
        "utf16_whitespace",
        "nbsp_only",
    ],
)
def test_decode_error_reasons(data, reason):
    with pytest.raises(DecodeError) as err:
        decode_dump(data)
    assert err.value.reason == reason
    assert err.value.detail
    assert err.value.reason in reasons.ALL


def test_undecodable_detail_names_the_offset():
    with pytest.raises(DecodeError) as err:
        decode_dump(codecs.BOM_UTF8 + b"Hafen \xe4 Mole")
    assert "offset 9" in err.value.detail


def test_text_that_is_not_utf8_is_decoded_not_rejected():
    # Latin-1 / cp1252 bytes used to be 'undecodable'; now they are detected and decoded.
    assert decode_dump("Träger über die Mole".encode("latin-1")) == ("Träger über die Mole", "cp1252")
    assert decode_dump(b"Hafen \xe4 Mole") == ("Hafen ä Mole", "cp1252")


@pytest.mark.parametrize(
    "text, kind",
    [
        ("<!DOCTYPE html><html><body><p>Hafen</p></body></html>", "html"),
        ("\n  <html lang='de'><head></head></html>", "html"),
        ("<p>Die Mole wird breiter.</p>\n<p>Ab März.</p>", "html"),
        (
            "<!-- saved from url=(0030)https://hafen.example/ -->\n<html><body></body></html>",
            "html",
        ),
        ('<?xml version="1.0"?><rss><channel></channel></rss>', "xml"),
        ('{"title": "Mole", "body": "Die Mole wird breiter."}', "json"),
        ('[\n  {\n    "title": "Mole"\n  }\n]', "json"),
        ('{"title": "Mole"}\n{"title": "Kai"}\n', "json"),  # JSON lines
        ("WARC/1.0\r\nWARC-Type: response\r\n", "warc"),
        (TEXT, None),
        ("[Update] Die Mole wird breiter.\n\nAb März.", None),
        ('{Eilmeldung} Die Mole wird breiter, sagte sie: „Ab März."', None),
        ("<3 Hafenfest in Seehafen.\n\nAb März.", None),
    ],
)
def test_sniff_content(text, kind):
    assert sniff_content(text) == kind


def test_sniff_content_reads_long_json():
    # The sniffed head ends inside the document: still JSON.
    document = json.dumps({"title": "Mole", "body": "Die Mole wird breiter. " * 200}, indent=2)
    assert len(document) > 4096
    assert sniff_content(document) == "json"


# ingest_bytes: the reject reasons reach the record ------------------------------------------


def _ingest(data, name="dump.txt"):
    return ingest_bytes(data, f"mem://{name}", RULES, NOW)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html>\n<html><body><p>Die Mole wird breiter.</p></body></html>",
        b"<div class='story'><p>Die Mole wird breiter.</p></div>",
        json.dumps({"title": "Mole", "body": "Die Mole wird breiter."}).encode(),
        json.dumps([{"title": "Mole", "body": "Die Mole wird breiter. " * 200}], indent=2).encode(),
        b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"></rss>',
    ],
    ids=["html", "html_fragment", "json", "long_json_array", "rss"],
)
def test_ingest_rejects_structured_content(data):
    outcome = _ingest(data)
    assert isinstance(outcome, Reject)
    assert outcome.reason == reasons.UNSUPPORTED_FORMAT
    assert outcome.size_bytes == len(data)
    assert outcome.rejected_at == NOW
    assert outcome.source_uri == "mem://dump.txt"


def test_ingest_splits_structured_content_when_the_format_is_forced():
    outcome = ingest_bytes(
        b"<p>Die Mole wird breiter.</p>\n\n<p>Ab M\xc3\xa4rz.</p>",
        "mem://x",
        RULES,
        NOW,
        markup="text",
    )
    assert isinstance(outcome, Article)
    assert outcome.paragraphs == ("<p>Die Mole wird breiter.</p>", "<p>Ab März.</p>")


@pytest.mark.parametrize(
    "data",
    [
        b"Read the original article on Seehafen Bote",
        b"Read the original article on Seehafen Bote\r\n\r\nSee more stories on Seehafen Bote's harbour page\r\n",
        b"\xc2\xa0\n\nContinue reading...",
    ],
    ids=["footer", "two_footers_crlf", "nbsp_and_prompt"],
)
def test_ingest_rejects_a_dump_without_article_text(data):
    outcome = _ingest(data)
    assert isinstance(outcome, Reject)
    assert outcome.reason == reasons.NO_ARTICLE_TEXT
    assert outcome.size_bytes == len(data)


def test_a_dump_of_only_a_list_is_an_article_of_its_items():
    # Before: read as summary bullets over no body, and rejected as no_article_text.
    outcome = _ingest("  • Die Mole wird breiter.\n  • Ab März.\n".encode())
    assert isinstance(outcome, Article)
    assert (outcome.bullets, outcome.paragraphs) == ((), ("• Die Mole wird breiter.", "• Ab März."))


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", reasons.EMPTY),
        (b"\x1f\x8b\x08\x00" + bytes(range(256)), reasons.BINARY),
        (codecs.BOM_UTF8 + b"M\xe4rz", reasons.UNDECODABLE),
    ],
)
def test_ingest_passes_decode_reasons_on(data, reason):
    outcome = _ingest(data)
    assert isinstance(outcome, Reject)
    assert (outcome.reason, outcome.size_bytes) == (reason, len(data))


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.replace("\n", "\r\n").encode("utf-8"),
        TEXT.replace("\n", "\r\n").encode("utf-16"),
        TEXT.encode("utf-16-le"),
    ],
    ids=["utf8", "utf8_bom_crlf", "utf16_bom_crlf", "utf16le_no_bom"],
)
def test_ingest_gives_the_same_article_for_every_encoding(data):
    outcome = _ingest(data)
    assert isinstance(outcome, Article)
    assert outcome.paragraphs == PARAGRAPHS
    assert outcome.article_id == _ingest(TEXT.encode("utf-8")).article_id
    assert outcome.to_row()["word_count"] == 27


def test_the_mojibake_gate_finds_exactly_what_the_hint_pattern_matches():
    """The gate searches UTF-8 bytes; it must agree with the hint written as one str pattern."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from transforms.decode import _has_mojibake_hint

    hint = re.compile(
        "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
        "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
        "|[\u0080-\u009f]|[\ud800-\udfff]")
    alphabet = st.sampled_from("aé\u00c3\u00a9\u00e2\u20ac\u2122\u0080\u009f \u00a0\u2019\u00f4\u00bf\ud800")

    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet=alphabet) | st.text())
    def check(text):
        assert _has_mojibake_hint(text) == (hint.search(text) is not None)

    check()


def test_control_characters_are_counted_as_the_regex_counts_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from transforms.decode import _CONTROL_CHARS, _count_controls

    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet=st.characters(max_codepoint=0x3000)) | st.text())
    def check(text):
        assert _count_controls(text) == len(_CONTROL_CHARS.findall(text))

    check()


def test_warm_up_does_ahead_what_decoding_does_at_its_first_need():
    """In a fresh interpreter: nothing of it before (decoding UTF-8 text imports none of it),
    everything after."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, json\n"
        "from transforms import badness, decode\n"
        "decode.decode_dump('Caf\\u00e9 \\u2019'.encode())\n"
        "had = ['ftfy' in sys.modules, 'charset_normalizer' in sys.modules, badness._search.cache_info().currsize]\n"
        "decode.warm_up()\n"
        "has = ['ftfy' in sys.modules, 'charset_normalizer' in sys.modules, badness._search.cache_info().currsize]\n"
        "print(json.dumps([had, has]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=True)
    assert json.loads(done.stdout) == [[False, False, 0], [True, True, 1]]


class _Reading:
    """A stand-in for one of charset_normalizer's readings (its measures are set by hand)."""

    def __init__(self, data: bytes, encoding: str, coherence: float, language: str) -> None:
        self.encoding, self.chaos, self.coherence, self.language = encoding, 0.0, coherence, language
        self._text = data.decode(encoding)

    def __str__(self) -> str:
        return self._text


@pytest.mark.parametrize("english_reading, expected", [("cp1257", "cp1252"), ("cp1252", "cp1252")])
def test_a_reading_taken_for_english_does_not_outvote_cp1252_read_as_another_language(
        monkeypatch, english_reading, expected):
    # Measured on a real Portuguese feed: its cp1257 reading ('Assistźncia') scored as English,
    # more coherent than the cp1252 reading ('Assistência') as Portuguese.
    import charset_normalizer

    data = "Programa de assistência social; ações em três bairros, inscrições até março.".encode("cp1252") * 3
    readings = [_Reading(data, english_reading, 0.77, "English"), _Reading(data, "cp1250", 0.63, "Portuguese"),
                _Reading(data, "cp1252", 0.64, "Portuguese")]
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda *args, **kwargs: readings)
    text, codec = decode_dump(data)
    assert codec == expected and "assistência" in text


def test_a_reading_taken_for_english_wins_when_no_cp1252_reading_is_another_language(monkeypatch):
    import charset_normalizer

    data = "Программа помощи; работы в трёх районах.".encode("cp1251") * 3
    readings = [_Reading(data, "cp1251", 0.70, "English"), _Reading(data, "cp1252", 0.50, "English")]
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda *args, **kwargs: readings)
    assert decode_dump(data) == ("Программа помощи; работы в трёх районах." * 3, "cp1251")


@pytest.mark.parametrize("raw, clean", [
    # A terminal's colour codes around a word, as a logged console prints them.
    ("\x1b[1mFerry\x1b[0m timetable changes on Monday for the winter season.\n",
     "Ferry timetable changes on Monday for the winter season.\n"),
    # Stray control characters a scraper let through.
    ("The ferry\x01 timetable\x02 changes on Monday\x03 for the winter season.\n",
     "The ferry timetable changes on Monday for the winter season.\n"),
])
def test_stray_control_characters_and_terminal_escapes_are_removed(raw, clean):
    # Before: they stayed in the paragraphs (and made the id differ from the clean text's).
    text, _ = decode_dump(raw.encode())
    assert text == clean
    long_text, _ = decode_dump((("word " * 5000) + "\n" + raw).encode())  # past the first 20,000
    assert long_text.endswith(clean) and "\x1b" not in long_text and "\x01" not in long_text


def test_a_file_of_zero_bytes_only_is_empty_not_binary():
    # An empty tar archive is 10,240 zero bytes. Before: 'binary: NUL byte at offset 0'.
    with pytest.raises(DecodeError) as err:
        decode_dump(bytes(10240))
    assert err.value.reason == reasons.EMPTY and "zero bytes" in err.value.detail
