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
