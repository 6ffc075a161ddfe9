"""The HTML reader: feed-item fragments and full pages, field by field, and one CLI run.

Fixtures under fixtures/html are invented pages; each test names what must be read and
what must not leak into the body (navigation, share widgets, ads, teasers, bylines).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import tomllib
from importlib import resources
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipeline.cli import main
from schemas import reasons
from schemas.record import Article, Reject, Removed
from transforms.context import IngestContext
from transforms.formats import html
from transforms.formats.html.blocks import clean_text
from transforms.formats.html.lines import furniture_lines
from transforms.formats.html.rules import html_vocabulary
from transforms.ids import article_id
from transforms.metadata import Metadata
from transforms.normalize import normalize_line
from transforms.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures" / "html"
NOW = dt.datetime(2024, 10, 1, tzinfo=dt.timezone.utc)
CTX = IngestContext(load_rules(), NOW, "html")


def _read(name: str) -> Article | Reject:
    path = FIXTURES / name
    (outcome,) = list(html.read(path.read_bytes(), str(path), CTX))
    return outcome


def test_feed_item_fragment_every_field():
    article = _read("fragment_item.html")
    assert isinstance(article, Article)
    assert article.source_format == "html"
    assert article.source_uri == str(FIXTURES / "fragment_item.html")
    assert article.image_alt == "The white lighthouse on the northern cape at dusk"
    assert article.caption == "Volunteers repainted the lighthouse over three weekends in April."
    assert article.caption_credit == "Mara Holm/Coastline Photo"
    assert article.bullets == (
        "The lighthouse on the northern cape reopens to visitors on Saturday.",
        "Tickets are free for children under twelve.",
    )
    assert article.paragraphs == (
        "The old lighthouse on the northern cape will open its doors to visitors again this weekend, "
        "after a spring of repairs carried out almost entirely by volunteers.",
        # <em> and <b> inline: no space added inside a word; <br> is a space; &amp; decoded.
        "Inside, the spiral stair has new oak treads and unbelievably steep, and the lamp room has "
        "been fitted with safety glass & a railing.",
        "The keepers' cottage next door now houses a small museum about the families who tended the light.",
    )
    # The footer goes to boilerplate, under its rule's name, and names the publisher.
    assert article.boilerplate == (Removed("read_original_on", "Read the original article on Cape Weekly"),)
    assert article.publisher == "Cape Weekly"
    assert article.title is None
    assert article.url is None and article.published_at is None and article.authors == ()
    assert article.source_encoding == "utf-8"
    assert article.article_id == article_id(article.paragraphs)
    assert "\n" not in article.body.replace("\n\n", "")


def test_credit_glued_into_the_caption_text_is_cut_off():
    article = _read("fragment_glued_credit.html")
    assert article.image_alt is None
    assert article.caption == "A tram waits at the depot on the last day of the old timetable."
    assert article.caption_credit == "Ines Varga/AP"
    assert article.bullets == ()
    assert len(article.paragraphs) == 2
    assert article.boilerplate == (
        Removed("post_appeared_first", "The post Trams run more often from Monday appeared first on City Rail Notes."),
    )
    assert article.title == "Trams run more often from Monday"
    assert article.publisher == "City Rail Notes"


def test_full_page_main_content_and_metadata():
    article = _read("page_article.html")
    assert isinstance(article, Article)
    assert article.title == "Orchard project doubles its harvest"
    assert article.url == "https://courier.example/news/orchard-harvest"
    assert article.published_at == dt.datetime(2024, 9, 14, 6, 30, tzinfo=dt.timezone.utc)
    assert article.authors == ("Ana Lind", "Tomas Berg")  # JSON-LD beats <meta name=author>
    assert article.language == "en-GB"
    assert article.publisher == "The Valley Courier"  # og:site_name: no syndication footer
    # The lead figure stands above the body element and is still read.
    assert article.image_alt == "Crates of red apples under a tree"
    assert article.caption == "Pickers fill crates in the community orchard on Friday."
    assert article.caption_credit == "Photo: Ana Lind"
    assert article.paragraphs == (
        "The community orchard on the edge of town picked twice as many apples this autumn as last "
        "year, its volunteers said on Friday, after a wet spring and a mild summer.",
        "Nearly four tonnes of fruit went to the food bank, the school kitchens and a cider maker who "
        "pays for the orchard's insurance.",
        "Grafting classes",
        "The group now plans winter classes in grafting and pruning, open to anyone who wants to plant "
        "fruit trees in their own garden.",
        "\"We started with twelve trees and a borrowed ladder,\" said one of the founders, who still keeps "
        "the first harvest log on a shelf in the shed.",
        "The orchard is open to visitors every Saturday morning until the end of October.",
    )
    for furniture in ("Advertisement", "newsletter", "Share", "cookies", "Bakery", "Footbridge",
                      "teaser", "Copyright", "By Ana Lind", "trackPageView", "display: flex", "Sport"):
        assert furniture not in article.body, furniture
    assert article.boilerplate == ()


def test_page_without_named_body_is_found_by_its_text():
    article = _read("page_unnamed.html")
    assert article.language == "de"
    assert article.title == "Neue Fahrradwege am Fluss"
    # Two <br> in a row end a paragraph; the link lists around the text are left out.
    assert article.paragraphs == (
        "Die Stadt baut bis zum Sommer zwei neue Radwege entlang des Flusses, einen auf jeder Seite, "
        "und verbindet damit die beiden Brücken im Zentrum.",
        "Nach Angaben der Verwaltung kosten die Arbeiten rund 1,2 Millionen Euro, von denen das Land, "
        "der Bund und die Stadt jeweils einen Teil tragen.",
        "Während der Bauzeit bleibt der Uferweg für Fußgänger offen, Radfahrer werden über die "
        "Parallelstraße umgeleitet, die dafür eine eigene Spur bekommt.",
    )


def test_declared_legacy_charset_is_honoured():
    article = _read("page_cp1252.html")
    assert article.source_encoding == "cp1252"
    assert article.title == "Le café du port rouvre"
    assert article.language == "fr"
    assert article.paragraphs[0].startswith("Le café du port rouvre ses portes après six mois")
    assert article.paragraphs[1].endswith("jusqu'à la fin de l'année.")


def test_page_with_only_furniture_is_rejected():
    reject = _read("page_furniture_only.html")
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.NO_ARTICLE_TEXT
    assert reject.size_bytes == (FIXTURES / "page_furniture_only.html").stat().st_size


@pytest.mark.parametrize("data, reason", [(b"", reasons.EMPTY), (b"  \n", reasons.EMPTY),
                                          (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", reasons.BINARY)])
def test_bytes_that_are_not_html_text(data, reason):
    (reject,) = list(html.read(data, "mem://x.html", CTX))
    assert isinstance(reject, Reject) and reject.reason == reason


def test_html_to_article_meta_fills_only_what_the_page_does_not_state():
    fragment = "<p>The bakery on the square now opens at six in the morning on weekdays.</p>"
    meta = Metadata(url="https://bakery.example/six", title="Bakery opens earlier",
                    published_at=dt.datetime(2024, 6, 3, 5, 0, tzinfo=dt.timezone.utc), authors=("Kim Lo",),
                    language="en", publisher="Square News", caption_credit="Photo: Kim Lo")
    article = html.html_to_article(fragment, "mem://item", CTX, meta=meta)
    assert article.url == "https://bakery.example/six"
    assert article.title == "Bakery opens earlier"
    assert article.published_at == dt.datetime(2024, 6, 3, 5, 0, tzinfo=dt.timezone.utc)
    assert article.authors == ("Kim Lo",)
    assert article.language == "en"
    assert article.publisher == "Square News"
    assert article.caption_credit == "Photo: Kim Lo"
    page = ('<html lang="fr"><head><link rel="canonical" href="https://bakery.example/canonical">'
            '<meta property="og:title" content="Page title"></head><body><article><p>'
            "La boulangerie de la place ouvre désormais à six heures du matin en semaine.</p></article></body></html>")
    article = html.html_to_article(page, "mem://page", CTX, meta=meta)
    assert article.url == "https://bakery.example/canonical"
    assert article.title == "Page title"
    assert article.language == "fr"
    assert article.authors == ("Kim Lo",)  # the page names none


def test_html_to_article_rejects_without_body():
    reject = html.html_to_article("<p>Read the original article on Cape Weekly</p>", "mem://f", CTX)
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.NO_ARTICLE_TEXT and "boilerplate" in reject.detail
    assert isinstance(html.html_to_article("", "mem://e", CTX), Reject)


@pytest.mark.parametrize("raw", [
    "a\u00a0b\u202fc\u2009d", "zero\u200bwidth\u2060joined\ufeff", "keep\u200dzwj and soft\u00adhyphen",
    "Cafe\u0301 composed", "  lots \n\t of   space  ", "plain ascii text",
])
def test_text_is_normalized_exactly_like_text_dumps(raw):
    # Markup whitespace (newlines, tabs) is a space in HTML; past that, the same as text dumps.
    assert clean_text(raw) == normalize_line(" ".join(raw.split()))


def test_parsing_never_touches_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access while parsing HTML")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    page = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
            '<html><head><link rel="stylesheet" href="http://styles.example/a.css"></head><body>'
            '<p>The tide tables for the coming week are posted at the harbour office.</p>'
            '<img src="http://img.example/tide.png" alt="tide"></body></html>')
    article = html.html_to_article(page, "mem://tide", CTX)
    assert article.paragraphs == ("The tide tables for the coming week are posted at the harbour office.",)


def test_cli_run_over_html_and_feeds(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("fragment_item.html", "page_article.html", "page_furniture_only.html", "page_video.html"):
        shutil.copy(FIXTURES / name, inputs / name)
    shutil.copy(FIXTURES.parent / "feeds" / "rss2.xml", inputs / "island.xml")
    out = tmp_path / "out"
    assert main(["run", "--input", str(inputs / "*"), "--output", str(out)]) == 0
    articles = {Path(r["source_uri"]).name: r for r in
                ds.dataset(str(out / "articles"), partitioning="hive").to_table().to_pylist()}
    rejects = {Path(r["source_uri"]).name: r for r in
               ds.dataset(str(out / "rejects"), partitioning="hive").to_table().to_pylist()}
    assert set(articles) == {"fragment_item.html", "page_article.html", "page_video.html",
                             "island.xml#item=0", "island.xml#item=1"}
    assert {name: r["reason"] for name, r in rejects.items()} == {
        "page_furniture_only.html": "no_article_text", "island.xml#item=2": "no_article_text"}
    item = articles["fragment_item.html"]
    assert item["source_format"] == "html"
    assert item["caption_credit"] == "Mara Holm/Coastline Photo"
    assert item["boilerplate"] == [{"rule": "read_original_on", "text": "Read the original article on Cape Weekly"}]
    page = articles["page_article.html"]
    assert page["authors"] == ["Ana Lind", "Tomas Berg"]
    assert page["published_at"] == dt.datetime(2024, 9, 14, 6, 30, tzinfo=dt.timezone.utc)
    assert page["language"] == "en-GB"
    assert page["url"] == "https://courier.example/news/orchard-harvest"
    # What full pages lost as furniture is counted by rule in run.json (fragments count nothing).
    summary = json.loads((out / "run.json").read_text())
    furniture = summary["furniture_by_rule"]
    assert furniture["tag"] >= 1 and furniture["region"] >= 1  # page_article.html's <nav> and <footer>
    assert set(furniture) <= {"tag", "region", "hidden", "class", "link_list", "loose_caption", "repeated",
                              "no_words", "permalink",
                              *(rule.name for rule in html_vocabulary().line_rules), "dateline"}
    # A video page: the first reading leaves only the 'More clips' heading; the second keeps
    # the clip's description from its 'video-teaser' box (page_furniture_only.html has none).
    assert summary["html_pages_read_twice"] == 1
    assert articles["page_video.html"]["paragraphs"][-1].startswith("After forty-one years on the point")
    feed_item = articles["island.xml#item=0"]
    assert feed_item["url"] == "https://islandpost.example/ferry-summer"
    assert feed_item["publisher"] == "Island Post"
    assert feed_item["bullets"] == ["Six crossings a day from the first of July."]


def test_nesting_deeper_than_libxml2_follows_keeps_the_text():
    depth = 5000
    page = ("<!DOCTYPE html><html><head><title>Deep</title></head><body>" + "<div>" * depth
            + "<p>The night ferry sailed on time despite the fog over the sound.</p>" + "</div>" * depth
            + "<p>Passengers were given blankets and hot soup on the crossing.</p></body></html>")
    article = html.html_to_article(page, "mem://deep", CTX)
    assert article.paragraphs == ("The night ferry sailed on time despite the fog over the sound.",
                                  "Passengers were given blankets and hot soup on the crossing.")


def test_control_character_after_a_dropped_element():
    page = ("<!DOCTYPE html><html><body><article><p>The quay lights were replaced with lamps that use "
            "half the power.</p><nav>Menu</nav>\x0b<p>The old lamps go to the town museum.</p></article></body></html>")
    article = html.html_to_article(page, "mem://ctl", CTX)
    assert article.paragraphs == ("The quay lights were replaced with lamps that use half the power.",
                                  "The old lamps go to the town museum.")


@pytest.mark.parametrize("block, rule", [
    ("Advertisement", "label"),
    ("ANZEIGE", "label"),
    ("By Ana Lind", "byline"),
    ("Von Jana Muster und Kai Beispiel", "byline"),
    ("Nov. 19, 2019, 8:41 AM UTC", "dateline"),
    ("Published November 20th, 2019 - 07:50 GMT", "dateline"),
    ("Sign up for our weekly newsletter about the valley", "email_prompt"),
    ("Updated 0203 GMT (1003 HKT) March 4, 2024", "dateline"),
    ("Posted 09:15 ET, June 3", "dateline"),
    ("Atualizado em 3 de março de 2024 às 10:15", "dateline"),
    ("Publicado em sexta-feira, 7 de junho", "dateline"),
    ("Tweet this", "share_button"),
    ("Like on Facebook", "share_button"),
    ("Copy link", "share_button"),
    ("Follow us", "share_button"),
])
def test_page_furniture_block_rules(block, rule):
    assert furniture_lines([block, "A body paragraph that stays where it is, long enough to count."],
                           html_vocabulary()) == {0: rule}


@pytest.mark.parametrize("block", [
    "The war ended in 1945 after six long years.",
    "By the evening the ferry was back on its usual timetable, the harbour office said.",
    "Comments from residents were mostly positive.",
    "2024",
    "Share this with your neighbours, the mayor said, because the ferry needs riders.",
    "Et puis le ferry est reparti.",
])
def test_article_text_is_not_furniture(block):
    assert furniture_lines([block], html_vocabulary()) == {}


def test_teaser_heading_cuts_only_in_the_second_half():
    body = ["The harbour reopened on Monday after a week of storm repairs on the outer wall."] * 4
    teasers = ["More from the Courier", "Bakery wins county prize", "Market returns to the square"]
    assert furniture_lines(body + teasers, html_vocabulary()) == {4: "teasers_heading", 5: "teasers_heading",
                                                                  6: "teasers_heading"}
    # At the top of the page the same heading removes nothing after it.
    assert furniture_lines(["Related"] + body, html_vocabulary()) == {}


@pytest.mark.parametrize("heading", ["Related Topics", "Related searches:", "Filed under: Harbour, Ferries",
                                     "Our latest stories", "Top stories"])
def test_related_and_filed_under_headings_cut_the_teasers_after_them(heading):
    body = ["The harbour reopened on Monday after a week of storm repairs on the outer wall."] * 4
    teasers = [heading, "Bakery wins county prize", "Market returns to the square"]
    assert furniture_lines(body + teasers, html_vocabulary()) == dict.fromkeys((4, 5, 6), "teasers_heading")


def test_runs_of_blocks_without_a_letter_are_a_pager_or_a_chart():
    body = ["The harbour reopened on Monday after a week of storm repairs on the outer wall."] * 3
    pager = ["1", "2", "3", "\u2026", "14"]
    assert furniture_lines(body[:1] + pager + body[1:], html_vocabulary()) == dict.fromkeys(range(1, 6), "no_words")
    chart = ["$915", "600", "\u201917"]
    assert furniture_lines(body + chart, html_vocabulary()) == dict.fromkeys((3, 4, 5), "no_words")
    # Two in a row, or a lone year over an entry, stay; so do a table's rows of figures.
    assert furniture_lines(["2023"] + body[:1] + ["2024", "12:30"] + body[1:], html_vocabulary()) == {}
    rows = ["2021 40 1,200", "2022 42 1,350", "2023 45 1,410"]
    assert furniture_lines(body + ["Year Boats Tons", *rows], html_vocabulary()) == {}


def test_html_rules_are_documented_data():
    table = tomllib.loads(resources.files("schemas").joinpath("rules/html.toml").read_text("utf-8"))
    for section in ("drop", "furniture", "body", "summary", "credit", "captions", "dateline"):
        assert table[section]["why"], section
    for rule in table["lines"]:
        assert rule["name"] and rule["why"] and rule["action"] in ("drop", "cut")


def test_table_rows_are_paragraphs_and_their_classes_are_not_furniture():
    page = ("<html><body><div class='article-body'><p>Final standings of the harbour regatta after "
            "four races on the sound, with points by boat.</p><table><tr class='colhead'><th>Pos.</th>"
            "<th>Boat</th><th>Points</th></tr><tr class='oddrow player-7'><td>1</td><td>Sea Lark</td>"
            "<td>12</td></tr><tr class='evenrow player-9'><td>2</td><td>Gull</td><td>15</td></tr></table>"
            "</div></body></html>")
    article = html.html_to_article(page, "mem://regatta", CTX)
    assert article.paragraphs[1:] == ("Pos. Boat Points", "1 Sea Lark 12", "2 Gull 15")


def test_mojibake_inside_valid_utf8_is_repaired():
    # UTF-8 text once decoded as cp1252 upstream, then saved as UTF-8: valid UTF-8 bytes.
    page = ("<html><body><article><p>Season tickets cost Â£1,200 this year, up from Â£1,050, and the "
            "cafÃ© on the pier stays open.</p><p>Clean text beside it: l’été à la plage.</p></article></body></html>")
    (article,) = list(html.read(page.encode("utf-8"), "mem://tickets.html", CTX))
    assert article.paragraphs == (
        "Season tickets cost £1,200 this year, up from £1,050, and the café on the pier stays open.",
        "Clean text beside it: l’été à la plage.")
    assert article.source_encoding == "utf-8"


def test_a_block_of_html_comments_printed_as_text_is_dropped():
    # A style sheet pasted into the body escaped: the browser shows '<!--...-->' as text.
    counts = {}
    ctx = IngestContext(load_rules(), NOW, "html", counter=lambda name, n: counts.__setitem__(name, n))
    page = ("<html><body><article><p>The harbour board met on Monday and agreed the new ferry fares.</p>"
            "<p>&lt;!--.root_1a{font-family:Segoe UI;border:1px solid #eaeaea}--&gt; &lt;!--body{margin:0}--&gt;</p>"
            "<p>&lt;!-- a note --&gt; The fares apply from March.</p></article></body></html>")
    (article,) = list(html.read(page.encode(), "mem://fares.html", ctx))
    assert article.paragraphs == ("The harbour board met on Monday and agreed the new ferry fares.",
                                  "<!-- a note --> The fares apply from March.")
    assert counts["furniture:comment_text"] == 1


def test_many_comments_printed_as_text_then_words_are_kept_and_read_at_once():
    # Forty comments, then text: the block stays. (A lazy pattern tried every way of grouping
    # the comments before giving up: 2**39 of them.)
    block = "&lt;!--x--&gt;" * 40 + " The fares apply from March."
    page = f"<html><body><article><p>The board met on Monday.</p><p>{block}</p></article></body></html>"
    (article,) = list(html.read(page.encode(), "mem://fares.html", CTX))
    assert article.paragraphs[-1] == "<!--x-->" * 40 + " The fares apply from March."


def _read_text(markup: str) -> Article | Reject:
    (outcome,) = list(html.read(markup.encode(), "item.html", CTX))
    return outcome


_BODY = ("<p>The ferry to the outer islands runs twice a day again from Monday, after a winter "
         "of repairs to its landing stage.</p>"
         "<p>Tickets bought for the old timetable stay valid until the end of the month.</p>")


@pytest.mark.parametrize("box, alt, caption, credit", [
    # WordPress's caption box: an image and its caption text, no <figure>.
    ('<div id="attachment_12" class="wp-caption aligncenter"><img src="a.jpg" alt="The landing stage">'
     '<p class="wp-caption-text">The new landing stage at low tide. Photo: Lise Moor</p></div>',
     "The landing stage", "The new landing stage at low tide.", "Photo: Lise Moor"),
    # A theme's box named 'caption', holding only a labelled credit.
    ('<div class="alignnone caption"><img src="b.jpg" alt=""><div>Photo: <a href="#">Tomas Brek</a></div></div>',
     None, None, "Photo: Tomas Brek"),
    # A box with a caption and no credit.
    ('<div class="image-caption"><img src="c.jpg" alt=""><span>Morning fog over the harbour</span></div>',
     None, "Morning fog over the harbour", None),
])
def test_caption_box_outside_a_figure_is_the_image_block(box, alt, caption, credit):
    before = _read_text(_BODY)
    article = _read_text(box + _BODY)
    # Before: the box's text was the first paragraph. After: it is the image block.
    assert (article.image_alt, article.caption, article.caption_credit) == (alt, caption, credit)
    assert article.paragraphs == before.paragraphs


def test_caption_box_inside_the_body_is_not_a_paragraph():
    box = ('<div class="wp-caption"><img src="d.jpg" alt="">'
           '<p class="wp-caption-text">Crews at work on the pier in March</p></div>')
    first, second = _BODY.split("</p>", 1)
    article = _read_text(first + "</p>" + box + second)
    assert article.caption is None  # not above the body: no image block
    assert article.paragraphs == _read_text(_BODY).paragraphs


@pytest.mark.parametrize("box", [
    # Review findings: the body named with 'captions' was read as a caption box (the article
    # rejected), and a <span> inside a paragraph cut the paragraph in two.
    '<div class="post-body has-captions"><img src="e.jpg" alt=""><p>Crews at work on the pier in March</p></div>',
    '<p>Crews at work on the pier in March <span class="caption"><img src="i.png" alt=""> icon</span> '
    'all week.</p>',
    # Named 'caption' but holding no image: left as it was (a fragment keeps it as text).
    '<div class="caption">Crews at work on the pier in March</div>',
    # Named 'caption', holding an image, but far longer than a caption: not a caption box.
    '<div class="caption"><img src="e.jpg" alt="">' + "<p>Crews at work on the pier in March, "
    "replacing the old timbers one by one before the spring storms arrive. </p>" * 6 + "</div>",
])
def test_what_is_not_a_caption_box_stays_text(box):
    article = _read_text(box + _BODY)
    assert article.caption is None and article.caption_credit is None
    assert article.paragraphs[0].startswith("Crews at work on the pier in March")


def test_blank_lines_in_a_pre_part_its_paragraphs():
    # A page whose text is preformatted (a plain-text release, an RFC): before, one paragraph.
    first = ("The ferry to the outer islands runs twice a day again from Monday, after a winter "
             "of repairs to its landing stage.")
    second = "Tickets bought for the old timetable stay valid\nuntil the end of the month."
    article = _read_text(f"<html><body><article><pre>{first}\n\n  \n{second}</pre></article></body></html>")
    assert article.paragraphs == (first, second.replace("\n", " "))


def test_a_script_rendered_page_is_read_from_its_noscript_text():
    # The article only inside <noscript> (an app shell): before, no_article_text.
    body = ("<p>The ferry to the outer islands runs twice a day again from Monday, after a winter of "
            "repairs to its landing stage.</p><p>Tickets bought for the old timetable stay valid until "
            "the end of the month.</p>")
    article = _read_text(f'<html><head><title>Ferry</title></head><body><div id="app"></div>'
                         f"<noscript><article><h1>Ferry runs again</h1>{body}</article></noscript></body></html>")
    assert isinstance(article, Article) and len(article.paragraphs) == 2
    # A page with an article of its own keeps dropping its <noscript> ('enable JavaScript').
    page = _read_text(f"<html><body><article>{body}</article><noscript><p>Please enable JavaScript to "
                      "see the comments on this page.</p></noscript></body></html>")
    assert not any("JavaScript" in p for p in page.paragraphs)
