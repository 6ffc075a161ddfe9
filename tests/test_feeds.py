"""The feed reader: RSS 2.0, RDF and Atom items field by field; malformed and hostile feeds.

Fixtures under fixtures/feeds are invented feeds. The hostile ones (entity expansion, an
external entity pointing at a local file) are built or checked so that nothing they
reference can leak into the output and nothing is fetched.
"""
from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path

import pytest

from schemas import reasons
from schemas.record import Article, Reject, Removed
from transforms.context import IngestContext
from transforms.formats import feeds
from transforms.ids import article_id
from transforms.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
NOW = dt.datetime(2024, 10, 1, tzinfo=dt.timezone.utc)
CTX = IngestContext(load_rules(), NOW, "feed")


def _read(name: str, data: bytes | None = None) -> list[Article | Reject]:
    return list(feeds.read(data if data is not None else (FIXTURES / name).read_bytes(), f"mem://{name}", CTX))


def test_rss2_items_become_articles_with_item_metadata():
    first, second, third = _read("rss2.xml")
    assert isinstance(first, Article)
    assert first.source_uri == "mem://rss2.xml#item=0"
    assert first.source_format == "html"
    assert first.title == "Ferry timetable grows for summer"
    assert first.url == "https://islandpost.example/ferry-summer"
    assert first.published_at == dt.datetime(2024, 6, 4, 5, 15, tzinfo=dt.timezone.utc)
    assert first.authors == ("Jo Berg",)
    assert first.language == "en-gb"
    assert first.source_encoding == "utf-8"
    # content:encoded wins over the teaser in <description>.
    assert first.image_alt == "A red ferry at the north pier"
    assert first.caption == "The ferry Mira leaves the north pier on a calm morning."
    assert first.caption_credit == "Jo Berg/Island Post"
    assert first.bullets == ("Six crossings a day from the first of July.",)
    assert first.paragraphs == (
        "The island council has added two crossings a day to the summer ferry timetable, "
        "starting on the first of July.",
        "Residents had asked for a late boat for years, so that evening shifts on the mainland no longer "
        "mean a night in a hotel.",
    )
    assert first.boilerplate == (Removed("read_original_on", "Read the original article on Island Post"),)
    assert first.publisher == "Island Post"
    assert first.article_id == article_id(first.paragraphs)

    # Escaped HTML in <description>; Media RSS description and credit describe the image.
    assert second.source_uri == "mem://rss2.xml#item=1"
    assert second.paragraphs == (
        "Divers began inspecting the old harbour wall on Wednesday before repairs that are "
        "expected to last until the autumn.",
        "The quay stays open to fishing boats throughout the work.",
    )
    assert second.caption == "Divers prepare their gear beside the harbour wall."
    assert second.caption_credit == "Photo: Ana Lind"
    assert second.image_alt is None
    assert second.authors == ("Ana Lind",)  # 'desk@islandpost.example (Ana Lind)'
    assert second.published_at == dt.datetime(2024, 6, 5, 9, 0, tzinfo=dt.timezone.utc)
    assert second.publisher is None  # the channel title is not a publisher

    # An item with nothing to read is its own reject, not the feed's.
    assert isinstance(third, Reject)
    assert third.source_uri == "mem://rss2.xml#item=2"
    assert third.reason == reasons.NO_ARTICLE_TEXT
    assert third.size_bytes == 0  # it holds no text at all


def test_an_item_rejected_for_its_html_is_sized_by_that_html():
    html = "<p>Read the original article on Coastal Daily</p>"
    feed = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
            f"<item><title>Only a footer</title><description><![CDATA[{html}]]></description></item>"
            "</channel></rss>").encode()
    [reject] = _read("rss2.xml", feed)
    assert (reject.reason, reject.detail) == (reasons.NO_ARTICLE_TEXT, "the HTML holds only boilerplate")
    assert reject.size_bytes == len(html)  # before: None


def test_rdf_items():
    (item,) = _read("rdf.xml")
    assert item.source_uri == "mem://rdf.xml#item=0"
    assert item.title == "Orchard harvest doubles"
    assert item.url == "https://valley.example/orchard"
    assert item.published_at == dt.datetime(2024, 9, 14, 6, 30, tzinfo=dt.timezone.utc)
    assert item.authors == ("Tomas Berg",)
    assert item.language == "en"  # xml:lang on the root
    assert item.paragraphs == ("The community orchard picked twice as many apples as last year, its volunteers said.",)
    assert item.boilerplate == (Removed("read_more_at", "Read more of this story at Valley Courier."),)
    assert item.publisher == "Valley Courier"


def test_atom_entries_html_xhtml_and_text_content():
    first, second, third = _read("atom.xml")
    assert first.title == "Neue Radwege am Fluss"
    assert first.url == "https://stadtblatt.example/radwege"  # rel=alternate, not the enclosure
    assert first.published_at == dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.timezone.utc)
    assert first.authors == ("Jana Muster", "Kai Beispiel")
    assert first.language == "de"  # xml:lang of the feed
    assert first.paragraphs == ("Die Stadt baut bis zum Sommer zwei neue Radwege entlang des Flusses.",
                                "Die Arbeiten kosten rund 1,2 Millionen Euro.")
    assert second.url == "https://stadtblatt.example/markt"  # a link without rel is the alternate
    assert second.published_at == dt.datetime(2024, 3, 2, 9, 0, tzinfo=dt.timezone.utc)  # <updated>
    assert second.paragraphs == ("Der Wochenmarkt kehrt am Samstag auf den Rathausplatz zurück.",
                                 "Zwanzig Stände bieten Obst, Käse und Blumen an.")
    assert third.paragraphs == ("Die Bibliothek öffnet ab Montag eine Stunde früher & schließt später.",
                                "Der Lesesaal bleibt am Sonntag geschlossen.")


def test_mislabelled_encoding_and_bare_ampersands_are_recovered():
    (item,) = _read("mislabelled_bare_amp.xml")
    assert item.source_encoding == "utf-8"  # declared ISO-8859-1, holds UTF-8
    assert item.title == "Café & bakery open on the quay"
    assert item.url == "https://fish.example/quay?a=1&b=2"
    assert item.paragraphs == ("A café & bakery opened on the quay on Friday, serving fish & chips until late.",
                               "The owners, Zoë and Søren, moved here from the mainland.")


def test_html_entity_names_in_a_feed_spoil_nothing_after_them():
    # Before: lenient XML parsing dropped '&nbsp;' and then every '&', '<' and '>' of the
    # items after it ('Tom Jerry win race', 'pTom amp; Jerry ... /p'), with no reject.
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quay News</title>'
            b'<item><title>Market&nbsp;reopens on the quay</title><description>The weekly market '
            b'reopened on Saturday with forty stalls and a caf&eacute; &amp; bakery.</description></item>'
            b'<item><title>Tom &amp; Jerry win the harbour race</title><description>&lt;p&gt;Tom &amp;amp; '
            b'Jerry won the 10 km race on Sunday, well ahead of the others.&lt;/p&gt;&lt;p&gt;Organisers '
            b'said 5 &amp;lt; 10 runners finished.&lt;/p&gt;</description></item>'
            b'<item><title>An &unknownname; stays</title><description>The &madeup; reference is kept '
            b'as the text it is, in a sentence long enough to be an article.</description></item>'
            b'</channel></rss>')
    first, second, third = _read("entities.xml", feed)
    assert first.title == "Market reopens on the quay"
    assert first.paragraphs == ("The weekly market reopened on Saturday with forty stalls and a café & bakery.",)
    assert second.title == "Tom & Jerry win the harbour race"
    assert second.paragraphs == ("Tom & Jerry won the 10 km race on Sunday, well ahead of the others.",
                                 "Organisers said 5 < 10 runners finished.")
    assert third.title == "An &unknownname; stays"
    assert third.paragraphs[0].startswith("The &madeup; reference")


def test_a_character_reference_xml_forbids_is_a_replacement_character():
    # Before: libxml2 stopped at '&#xD800;' and the whole feed was one internal_error reject.
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>Quay &#xD800; news</title>'
            b'<description>The quay reopened on Monday &#0; after a winter of repairs to its stones.'
            b'</description></item></channel></rss>')
    (item,) = _read("refs.xml", feed)
    assert item.title == "Quay \ufffd news"
    assert item.paragraphs == ("The quay reopened on Monday \ufffd after a winter of repairs to its stones.",)


def test_declared_latin1_feed():
    (item,) = _read("latin1.xml")
    assert item.source_encoding == "cp1252"
    assert item.title == "Marché de Noël"
    assert item.paragraphs == ("Le marché de Noël ouvre samedi sur la place, avec quarante chalets et une patinoire.",)


def test_entity_expansion_bomb_is_rejected_fast():
    started = time.monotonic()
    outcomes = _read("billion_laughs.xml")
    assert time.monotonic() - started < 2
    assert [(o.source_uri, o.reason) for o in outcomes] == [("mem://billion_laughs.xml", reasons.UNSAFE_XML)]
    assert outcomes[0].size_bytes == (FIXTURES / "billion_laughs.xml").stat().st_size


def _xxe_feeds(secret: Path) -> dict[str, bytes]:
    item = ("<rss version=\"2.0\"><channel><item><title>Leak &xxe;</title><link>https://x.example/a</link>"
            "<description>The harbour master reports calm seas for the whole week ahead. &xxe;</description>"
            "</item></channel></rss>")
    return {
        "internal_subset": (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
                            + item).encode(),
        "parameter_entity": (f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY % ext SYSTEM "file://{secret}"> %ext;]>\n'
                             + item).encode(),
        "external_dtd": (f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "file://{secret}">\n' + item).encode(),
    }


@pytest.mark.parametrize("kind", ["internal_subset", "parameter_entity", "external_dtd"])
def test_external_entities_never_leak_a_local_file(tmp_path, kind, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN-8d1f0c")

    def no_network(*args, **kwargs):
        raise AssertionError("network access while parsing a feed")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    outcomes = _read(f"{kind}.xml", _xxe_feeds(secret)[kind])
    assert outcomes
    for outcome in outcomes:
        assert "SECRET-TOKEN" not in repr(outcome.to_row())
        if isinstance(outcome, Reject):
            assert outcome.reason == reasons.UNSAFE_XML
    if kind == "external_dtd":
        # No entity is declared in the document: it is read, the DTD is never loaded.
        (article,) = outcomes
        assert article.paragraphs[0].startswith("The harbour master reports calm seas")


@pytest.mark.parametrize("name, reason", [
    ("broken.xml", reasons.MALFORMED_XML),
    ("not_a_feed.xml", reasons.UNSUPPORTED_FORMAT),
])
def test_unreadable_feeds_are_one_reject(name, reason):
    (reject,) = _read(name)
    assert isinstance(reject, Reject)
    assert reject.source_uri == f"mem://{name}"
    assert reject.reason == reason
    assert reject.detail


def test_feed_without_items_is_one_reject():
    (reject,) = _read("empty.xml",
                      b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert reject.reason == reasons.NO_ARTICLE_TEXT and "no item" in reject.detail


@pytest.mark.parametrize("data, reason", [
    (b"", reasons.EMPTY), (b" \r\n\t", reasons.EMPTY),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", reasons.BINARY),
])
def test_bytes_that_are_not_a_feed(data, reason):
    (reject,) = _read("x.xml", data)
    assert reject.reason == reason


def test_utf16_feed_with_bom():
    text = ('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><item><title>Été</title>'
            "<description>Les fontaines de la ville sont remises en marche pour l'été.</description>"
            "</item></channel></rss>")
    (item,) = _read("utf16.xml", text.encode("utf-16"))
    assert item.title == "Été"
    assert item.source_encoding.startswith("utf-16")
    assert item.paragraphs == ("Les fontaines de la ville sont remises en marche pour l'été.",)


@pytest.mark.parametrize("date", ["Mon, 02 Mar 99999999999999999999 10:00:00 GMT", "0001-01-01T00:00:00+05:00",
                                  "not a date", "2024-13-45", "9999-12-31T23:59:59-12:00"])
def test_unreadable_dates_leave_published_at_empty_and_the_item_readable(date):
    feed = ("<rss version=\"2.0\"><channel><item><title>Quay</title>"
            f"<pubDate>{date}</pubDate><description>The quay reopens to fishing boats on Monday morning."
            "</description></item><item><title>Pier</title><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>"
            "<description>The pier gets new lamps before the summer season.</description></item></channel></rss>")
    first, second = _read("dates.xml", feed.encode())
    assert isinstance(first, Article) and first.published_at is None
    assert second.published_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)


def test_an_item_that_raises_is_one_internal_error_and_the_others_are_read(monkeypatch):
    """Fault injection: the HTML of the second item raises; that item becomes an
    internal_error reject whose detail names the exception and where it was raised."""
    plain = _read("rss2.xml")
    real = feeds.html_to_article

    def failing_on_the_second(html, uri, ctx, *, meta=None):
        if uri.endswith("#item=1"):
            raise RuntimeError("injected failure")
        return real(html, uri, ctx, meta=meta)

    monkeypatch.setattr(feeds, "html_to_article", failing_on_the_second)
    first, second, third = _read("rss2.xml")
    assert [first, third] == [plain[0], plain[2]]
    assert (second.source_uri, second.reason) == ("mem://rss2.xml#item=1", reasons.INTERNAL_ERROR)
    assert second.detail.startswith("RuntimeError: injected failure (at test_feeds.py:")


@pytest.mark.parametrize("element", ["description", "content:encoded"])
def test_html_written_as_elements_inside_an_item_keeps_its_paragraphs(element):
    # Some feeds write an item's HTML unescaped, as XML elements. Read as text, the paragraphs
    # ran together: 'after the vote' + 'The board met' -> 'after the voteThe board met'.
    body = ("<p>Fares rise by a tenth after the vote</p><p>The board met on Monday &amp; agreed "
            "the new fares for the ferry.</p><p>They apply from <b>March</b>.<br/></p> "
            '<a href="https://news.example/fares">Continue reading...</a>')
    feed = ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>Harbour</title><item><title>Fares</title><{element}>{body}</{element}>"
            "</item></channel></rss>").encode()
    [article] = _read("fares.rss", feed)
    assert article.paragraphs == ("Fares rise by a tenth after the vote",
                                  "The board met on Monday & agreed the new fares for the ferry.",
                                  "They apply from March.")
    assert [r.rule for r in article.boilerplate] == ["continue_reading"]
