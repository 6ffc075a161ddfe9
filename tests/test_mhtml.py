"""MHTML: a page saved by a browser as one file is read as the HTML page it holds."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.ingest import detect_format, ingest_file
from transforms.rules import load_rules

CTX = IngestContext(load_rules(), dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
URL = "https://quay.example/news/ferry-timetable"
PARAGRAPHS = (
    "The winter ferry timetable starts on Sunday, with two crossings a day instead of six.",
    "The operator said the summer timetable would return in April if the new pier is ready.",
)
PAGE = ("<!DOCTYPE html><html><head><meta charset='{charset}'><title>Ferry timetable shrinks</title></head>"
        "<body><nav><a href='/'>Home</a></nav><article><h1>Ferry timetable shrinks</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")


def _saved(html: str, *, charset: str = "utf-8", cte: str = "quoted-printable", frame_first: bool = False,
           subject: str = "Ferry timetable shrinks – Quay Post") -> bytes:
    """A saved page as browsers write it: a multipart/related message, the page's HTML part
    (named by `start`), an image, and with `frame_first` an iframe's HTML before the page."""
    message = EmailMessage()
    message["From"] = "<Saved by Blink>"
    message["Snapshot-Content-Location"] = URL
    message["Subject"] = subject
    message["Date"] = "Tue, 4 Mar 2025 10:12:00 -0000"
    message.set_type("multipart/related")
    message.set_param("type", "text/html")
    message.set_param("start", "<page@mhtml.blink>")
    parts = []
    frame = EmailMessage()
    frame.set_content("<html><body><p>An advertisement frame.</p></body></html>", subtype="html")
    frame["Content-ID"] = "<frame@mhtml.blink>"
    page = EmailMessage()
    page.set_content(html.encode(charset), maintype="text", subtype="html", cte=cte)
    page.set_param("charset", charset)
    page["Content-ID"] = "<page@mhtml.blink>"
    page["Content-Location"] = URL
    image = EmailMessage()
    image.set_content(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png")
    parts = [frame, page, image] if frame_first else [page, image]
    for part in parts:
        message.attach(part)
    return message.as_bytes()


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_a_saved_page_is_read_as_its_html(cte):
    data = _saved(PAGE.format(charset="utf-8"), cte=cte)
    [article] = ingest_file(data, "mem://saved.txt", CTX)  # the content decides, not the name
    # Before: read as a text dump, MIME headers and encoded HTML as its parts.
    assert isinstance(article, Article)
    assert (article.source_format, article.url, article.title) == ("mhtml", URL, "Ferry timetable shrinks")
    assert article.paragraphs == PARAGRAPHS
    assert article.published_at is None  # the day it was saved dates nothing


def test_the_part_start_names_is_the_page_and_its_charset_is_the_parts():
    html = PAGE.format(charset="windows-1252").replace("Ferry timetable", "Färjans tidtabell")
    [article] = ingest_file(_saved(html, charset="windows-1252", frame_first=True), "mem://a.mhtml", CTX)
    assert article.title == "Färjans tidtabell shrinks" and article.paragraphs == PARAGRAPHS
    assert article.source_encoding == "cp1252"


def test_a_saved_file_without_an_html_part_is_one_reject():
    message = EmailMessage()
    message["MIME-Version"] = "1.0"
    message.set_type("multipart/related")
    image = EmailMessage()
    image.set_content(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png")
    message.attach(image)
    [reject] = ingest_file(message.as_bytes(), "mem://empty.mht", CTX)
    assert isinstance(reject, Reject)
    assert (reject.reason, reject.detail) == (reasons.NO_ARTICLE_TEXT, "the MHTML file holds no text/html part")


@pytest.mark.parametrize("text", [
    "From: the harbour master\n\nThe pier closes at dusk on Fridays.\n",  # a header-like line, no MIME
    "Date: March 4, 2025\n\nThe pier closes at dusk on Fridays. Content-Type: multipart/related\n",
])
def test_a_dump_that_only_starts_like_mail_headers_stays_a_dump(text):
    assert detect_format(text.encode(), "mem://a.txt") == "auto"


# As Chrome writes it: no `start` parameter, no charset on the part, quoted-printable with
# soft line breaks, CRLF line ends, and a canonical link the page states for itself.
BLINK = (
    "From: <Saved by Blink>\r\n"
    "Snapshot-Content-Location: https://quay.example/news/gauge?utm_source=feed\r\n"
    "Subject: =?utf-8?Q?Tide_gauge_back_on_the_pier_=E2=80=93_Quay_Post?=\r\n"
    "Date: Tue, 4 Mar 2025 10:12:00 -0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/related;\r\n"
    "\ttype=\"text/html\";\r\n"
    "\tboundary=\"----MultipartBoundary--q1w2e3----\"\r\n"
    "\r\n\r\n"
    "------MultipartBoundary--q1w2e3----\r\n"
    "Content-Type: text/html\r\n"
    "Content-ID: <frame-0A1B@mhtml.blink>\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "Content-Location: https://quay.example/news/gauge?utm_source=feed\r\n"
    "\r\n"
    "<!DOCTYPE html><html><head><meta http-equiv=3D\"Content-Type\" content=3D\"text/html; charset=3DUTF-8\">=\r\n"
    "<link rel=3D\"canonical\" href=3D\"https://quay.example/amp/gauge\"></head><body><article>=\r\n"
    "<p>The harbour=E2=80=99s tide gauge is back on the north pier after a winter of repairs=\r\n"
    ", the port office said.</p><p>Readings were taken by hand while the mounting was rebuilt.</p>=\r\n"
    "</article></body></html>\r\n"
    "------MultipartBoundary--q1w2e3----\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Location: https://quay.example/logo.png\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "------MultipartBoundary--q1w2e3------\r\n"
)


def test_a_page_as_chrome_saves_it():
    [article] = ingest_file(BLINK.encode("ascii"), "mem://Tide gauge.mhtml", CTX)
    assert article.source_format == "mhtml" and article.source_encoding == "utf-8"
    assert article.paragraphs == (
        "The harbour’s tide gauge is back on the north pier after a winter of repairs, the port office said.",
        "Readings were taken by hand while the mounting was rebuilt.")
    assert article.title == "Tide gauge back on the pier – Quay Post"  # the page names none: Subject
    # The address it was saved from, as the docs say, not the page's canonical link.
    assert article.url == "https://quay.example/news/gauge?utm_source=feed"
