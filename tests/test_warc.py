"""WARC (CC-NEWS style): HTML response records become articles; the rest is skipped and counted."""
from __future__ import annotations

import collections
import datetime as dt
import gzip
import io
import re

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.formats import html as html_module
from transforms.ingest import ingest_file
from transforms.metadata import Metadata
from transforms.rules import load_rules

NOW = dt.datetime(2025, 3, 9, 7, 0, tzinfo=dt.timezone.utc)
RULES = load_rules()
FETCHED = dt.datetime(2025, 3, 2, 14, 30, 5, tzinfo=dt.timezone.utc)
PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><article>"
    "<h1>{title}</h1><p>{first}</p><p>The new timetable adds an evening crossing on weekdays "
    "and a second boat on summer weekends.</p></article></body></html>"
)
TRAM_TITLE = "Tram line reaches the harbour"
TRAM_FIRST = "The extended tram line to the harbour opened on Sunday after two years of building work."
MUSEUM_FIRST = "The maritime museum reopens its café, which now serves crêpes on the terrace."


def _page(title: str, first: str) -> str:
    return PAGE.format(title=title, first=first)


class _Warc:
    """A WARC written with warcio, record by record; `ids` keeps each record's WARC-Record-ID."""

    def __init__(self, gzip_records: bool = False):
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=gzip_records)
        self.ids: list[str] = []

    def _write(self, record):
        self.writer.write_record(record)
        self.ids.append(record.rec_headers.get_header("WARC-Record-ID").strip("<>"))

    def warcinfo(self):
        self._write(self.writer.create_warcinfo_record("news.warc", {"software": "test-writer"}))

    def request(self, url: str):
        http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "news.example")], is_http_request=True)
        self._write(self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))

    def response(self, url: str, body: bytes, content_type: str = "text/html; charset=utf-8",
                 status: str = "200 OK"):
        headers = [("Content-Type", content_type)] if content_type else []
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        self._write(self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http,
            warc_headers_dict={"WARC-Date": FETCHED.strftime("%Y-%m-%dT%H:%M:%SZ")}))

    def bytes(self) -> bytes:
        return self.buffer.getvalue()


def _ctx(counts=None, limit=8 << 20) -> IngestContext:
    counter = None if counts is None else (lambda name, n=1: counts.update({name: n}))
    return IngestContext(RULES, NOW, counter=counter, max_member_bytes=limit)


def _news_warc(gzip_records: bool = False) -> _Warc:
    warc = _Warc(gzip_records)
    warc.warcinfo()
    warc.request("https://news.example/tram")
    warc.response("https://news.example/tram", _page(TRAM_TITLE, TRAM_FIRST).encode())
    warc.response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")
    warc.response("https://news.example/old", b"", "text/html", "301 Moved Permanently")
    warc.response("https://news.example/museum",
                  _page("Museum café reopens", MUSEUM_FIRST).encode("cp1252"),
                  "text/html; charset=windows-1252")
    return warc


def _check_tram(article, uri: str) -> None:
    assert isinstance(article, Article), article
    assert article.source_uri == uri
    assert article.source_format == "warc"
    assert article.url == "https://news.example/tram"
    assert article.published_at == FETCHED  # the page states no date: when it was fetched
    assert article.title == TRAM_TITLE
    assert article.paragraphs[0] == TRAM_FIRST
    assert article.source_encoding == "utf-8"
    assert article.ingested_at == NOW


@pytest.mark.parametrize("gzip_records", [False, True], ids=["warc", "warc_gz_per_record"])
def test_html_responses_become_articles_and_the_rest_is_counted(gzip_records):
    warc = _news_warc(gzip_records)
    counts = collections.Counter()
    name = "mem://cc-news.warc.gz" if gzip_records else "mem://cc-news.warc"
    outcomes = list(ingest_file(warc.bytes(), name, _ctx(counts)))
    assert len(outcomes) == 2
    _check_tram(outcomes[0], f"{name}#record={warc.ids[2]}")
    museum = outcomes[1]
    assert museum.source_uri == f"{name}#record={warc.ids[5]}"
    assert museum.url == "https://news.example/museum"
    assert museum.source_encoding == "cp1252"  # from the HTTP Content-Type
    assert museum.paragraphs[0] == MUSEUM_FIRST
    assert counts == {"skipped:warc_warcinfo": 1, "skipped:warc_request": 1,
                      "skipped:warc_not_html": 1, "skipped:warc_status": 1}


def test_a_warc_joined_to_itself_tells_the_repeated_records_apart():
    warc = _news_warc()
    twice = warc.bytes() + warc.bytes()  # `cat a.warc a.warc`: every record id twice
    outcomes = list(ingest_file(twice, "mem://joined.warc", _ctx()))
    uris = [o.source_uri for o in outcomes]
    assert uris == [f"mem://joined.warc#record={warc.ids[2]}", f"mem://joined.warc#record={warc.ids[5]}",
                    f"mem://joined.warc#record={warc.ids[2]}#copy=2",
                    f"mem://joined.warc#record={warc.ids[5]}#copy=2"]
    assert outcomes[0].article_id == outcomes[2].article_id  # the same article, twice


def test_whole_file_gzip_warc_is_read_too():
    warc = _news_warc()
    outcomes = list(ingest_file(gzip.compress(warc.bytes()), "mem://w.gz", _ctx()))
    _check_tram(outcomes[0], f"mem://w.gz#record={warc.ids[2]}")
    assert len(outcomes) == 2


def test_the_page_date_wins_over_the_fetch_date():
    page = _page(TRAM_TITLE, TRAM_FIRST).replace(
        "</title>", "</title><meta property='article:published_time' content='2025-02-28T06:00:00Z'>")
    warc = _Warc()
    warc.response("https://news.example/tram", page.encode())
    [article] = ingest_file(warc.bytes(), "mem://w.warc", _ctx())
    assert article.published_at == dt.datetime(2025, 2, 28, 6, 0, tzinfo=dt.timezone.utc)


def test_record_is_handed_to_html_to_article_with_its_metadata(monkeypatch):
    calls = []

    def fake_html_to_article(html, source_uri, ctx, *, meta=None):
        calls.append((html, source_uri, meta))
        return Reject(source_uri, reasons.NO_ARTICLE_TEXT, "the HTML holds no body paragraph", None,
                      ctx.ingested_at)

    monkeypatch.setattr(html_module, "html_to_article", fake_html_to_article)
    warc = _Warc()
    warc.response("https://news.example/empty", "<html><body>Ünïcode</body></html>".encode())
    [reject] = ingest_file(warc.bytes(), "mem://w.warc", _ctx())
    [(html, uri, meta)] = calls
    assert html == "<html><body>Ünïcode</body></html>"
    assert uri == f"mem://w.warc#record={warc.ids[0]}"
    assert meta == Metadata(url="https://news.example/empty", published_at=FETCHED, source_encoding="utf-8")
    assert (reject.source_uri, reject.reason) == (uri, reasons.NO_ARTICLE_TEXT)
    assert reject.size_bytes == len(html.encode())


def test_response_without_content_type_is_sniffed():
    warc = _Warc()
    warc.response("https://news.example/tram", _page(TRAM_TITLE, TRAM_FIRST).encode(), content_type="")
    warc.response("https://news.example/blob", b"just some bytes that are not a page", content_type="")
    counts = collections.Counter()
    [article] = ingest_file(warc.bytes(), "mem://w.warc", _ctx(counts))
    assert article.paragraphs[0] == TRAM_FIRST
    assert counts == {"skipped:warc_not_html": 1}


def test_truncated_inside_a_record_keeps_the_records_before():
    warc = _news_warc()
    data = warc.bytes()
    cut = data[: data.index(MUSEUM_FIRST[:20].encode("cp1252")) + 10]
    outcomes = list(ingest_file(cut, "mem://cut.warc", _ctx()))
    _check_tram(outcomes[0], f"mem://cut.warc#record={warc.ids[2]}")
    reject = outcomes[1]
    assert len(outcomes) == 2
    assert (reject.source_uri, reject.reason) == (f"mem://cut.warc#record={warc.ids[5]}", reasons.TRUNCATED)
    assert "bytes missing" in reject.detail


def test_truncated_inside_a_record_header():
    warc = _news_warc()
    data = warc.bytes()
    last = data.rindex(b"WARC/1.")
    outcomes = list(ingest_file(data[: last + 40], "mem://cut.warc", _ctx()))
    assert isinstance(outcomes[0], Article)
    reject = outcomes[-1]
    assert (reject.source_uri, reject.reason) == (f"mem://cut.warc#offset={last}", reasons.TRUNCATED)
    assert reject.size_bytes == 40


@pytest.mark.parametrize("into", [0, 8, 20])
def test_truncated_inside_a_header_field_keeps_the_records_before(into):
    # Before: warcio failed on a response header cut before its target URI ('WARC-Tar'),
    # and the file's one outcome was an internal_error reject: the records before were lost.
    warc = _news_warc()
    data = warc.bytes()
    last = data.rindex(b"WARC/1.")
    typed = data.index(b"WARC-Type: response\r\n", last) + len(b"WARC-Type: response\r\n")
    outcomes = list(ingest_file(data[: typed + into], "mem://cut.warc", _ctx()))
    assert [type(o).__name__ for o in outcomes] == ["Article", "Reject"]
    assert (outcomes[-1].source_uri, outcomes[-1].reason) == (f"mem://cut.warc#offset={last}", reasons.TRUNCATED)


def test_a_response_record_without_its_target_uri_is_the_one_reject():
    warc = _news_warc()
    data = warc.bytes()
    last = data.rindex(b"WARC/1.")
    broken = data[:last] + re.sub(rb"WARC-Target-URI: [^\r]*\r\n", b"", data[last:], count=1)
    outcomes = list(ingest_file(broken, "mem://nouri.warc", _ctx()))
    assert [type(o).__name__ for o in outcomes] == ["Article", "Reject"]
    assert outcomes[-1].reason == reasons.CORRUPT
    assert "WARC-Target-URI" in outcomes[-1].detail and "the records before it were read" in outcomes[-1].detail


def test_truncated_gzip_warc_gives_the_records_before_the_break_and_one_reject():
    warc = _news_warc()
    data = warc.bytes()
    whole = gzip.compress(data)
    outcomes = list(ingest_file(whole[: len(whole) - 60], "mem://cut.warc.gz", _ctx()))
    assert isinstance(outcomes[0], Article)
    rejects = [o for o in outcomes if isinstance(o, Reject)]
    assert [r.reason for r in rejects] == [reasons.TRUNCATED]


def test_garbage_after_the_records_is_corrupt():
    data = _news_warc().bytes() + b"this is not a WARC record\r\n\r\n"
    outcomes = list(ingest_file(data, "mem://g.warc", _ctx()))
    assert [type(o).__name__ for o in outcomes] == ["Article", "Article", "Reject"]
    assert outcomes[-1].reason == reasons.CORRUPT
    assert outcomes[-1].source_uri.startswith("mem://g.warc#offset=")


def test_warc_with_no_html_response_still_gets_one_outcome():
    warc = _Warc()
    warc.warcinfo()
    warc.request("https://news.example/a")
    [reject] = ingest_file(warc.bytes(), "mem://meta.warc", _ctx())
    assert (reject.source_uri, reject.reason) == ("mem://meta.warc", reasons.NO_ARTICLE_TEXT)


def test_oversized_payload_is_rejected():
    warc = _Warc()
    warc.response("https://news.example/huge", _page("Huge", "x " * 5000).encode())
    [reject] = ingest_file(warc.bytes(), "mem://h.warc", _ctx(limit=4096))
    assert reject.reason == reasons.DECOMPRESSION_LIMIT
    assert reject.source_uri == f"mem://h.warc#record={warc.ids[0]}"


def test_the_beam_transform_counts_skipped_records(tmp_path):
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.beam import METRICS_NAMESPACE, IngestDumps

    (tmp_path / "news.warc").write_bytes(_news_warc().bytes())
    pipeline = beam.Pipeline(runner=FnApiRunner())
    _ = pipeline | IngestDumps(str(tmp_path / "*.warc"), ingested_at=NOW)
    result = pipeline.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in
                result.metrics().query(MetricsFilter().with_namespace(METRICS_NAMESPACE))["counters"]}
    assert counters["inputs"] == counters["articles"] == 2
    assert {k: v for k, v in counters.items() if k.startswith("skipped:")} == {
        "skipped:warc_warcinfo": 1, "skipped:warc_request": 1, "skipped:warc_not_html": 1,
        "skipped:warc_status": 1}
