"""Format detection (content first, then extension, --format overrides) and a CLI run over every
kind of input in one folder, reconciled in run.json."""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import tarfile
import zipfile

import pyarrow.dataset as ds
import pytest
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.cli import main
from pipeline.options import IngestOptions, jsonl_field_map
from transforms.formats import FORMATS
from transforms.ingest import detect_format

HTML = b"<!DOCTYPE html><html><body><p>The pier reopens.</p></body></html>"
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'
JSONL = b'{"text": "The pier reopens."}\n{"text": "The tide is high."}\n'
WARC = b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n"
DUMP = b"The pier reopens on Monday after a winter of repairs.\n\nAnglers are welcome again.\n"


@pytest.mark.parametrize(
    "data, name, expected",
    [
        (HTML, "page.txt", "html"),  # the content decides: a '.txt' holding HTML is HTML
        (RSS, "feed", "feed"),
        (JSONL, "dump.txt", "jsonl"),
        (WARC, "crawl.bin", "warc"),
        (b"  \r\n" + HTML, "x", "html"),
        # XHTML declares itself XML: its root tells it from a feed (before: rejected as a feed
        # with 'XML with root <html> is not an RSS, RDF or Atom feed').
        (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
         b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
         b"<body><p>The pier reopens.</p></body></html>", "page.xhtml", "html"),
        (b'<?xml version="1.0"?><?xml-stylesheet href="a.xsl"?><html><body><p>x</p></body></html>', "x", "html"),
        (b'<?xml version="1.0"?><?xml-stylesheet href="a.xsl"?><rss version="2.0"></rss>', "x", "feed"),
        (codecs.BOM_UTF8 + JSONL, "x", "jsonl"),
        (HTML.decode().encode("utf-16"), "x", "html"),
        (DUMP, "story.txt", "auto"),  # text or markdown: the splitter tells them apart
        (DUMP, "story.md", "auto"),
        # The content is not conclusive: the extension decides.
        (b"Breaking: <b>the pier</b> reopens", "page.html", "html"),
        (b"Breaking: <b>the pier</b> reopens", "page.htm", "html"),
        (b"\n\n  \n", "lines.jsonl", "jsonl"),
        (b"  \n", "lines.ndjson", "jsonl"),
        (b"", "crawl.warc", "warc"),
        (b"Headlines", "news.rss", "feed"),
        (b"Headlines", "news.atom", "feed"),
    ],
)
def test_detect_format(data, name, expected):
    assert detect_format(data, f"mem://{name}") == expected


def test_member_name_is_used_for_the_extension():
    assert detect_format(b"Breaking: <b>x</b>", "mem://a.zip!/b.html", name="b.html") == "html"
    assert detect_format(b"Breaking: <b>x</b>", "mem://a.html.gz", name="mem://a.html") == "html"


@pytest.mark.parametrize("forced", [f for f in FORMATS if f != "auto"])
def test_format_flag_overrides_detection(forced):
    assert detect_format(HTML, "mem://page.html", forced) == forced


def test_format_choices_and_jsonl_flags():
    options = IngestOptions(["--format", "warc", "--max_member_bytes", "1024",
                             "--jsonl_field", "text=story.body", "--jsonl_field", "url=link"])
    assert options.markup == "warc"
    assert options.max_member_bytes == 1024
    assert jsonl_field_map(options.jsonl_field) == (("text", "story.body"), ("url", "link"))
    assert set(FORMATS) == {"auto", "text", "markdown", "html", "feed", "jsonl", "warc", "mhtml"}


@pytest.mark.parametrize(
    "args",
    [["--jsonl_field", "body"], ["--jsonl_field", "colour=shade"], ["--max_member_bytes", "0"],
     ["--format", "zip"]],
)
def test_bad_flags_are_usage_errors(tmp_path, args, capsys):
    (tmp_path / "a.txt").write_bytes(DUMP)
    with pytest.raises(SystemExit) as exc:
        main(["run", "--input", str(tmp_path / "*"), "--output", str(tmp_path / "out"), *args])
    assert exc.value.code == 2
    assert args[0] in capsys.readouterr().err


# End to end -----------------------------------------------------------------------------------

HARBOUR = (
    "Fishing boats moored in the inner harbour\n"
    "Boats wait out the storm in the inner harbour on Tuesday.Lea Falk/Coast Agency\n"
    "  • The harbour stays closed until Thursday.\n"
    "\n"
    "Storm warnings kept the fishing fleet in port for a third day, the harbour master said.\n"
    "\n"
    "Ferries to the outer islands are running on a reduced timetable.\n"
    "\n"
    "Read the original article on Coast Courier\n"
)
PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{first}</p><p>Organisers expect more visitors than last year and ask them to come by bus.</p>"
    "</article></body></html>"
)


def _story(topic: str) -> str:
    return (f"The {topic} committee met on Wednesday and agreed a budget for the coming season.\n\n"
            f"Members of the {topic} committee will present the plans at the town hall next month.\n")


def _warc() -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("n.warc", {"software": "test"}))
    for slug, title, first in (
        ("kite", "Kite festival returns", "The kite festival returns to the dunes this weekend with forty teams."),
        ("choir", "Choir wins regional prize", "The town choir won the regional prize with a programme of sea songs."),
    ):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        page = PAGE.format(title=title, first=first).encode()
        writer.write_record(writer.create_warc_record(f"https://coast.example/{slug}", "response",
                                                      payload=io.BytesIO(page), http_headers=http))
    http = StatusAndHeaders("GET /kite HTTP/1.1", [("Host", "coast.example")], is_http_request=True)
    writer.write_record(writer.create_warc_record("https://coast.example/kite", "request",
                                                  payload=io.BytesIO(b""), http_headers=http))
    return buf.getvalue()


def _inputs(folder):
    folder.mkdir()
    (folder / "harbour.txt").write_bytes(HARBOUR.encode("cp1252"))
    lines = [json.dumps({"text": _story("rowing"), "url": "https://coast.example/rowing"}),
             "{not json", json.dumps({"headline": "no body"})]
    (folder / "day.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    (folder / "news.warc.gz").write_bytes(_warc())
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w:bz2") as archive:
        for name, text in (("a/sailing.txt", _story("sailing")), ("b/chess.md", _story("chess"))):
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            archive.addfile(info, io.BytesIO(text.encode()))
    (folder / "bundle.tar.bz2").write_bytes(tar.getvalue())
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("../../escape.txt", _story("garden"))
        archive.writestr("inner.txt.zst", zstandard.ZstdCompressor().compress(_story("library").encode("utf-16")))
    (folder / "pack.zip").write_bytes(zipped.getvalue())
    (folder / "bomb.gz").write_bytes(gzip.compress(bytes(1 << 20)) * 4)  # 4 MiB of zeros
    (folder / "noise.bin").write_bytes(bz2.compress(b"x")[:-3])  # truncated bzip2


def test_cli_reads_every_format_and_reconciles(tmp_path):
    _inputs(tmp_path / "in")
    out = tmp_path / "out"
    code = main(["run", "--input", str(tmp_path / "in" / "*"), "--output", str(out),
                 "--max_member_bytes", str(1 << 20)])
    assert code == 0
    summary = json.loads((out / "run.json").read_text())
    articles = {r["source_uri"].split("/in/", 1)[1]: r for r in ds.dataset(str(out / "articles"),
                                                                           partitioning="hive").to_table().to_pylist()}
    rejects = {r["source_uri"].split("/in/", 1)[1]: r["reason"]
               for r in ds.dataset(str(out / "rejects"), partitioning="hive").to_table().to_pylist()}

    warc_articles = sorted(k for k in articles if k.startswith("news.warc.gz#record=urn:uuid:"))
    assert len(warc_articles) == 2
    assert sorted(k for k in articles if not k.startswith("news.warc.gz")) == [
        "bundle.tar.bz2!/a/sailing.txt",
        "bundle.tar.bz2!/b/chess.md",
        "day.jsonl.gz#line=1",
        "harbour.txt",
        "pack.zip!/../../escape.txt",
        "pack.zip!/inner.txt.zst",
    ]
    assert rejects == {
        "day.jsonl.gz#line=2": "invalid_json",
        "day.jsonl.gz#line=3": "missing_field",
        "bomb.gz": "decompression_limit",
        "noise.bin": "truncated",
    }

    harbour = articles["harbour.txt"]
    assert harbour["source_encoding"] == "cp1252"
    assert harbour["caption_credit"] == "Lea Falk/Coast Agency"
    assert harbour["publisher"] == "Coast Courier"
    assert harbour["source_format"] == "text"
    rowing = articles["day.jsonl.gz#line=1"]
    assert (rowing["source_format"], rowing["url"]) == ("jsonl", "https://coast.example/rowing")
    assert articles["pack.zip!/inner.txt.zst"]["source_encoding"] == "utf-16-le"
    urls = sorted(articles[k]["url"] for k in warc_articles)
    assert urls == ["https://coast.example/choir", "https://coast.example/kite"]
    assert {articles[k]["source_format"] for k in warc_articles} == {"warc"}

    assert summary["files_matched"] == 7
    assert summary["articles"] == 8
    assert summary["rejects"] == 4
    assert summary["inputs"] == summary["articles"] + summary["rejects"] + summary.get("duplicates", 0) == 12
    assert summary["rejects_by_reason"] == {"decompression_limit": 1, "invalid_json": 1, "missing_field": 1,
                                            "truncated": 1}
    assert summary["reconciled"] is True
    # Member names never became paths.
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()
