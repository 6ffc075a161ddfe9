"""Encodings: BOM, declared charset, UTF-8, detection; mojibake repaired; encoding recorded."""
from __future__ import annotations

import codecs
import datetime as dt
import random

import pytest

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.decode import DecodeError, declared_charset, decode_dump, repair_mojibake
from transforms.ingest import ingest_file
from transforms.rules import load_rules

NOW = dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.timezone.utc)
CTX = IngestContext(load_rules(), NOW)
GERMAN = (
    "Der Fährverkehr zur Insel wird im Sommer verdoppelt, teilte die Reederei am Dienstag mit.\n\n"
    "Größere Schiffe können erst nach dem Ausbau des Anlegers im Hafen festmachen.\n"
)
FRENCH = (
    "Le marché couvert rouvre ses portes après dix-huit mois de travaux « très attendus ».\n\n"
    "Les maraîchers s’installeront dès l’aube, précise la mairie.\n"
)
POLISH = (
    "Władze miasta ogłosiły, że remont nabrzeża potrwa do września, a prom będzie kursował częściej.\n\n"
    "Mieszkańcy są zaniepokojeni hałasem, ale cieszą się z nowej ścieżki rowerowej.\n"
)
RUSSIAN = (
    "Паром отходит от северного причала каждое утро в восемь часов, сообщила компания.\n\n"
    "Жители острова давно просили больше рейсов, особенно летом.\n"
)
JAPANESE = "フェリーは毎朝八時に北の桟橋から出発します。\n\n島の住民は夏に便を増やすよう求めていました。\n"
TURKISH = (
    "İskele yenileme çalışmaları nedeniyle vapur seferleri Şubat ayı boyunca azaltılacak.\n\n"
    "Belediye, yolcuların sabah erken saatlerde ek otobüslerle taşınacağını açıkladı; "
    "öğrenciler için ücretsiz servis düzenlenecek.\n"
)
# Soft hyphens (U+00AD) in every long word, as Icelandic and German news sites print them.
ICELANDIC = (
    "Ferj­an sigl­ir frá nýju bryggj­unni á hverj­um morgni kl­ukk­an átta, seg­ir hafn­ar­stjór­inn.\n\n"
    "Íbú­ar eyj­ar­inn­ar hafa lengi ósk­að eft­ir fleiri ferð­um, sér­stak­lega á sumr­in þeg­ar "
    "ferða­menn eru marg­ir. Þá verð­ur bætt við kvöld­ferð á föstu­dög­um.\n"
)


def _article(data: bytes, uri: str = "mem://dump.txt") -> Article:
    [outcome] = ingest_file(data, uri, CTX)
    assert isinstance(outcome, Article), outcome
    return outcome


@pytest.mark.parametrize(
    "text, encoding, recorded",
    [
        (GERMAN, "cp1252", "cp1252"),
        (GERMAN, "latin-1", "cp1252"),  # Latin-1 bytes of these letters are the cp1252 bytes
        (FRENCH, "cp1252", "cp1252"),  # guillemets and the typographic apostrophe
        (POLISH, "cp1250", "cp1250"),
        (RUSSIAN, "cp1251", "cp1251"),
        (JAPANESE, "shift_jis", "cp932"),
        (JAPANESE * 8, "shift_jis", "cp932"),
        (TURKISH * 3, "cp1254", "cp1254"),
        (ICELANDIC * 4, "cp1252", "cp1252"),
        (GERMAN, "utf-8", "utf-8"),
        (GERMAN, "utf-16", "utf-16-le"),
        (GERMAN, "utf-16-be", "utf-16-be"),  # no BOM: the NUL pattern tells
        (GERMAN, "utf-32", "utf-32-le"),
        # No BOM, and too few NUL bytes for their pattern to tell (only spaces and punctuation
        # hold one): the detector tells. Before: rejected as 'binary'.
        (RUSSIAN * 3, "utf-16-le", "utf-16-le"),
        (JAPANESE * 3, "utf-16-be", "utf-16-be"),
    ],
    ids=["de_cp1252", "de_latin1", "fr_cp1252", "pl_cp1250", "ru_cp1251", "ja_shift_jis", "ja_long",
         "tr_cp1254", "is_soft_hyphens", "utf8",
         "utf16_bom", "utf16be_no_bom", "utf32_bom", "ru_utf16le_no_bom", "ja_utf16be_no_bom"],
)
def test_legacy_and_unicode_encodings_become_articles(text, encoding, recorded):
    article = _article(text.encode(encoding))
    assert article.paragraphs == _article(text.encode("utf-8")).paragraphs
    assert article.paragraphs[0] == text.split("\n\n")[0]
    assert article.source_encoding == recorded
    assert article.source_format == "text"


def test_cp1252_and_utf8_give_the_same_article_id():
    assert _article(GERMAN.encode("cp1252")).article_id == _article(GERMAN.encode("utf-8")).article_id


def test_short_latin1_text_is_not_guessed_as_an_asian_encoding():
    # A statistical detector alone calls these bytes Big5; with so little evidence, cp1252 wins.
    assert decode_dump(b"M\xe4rz") == ("März", "cp1252")
    assert decode_dump(b"Caf\xe9 ferm\xe9") == ("Café fermé", "cp1252")


def test_html_meta_charset_is_used():
    page = '<html><head><meta charset="windows-1251"></head><body>Паром</body></html>'
    text, encoding = decode_dump(page.encode("cp1251"))
    assert (text, encoding) == (page, "cp1251")


def test_iso_8859_1_label_means_windows_1252():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>' \
           "<body>“Quoted” café</body></html>"
    text, encoding = decode_dump(page.encode("cp1252"))
    assert encoding == "cp1252"
    assert "“Quoted” café" in text


def test_xml_declaration_is_used():
    feed = '<?xml version="1.0" encoding="ISO-8859-15"?><rss><title>Prix : 5 €</title></rss>'
    assert decode_dump(feed.encode("iso-8859-15")) == (feed, "iso8859-15")


def test_a_declaration_the_bytes_break_is_ignored():
    # Declared UTF-8, written in cp1252: the declaration is wrong, detection decides.
    page = '<html><head><meta charset="utf-8"></head><body>Größere Schiffe</body></html>'
    assert decode_dump(page.encode("cp1252")) == (page, "cp1252")


def test_the_callers_charset_comes_first():
    # An HTTP header said koi8-r: bytes that decode under it are read so.
    assert decode_dump("Паром".encode("koi8-r"), declared="koi8-r") == ("Паром", "koi8-r")
    assert decode_dump("Паром".encode("koi8-r"), declared="no-such-charset")[1] != "no-such-charset"


@pytest.mark.parametrize(
    "page, charset",
    [
        (b'<meta charset="utf-8">', "utf-8"),
        (b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=Shift_JIS'>", "Shift_JIS"),
        (b'<?xml version="1.0" encoding="windows-1252"?><rss/>', "windows-1252"),
        (b"<p>charset is not declared here</p>", None),
    ],
)
def test_declared_charset(page, charset):
    assert declared_charset(page) == charset


@pytest.mark.parametrize(
    "broken, repaired",
    [
        ("The cafÃ© on the quay", "The café on the quay"),
        ("GrÃ¶ÃŸere Schiffe", "Größere Schiffe"),
        ("â€œQuotedâ€\x9d words", "“Quoted” words"),
    ],
)
def test_mojibake_is_repaired(broken, repaired):
    assert repair_mojibake(broken) == repaired
    text, encoding = decode_dump(broken.encode("utf-8"))
    assert (text, encoding) == (repaired, "utf-8")


@pytest.mark.parametrize(
    "clean",
    [
        "“Curly quotes” and ‘apostrophes’ stay curly",
        "The ﬁsh market: ligatures stay",
        "Ｆｕｌｌｗｉｄｔｈ letters stay",
        "Zürich, Ærø, Łódź, İstanbul and São Paulo",
        "Plain ASCII stays",
    ],
)
def test_clean_text_is_left_alone(clean):
    assert repair_mojibake(clean) == clean


def test_random_binary_is_still_rejected_as_binary():
    rng = random.Random(7)
    noise = bytes(rng.randrange(1, 256) for _ in range(4096))  # no NUL byte at all
    with pytest.raises(DecodeError) as err:
        decode_dump(noise)
    assert err.value.reason == reasons.BINARY
    [reject] = ingest_file(noise, "mem://noise.bin", CTX)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.size_bytes) == (reasons.BINARY, 4096)


def test_binary_with_nul_bytes_is_still_binary():
    rng = random.Random(11)
    for size in (64, 4096, 70_000):
        noise = bytes(rng.randrange(0, 256) for _ in range(size)) + b"\x00\x00"
        with pytest.raises(DecodeError) as err:
            decode_dump(noise)
        assert err.value.reason == reasons.BINARY


def test_a_bom_is_authoritative():
    # A UTF-8 BOM and then cp1252 bytes: the file says UTF-8 and breaks it; no guessing around it.
    [reject] = ingest_file(codecs.BOM_UTF8 + GERMAN.encode("cp1252"), "mem://bom.txt", CTX)
    assert reject.reason == reasons.UNDECODABLE
    assert "offset" in reject.detail


def test_high_bytes_that_read_as_no_language_are_undecodable():
    rng = random.Random(3)
    noise = bytes(rng.randrange(0x80, 256) for _ in range(4000))  # no control byte, no NUL
    with pytest.raises(DecodeError) as err:
        decode_dump(noise)
    assert err.value.reason == reasons.UNDECODABLE
