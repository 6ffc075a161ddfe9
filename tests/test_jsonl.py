"""JSONL / NDJSON: one article per line; a bad line rejects that line only."""
from __future__ import annotations

import codecs
import collections
import datetime as dt
import json

import pytest

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.formats import html as html_module
from transforms.formats.jsonl import authors_of, read
from transforms.ingest import ingest_file
from transforms.metadata import parse_datetime
from transforms.rules import load_rules

NOW = dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.timezone.utc)
RULES = load_rules()
UTC = dt.timezone.utc
BAKERY = (
    "A baker slides loaves into a wood-fired oven\n"
    "The bakery on Mill Street fires its oven at four every morning.Per Dahl/Valley Photo\n"
    "  • The bakery turns 100 this year.\n"
    "\n"
    "The family bakery on Mill Street celebrates its hundredth year with free bread on Saturday.\n"
    "\n"
    "The fourth generation of the family now runs the shop, and still uses the original oven.\n"
    "\n"
    "Read the original article on Valley Gazette\n"
)
BAKERY_PARAGRAPHS = (
    "The family bakery on Mill Street celebrates its hundredth year with free bread on Saturday.",
    "The fourth generation of the family now runs the shop, and still uses the original oven.",
)
BRIDGE = "The footbridge over the river closes for repairs in May.\n\nA ferry will carry walkers across."


def _ctx(fields=(), counts=None) -> IngestContext:
    counter = None if counts is None else (lambda name, n=1: counts.update({name: n}))
    return IngestContext(RULES, NOW, jsonl_fields=tuple(fields), counter=counter)


def _jsonl(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records).encode()


def test_text_record_fills_every_field():
    data = _jsonl({
        "text": BAKERY,
        "url": "https://valley.example/bakery-100",
        "title": "Mill Street bakery turns 100",
        "published": "2025-03-08T09:15:00+01:00",
        "author": "Ines Moor",
        "publisher": "Valley Syndicate",
        "lang": "en",
    })
    [article] = read(data, "mem://day.jsonl", _ctx())
    assert isinstance(article, Article)
    assert article.source_uri == "mem://day.jsonl#line=1"
    assert article.source_format == "jsonl"
    assert article.source_encoding == "utf-8"
    assert article.title == "Mill Street bakery turns 100"
    assert article.url == "https://valley.example/bakery-100"
    assert article.published_at == dt.datetime(2025, 3, 8, 8, 15, tzinfo=UTC)
    assert article.authors == ("Ines Moor",)
    assert article.language == "en"
    # The syndication footer names who published this copy; the record's publisher is a fallback.
    assert article.publisher == "Valley Gazette"
    assert article.image_alt == "A baker slides loaves into a wood-fired oven"
    assert article.caption == "The bakery on Mill Street fires its oven at four every morning."
    assert article.caption_credit == "Per Dahl/Valley Photo"
    assert article.bullets == ("The bakery turns 100 this year.",)
    assert article.paragraphs == BAKERY_PARAGRAPHS
    assert [r.rule for r in article.boilerplate] == ["read_original_on"]
    assert article.ingested_at == NOW


def test_a_byline_and_date_in_the_text_fill_what_the_record_does_not_state():
    text = "By Ines Moor\n\nMarch 8, 2025\n\n" + BRIDGE
    [bare] = read(_jsonl({"text": text}), "mem://day.jsonl", _ctx())
    assert (bare.authors, bare.published_at) == (("Ines Moor",), dt.datetime(2025, 3, 8, tzinfo=UTC))
    assert bare.paragraphs == tuple(BRIDGE.split("\n\n"))
    stated = {"text": text, "author": "Per Dahl", "published": "2025-03-07T10:00:00Z"}
    [article] = read(_jsonl(stated), "mem://day.jsonl", _ctx())
    assert (article.authors, article.published_at) == (("Per Dahl",), dt.datetime(2025, 3, 7, 10, tzinfo=UTC))
    assert article.paragraphs == bare.paragraphs and article.article_id == bare.article_id


def test_record_publisher_is_used_when_the_text_names_none():
    [article] = read(_jsonl({"body": BRIDGE, "publisher": "River Post", "authors": ["A. Lind", "B. Kerr"]}),
                     "mem://x.jsonl", _ctx())
    assert article.publisher == "River Post"
    assert article.authors == ("A. Lind", "B. Kerr")
    assert article.paragraphs == ("The footbridge over the river closes for repairs in May.",
                                  "A ferry will carry walkers across.")
    assert (article.title, article.url, article.published_at, article.language) == (None, None, None, None)


def test_bad_lines_reject_only_themselves_with_their_line_number():
    good = {"content": BRIDGE}
    data = _jsonl(
        good,                                   # 1
        "{\"text\": \"unfinished",             # 2 not JSON
        "",                                     # 3 blank: no input, but counted in the numbering
        "[\"an\", \"array\"]",                  # 4 not an object
        {"title": "a title and nothing else"},  # 5 no text
        {"text": 42},                           # 6 wrong type
        {"text": "Read the original article on Valley Gazette"},  # 7 only boilerplate
        good,                                   # 8
    ) + b"\n" + b'{"text": "caf\xe9 au lait"}' + b"\n"  # 9 not UTF-8
    outcomes = list(read(data, "mem://mixed.jsonl", _ctx()))
    got = [(o.source_uri.split("#")[1], getattr(o, "reason", "article")) for o in outcomes]
    assert got == [
        ("line=1", "article"),
        ("line=2", reasons.INVALID_JSON),
        ("line=4", reasons.INVALID_JSON),
        ("line=5", reasons.MISSING_FIELD),
        ("line=6", reasons.MISSING_FIELD),
        ("line=7", reasons.NO_ARTICLE_TEXT),
        ("line=8", "article"),
        ("line=9", reasons.UNDECODABLE),
    ]
    by_line = {o.source_uri.split("=")[1]: o for o in outcomes}
    assert by_line["2"].detail.startswith("not JSON: Unterminated string")
    assert by_line["2"].size_bytes == len(b"{\"text\": \"unfinished")
    assert by_line["4"].detail == "the line is an array, not a JSON object"
    assert "no text or html field" in by_line["5"].detail and "--jsonl-field text=KEY" in by_line["5"].detail
    assert by_line["6"].detail.startswith("field 'text' holds a number, not a string")
    assert "offset 13" in by_line["9"].detail
    assert all(o.rejected_at == NOW for o in outcomes if isinstance(o, Reject))


def test_field_mapping_by_flag_with_dotted_paths():
    record = {"story": {"body": BRIDGE, "link": "https://river.example/bridge"},
              "text": "This field is ignored: the mapping names story.body.",
              "meta": {"when": 1741500000, "by": [{"name": "C. Holm"}]}}
    ctx = _ctx([("text", "story.body"), ("url", "story.link"), ("published_at", "meta.when"),
                ("authors", "meta.by")])
    [article] = read(_jsonl(record), "mem://m.jsonl", ctx)
    assert article.paragraphs[0] == "The footbridge over the river closes for repairs in May."
    assert article.url == "https://river.example/bridge"
    assert article.published_at == dt.datetime(2025, 3, 9, 6, 0, tzinfo=UTC)
    assert article.authors == ("C. Holm",)


def test_mapped_field_missing_names_the_mapping():
    [reject] = read(_jsonl({"text": BRIDGE}), "mem://m.jsonl", _ctx([("text", "article_body")]))
    assert reject.reason == reasons.MISSING_FIELD
    assert "'article_body'" in reject.detail


def test_html_field_goes_through_html_to_article(monkeypatch):
    seen = {}

    def fake_html_to_article(html, source_uri, ctx, *, meta=None):
        seen.update(html=html, uri=source_uri, meta=meta)
        return Article("0" * 32, source_uri, "html", None, None, None, None, None, (), ("From HTML.",), (),
                       ctx.ingested_at, url=meta.url, published_at=meta.published_at,
                       source_encoding=meta.source_encoding)

    monkeypatch.setattr(html_module, "html_to_article", fake_html_to_article)
    data = _jsonl({"html": "<p>From HTML.</p>", "url": "https://v.example/h", "date": "2025-03-01"})
    [article] = read(data, "mem://h.jsonl", _ctx())
    assert seen["html"] == "<p>From HTML.</p>"
    assert seen["uri"] == "mem://h.jsonl#line=1"
    assert seen["meta"].url == "https://v.example/h"
    assert seen["meta"].published_at == dt.datetime(2025, 3, 1, tzinfo=UTC)
    assert (article.source_format, article.source_encoding) == ("jsonl", "utf-8")
    assert article.paragraphs == ("From HTML.",)


def test_html_field_with_the_real_html_reader():
    html = ("<p>The council approved a new cycle lane along the harbour road on Tuesday.</p>"
            "<p>Work starts in June and should take about six weeks.</p>")
    [article] = read(_jsonl({"html": html, "title": "Cycle lane approved"}), "mem://h.jsonl", _ctx())
    assert isinstance(article, Article)
    assert article.source_format == "jsonl"
    assert article.paragraphs == ("The council approved a new cycle lane along the harbour road on Tuesday.",
                                  "Work starts in June and should take about six weeks.")
    assert article.title == "Cycle lane approved"


def test_text_wins_over_html_when_both_are_there(monkeypatch):
    monkeypatch.setattr(html_module, "html_to_article", lambda *a, **k: pytest.fail("html used"))
    [article] = read(_jsonl({"text": BRIDGE, "html": "<p>other</p>"}), "mem://b.jsonl", _ctx())
    assert article.paragraphs[1] == "A ferry will carry walkers across."


def test_pretty_printed_json_array_is_one_input_per_item():
    document = json.dumps([{"text": BRIDGE}, {"title": "no body"}, "a string"], indent=2).encode()
    outcomes = list(ingest_file(document, "mem://all.json", _ctx()))
    assert [(o.source_uri, getattr(o, "reason", "article")) for o in outcomes] == [
        ("mem://all.json#item=0", "article"),
        ("mem://all.json#item=1", reasons.MISSING_FIELD),
        ("mem://all.json#item=2", reasons.INVALID_JSON),
    ]


def test_pretty_printed_single_object_is_one_input():
    document = json.dumps({"text": BRIDGE, "url": "https://river.example/b"}, indent=2).encode()
    [article] = ingest_file(document, "mem://one.json", _ctx())
    assert (article.source_uri, article.url) == ("mem://one.json", "https://river.example/b")


def test_utf16_jsonl_with_bom():
    data = ("\n".join(json.dumps({"text": BRIDGE, "n": n}) for n in (1, 2)) + "\n").encode("utf-16")
    outcomes = list(ingest_file(data, "mem://w.jsonl", _ctx()))
    assert [o.source_uri for o in outcomes] == ["mem://w.jsonl#line=1", "mem://w.jsonl#line=2"]
    assert {o.source_encoding for o in outcomes} == {"utf-16-le"}


def test_utf8_bom_and_crlf_lines():
    data = codecs.BOM_UTF8 + _jsonl({"text": BRIDGE}, {"text": BAKERY}).replace(b"\n", b"\r\n")
    outcomes = list(read(data, "mem://crlf.jsonl", _ctx()))
    assert [o.paragraphs[0][:20] for o in outcomes] == ["The footbridge over ", "The family bakery on"]


def test_mojibake_in_a_json_string_is_repaired():
    [article] = read(_jsonl({"text": "The cafÃ© on the quay reopens on Friday after repairs."}),
                     "mem://m.jsonl", _ctx())
    assert article.paragraphs == ("The café on the quay reopens on Friday after repairs.",)


def test_empty_jsonl_file():
    [reject] = read(b"\n  \n", "mem://e.jsonl", _ctx())
    assert (reject.source_uri, reject.reason) == ("mem://e.jsonl", reasons.EMPTY)


@pytest.mark.parametrize("date", ["last Tuesday", "9999-12-31T23:30:00-01:00"])
def test_unreadable_date_keeps_the_article_and_is_counted(date):
    """A date past year 9999 in UTC once raised in the reader (an internal_error reject);
    it is unreadable like any other."""
    counts = collections.Counter()
    [article] = read(_jsonl({"text": BRIDGE, "published_at": date}), "mem://d.jsonl",
                     _ctx(counts=counts))
    assert isinstance(article, Article)
    assert article.published_at is None
    assert counts == {"invalid_field:published_at": 1}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/local/path", "mailto:desk@news.example"])
def test_a_url_that_is_no_web_address_is_left_out_and_counted(url):
    # As HTML pages and feeds: only http(s) addresses are a record's url. Before, JSONL kept any.
    counts = collections.Counter()
    [article] = read(_jsonl({"text": BRIDGE, "url": url}), "mem://u.jsonl", _ctx(counts=counts))
    assert article.url is None
    assert counts == {"invalid_field:url": 1}


def test_json_nested_deeper_than_the_parser_follows_is_invalid_json():
    # Before: RecursionError, an internal_error reject ('please report').
    deep = b'{"text": "x", "deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    good = _jsonl({"text": BRIDGE}) + b"\n"
    outcomes = list(read(good + deep + good, "mem://deep.jsonl", _ctx()))
    assert [type(o).__name__ for o in outcomes] == ["Article", "Reject", "Article"]
    assert outcomes[1].reason == reasons.INVALID_JSON and "nested deeper" in outcomes[1].detail


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-03-08T09:15:00Z", dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),
        ("2025-03-08T09:15:00+01:00", dt.datetime(2025, 3, 8, 8, 15, tzinfo=UTC)),
        ("2025-03-08 09:15:00", dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),  # no zone: UTC
        ("2025-03-08", dt.datetime(2025, 3, 8, tzinfo=UTC)),
        ("Sat, 08 Mar 2025 09:15:00 +0100", dt.datetime(2025, 3, 8, 8, 15, tzinfo=UTC)),
        (1741425300, dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),
        (1741425300000, dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),  # milliseconds
        ("2025-03-08T09:15:00z", dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),
        ("2025-03-08 09:15Z", dt.datetime(2025, 3, 8, 9, 15, tzinfo=UTC)),
        ("9999-12-31T23:30:00-01:00", None),  # past year 9999 in UTC: out of range
        ("soon", None),
        (True, None),
        (None, None),
    ],
)
def test_timestamps(value, expected):
    """One date parser for every reader (transforms.metadata): JSONL values, WARC-Date
    headers, feed dates and the dates an HTML page states."""
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("Ines Moor", ("Ines Moor",)), (["A", " B ", "A", ""], ("A", "B")),
     ([{"name": "C. Holm"}, {"url": "x"}], ("C. Holm",)), (None, ()), (7, ())],
)
def test_authors(value, expected):
    assert authors_of(value) == expected


def test_one_line_json_array_is_one_input_per_item():
    data = json.dumps([{"text": BRIDGE}, {"text": BAKERY}]).encode()
    outcomes = list(read(data, "mem://a.json", _ctx()))
    assert [o.source_uri for o in outcomes] == ["mem://a.json#item=0", "mem://a.json#item=1"]
    assert outcomes[1].paragraphs == BAKERY_PARAGRAPHS
    [reject] = read(b"[]", "mem://none.json", _ctx())
    assert (reject.source_uri, reject.reason) == ("mem://none.json", reasons.EMPTY)



def _api_article(n: int) -> dict:
    return {"title": f"Harbour story {n}", "webUrl": f"https://quay.example/{n}",
            "publishedAt": "2025-03-04T10:00:00Z", "author": "Jane Roe",
            "content": f"The harbour board met for the {n}th time this year on Tuesday evening.\n\n"
                       "It voted to repair the north pier before the autumn storms."}


@pytest.mark.parametrize("envelope", [
    lambda items: {"status": "ok", "totalResults": len(items), "articles": items},  # NewsAPI
    lambda items: {"response": {"status": "ok", "total": len(items), "results": items}},  # one level down
])
def test_an_api_response_saved_whole_is_read_as_its_list_of_articles(envelope):
    data = json.dumps(envelope([_api_article(1), _api_article(2)]), indent=2).encode()
    outcomes = list(read(data, "mem://page-1.json", IngestContext(RULES, NOW)))
    # Before: one missing_field reject for the whole response.
    assert [o.source_uri for o in outcomes] == ["mem://page-1.json#item=0", "mem://page-1.json#item=1"]
    first = outcomes[0]
    assert isinstance(first, Article) and first.title == "Harbour story 1"
    assert first.url == "https://quay.example/1"  # webUrl
    assert first.published_at == dt.datetime(2025, 3, 4, 10, 0, tzinfo=UTC)  # publishedAt


def test_a_response_with_two_lists_of_articles_is_not_guessed_at():
    data = json.dumps({"articles": [_api_article(1)], "related": [_api_article(2)]}, indent=2).encode()
    [reject] = read(data, "mem://page.json", IngestContext(RULES, NOW))
    assert isinstance(reject, Reject) and reject.reason == reasons.MISSING_FIELD


def test_a_list_of_no_articles_beside_the_articles_is_no_second_list():
    data = json.dumps({"articles": [_api_article(1)], "sources": [{"id": "quay"}]}, indent=2).encode()
    [article] = read(data, "mem://page.json", IngestContext(RULES, NOW))
    assert article.source_uri == "mem://page.json#item=0"



@pytest.mark.parametrize("document", [
    # A forum item: no text of its own, its replies a list of objects with text.
    {"title": "Ferry timetable", "url": "https://quay.example/t", "text": None,
     "children": [{"text": "A reply."}, {"text": "Another reply."}]},
    # An article whose authors are objects, and whose text the user has not mapped.
    {"articleBody": "The pier reopens.", "author": [{"name": "Jane Roe"}, {"name": "Jo Berg"}]},
    {"meta": {"page": 1}, "items": [{"id": 1}, {"id": 2}]},  # a list of no articles
])
def test_a_document_that_is_no_api_response_stays_one_input(document):
    # Review finding: these were read as responses, their replies or authors as articles.
    [reject] = read(json.dumps(document, indent=2).encode(), "mem://one.json", IngestContext(RULES, NOW))
    assert isinstance(reject, Reject) and reject.source_uri == "mem://one.json"



def test_a_refused_value_gives_way_to_the_next_key():
    # Review finding: the first key with a value won even when its value was refused.
    counts = collections.Counter()
    ctx = IngestContext(RULES, NOW, counter=lambda name, n=1: counts.update({name: n}))
    record = {"text": BRIDGE, "url": "/news/bridge", "link": "https://river.example/bridge",
              "date": "soon", "datePublished": "2025-03-04"}
    [article] = read(json.dumps(record).encode() + b"\n", "mem://a.jsonl", ctx)
    assert article.url == "https://river.example/bridge"
    assert article.published_at == dt.datetime(2025, 3, 4, tzinfo=UTC)
    assert not counts  # nothing was refused in the end
