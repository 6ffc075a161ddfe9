"""Dumps whose bytes are UTF-8 in one part and Windows-1252 in another (scrapers that glue
pieces together): every accented letter, curly quote and euro sign comes out right, as
text and as HTML, and the record says what was repaired. Files in one encoding keep the
detection order they had."""
from __future__ import annotations

import datetime as dt

import pytest

from schemas import reasons
from schemas.record import Article
from transforms.context import IngestContext
from transforms.decode import MIXED_ENCODING, DecodeError, decode_dump
from transforms.formats import html
from transforms.formats.text import ingest_bytes
from transforms.rules import load_rules

NOW = dt.datetime(2024, 10, 1, tzinfo=dt.timezone.utc)
RULES = load_rules()
# Invented sentences full of the characters that break: é ß ï Ñ ã, curly quotes, €.
UTF8_PART = ("In São Paulo, the café on the corner sells “pão de queijo” for 3 € a piece; "
             "its owner, Iñés Müller, calls it “the best in town”.")
CP1252_PART = ("À Zürich, la boulangère vend des croissants à 2 € pièce ; « c’est très bon », "
               "dit Ñoño, naïf, en mangeant sa Brezel mit Grüßen.")


def _mixed(utf8_times: int = 1, cp1252_times: int = 1) -> tuple[bytes, str]:
    utf8 = ((UTF8_PART + "\n\n") * utf8_times).encode("utf-8")
    data = utf8 + ((CP1252_PART + "\n\n") * cp1252_times).encode("cp1252")
    return data, (UTF8_PART + "\n\n") * utf8_times + (CP1252_PART + "\n\n") * cp1252_times


@pytest.mark.parametrize("utf8_times, cp1252_times", [(1, 1), (3, 1), (1, 3)])
def test_mixed_dump_decodes_every_character(utf8_times, cp1252_times):
    data, expected = _mixed(utf8_times, cp1252_times)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # what made it go wrong: strict UTF-8 fails, detection picked cp1250
    text, encoding = decode_dump(data)
    assert text == expected
    assert encoding == MIXED_ENCODING == "utf-8+windows-1252"


def test_mixed_text_dump_becomes_an_article_that_records_the_repair():
    data, _ = _mixed()
    article = ingest_bytes(data, "mem://prices.txt", RULES, NOW)
    assert isinstance(article, Article)
    assert article.paragraphs == (UTF8_PART, CP1252_PART)
    assert article.source_encoding == "utf-8+windows-1252"


def test_mixed_html_page_reads_right_and_records_the_repair():
    data = (b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Prices</title></head><body><article>"
            + f"<p>{UTF8_PART}</p>".encode() + f"<p>{CP1252_PART}</p>".encode("cp1252")
            + b"</article></body></html>")
    (article,) = list(html.read(data, "mem://prices.html", IngestContext(RULES, NOW, "html")))
    assert isinstance(article, Article)
    assert article.paragraphs == (UTF8_PART, CP1252_PART)
    assert "Ă" not in article.body  # the cp1250 reading of UTF-8 'ã' ("SĂŁo")
    assert article.source_encoding == "utf-8+windows-1252"


@pytest.mark.parametrize("codec", ["cp1252", "cp1250", "cp1251"])
def test_single_legacy_encodings_are_not_read_as_a_mix(codec):
    # One encoding throughout, even with a valid UTF-8 pair by chance (in cp1252 'ß“' is the
    # bytes DF 93): detection decides, as before.
    samples = {
        "cp1252": "„Spaß“ beim Grüßen, sagt Jörg; Maße und Größe für 5 € – naïve Ñandú-Fans.\n" * 6,
        "cp1250": "Żółw i łódź płyną w Gdańsku; świeże śledzie za 5 zł, mówi pani Łucja.\n" * 6,
        "cp1251": "Паром отходит в семь утра; билеты продаются у причала, сказал капитан.\n" * 6,
    }
    data = samples[codec].encode(codec)
    text, encoding = decode_dump(data)
    assert encoding != MIXED_ENCODING
    assert text == samples[codec]


def test_bytes_that_are_no_text_stay_rejected():
    with pytest.raises(DecodeError) as err:
        decode_dump(b"\xff\xfe\x00\x00\x00garbage" * 50)
    assert err.value.reason in (reasons.UNDECODABLE, reasons.BINARY)
