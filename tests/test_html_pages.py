"""Full HTML pages: the failure classes of main-content extraction, one invented page each.

Each test reads a small page built for it and checks both sides: the article text that a
failure class used to lose (or the wrong text it used to keep), and the page furniture that
must still go, with the rule that drops it (counted as 'furniture:<rule>').
"""
from __future__ import annotations

import collections
import datetime as dt

import pytest

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import SECOND_LOOK_COUNTER, IngestContext
from transforms.formats import html
from transforms.formats.html.soup import MAX_DEPTH, parse_soup
from transforms.rules import load_rules

NOW = dt.datetime(2024, 10, 1, tzinfo=dt.timezone.utc)
RULES = load_rules()

NAV = "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
MENU_FOOTER = ("<footer><a href='/about'>About us</a> <a href='/jobs'>Jobs</a> <a href='/privacy'>Privacy</a> "
               "<a href='/terms'>Terms of use</a> <a href='/contact'>Contact</a></footer>")
# Invented article text: long enough to score, with commas as prose has.
STEPS = (
    "Soak the beans overnight in cold water, then drain them, rinse them twice and set them aside.",
    "Chop the onions, the celery and two carrots, and soften them slowly in olive oil for ten minutes.",
    "Add the beans, a bay leaf and enough stock to cover them, and simmer, covered, for an hour.",
    "Season with salt only at the end, when the beans are tender, or their skins stay tough.",
)

MORE = (
    "Serve the soup with bread from the island bakery, which opens at six on market days.",
    "Leftovers keep for three days in the cold, and the soup thickens, so add water when reheating.",
    "Some cooks add a spoon of mustard at the end, but the old recipe card does not mention it.",
    "The card itself hangs, framed, in the harbour café, next to a photograph of the first ferry.",
)


def _page(body: str, title: str = "Harbour news") -> str:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{NAV}{body}{MENU_FOOTER}</body></html>"


def _read(page: str, rules=RULES) -> tuple[Article | Reject, collections.Counter]:
    counts: collections.Counter = collections.Counter()
    ctx = IngestContext(rules, NOW, "html", counter=lambda name, n=1: counts.update({name: n}))
    return html.html_to_article(page, "mem://page.html", ctx), counts


def test_an_article_in_parts_is_read_whole():
    # A how-to: one container per step, each step's text in its own block. The best single
    # block holds one step; the article is the element the steps share.
    steps = "".join(
        f"<div class='step'><h3>Step {n}</h3><div class='step-inner'><div class='content'><p>{text}</p>"
        f"<p>{text.replace('the', 'each')}</p></div></div></div>"
        for n, text in enumerate(STEPS, 1))
    teasers = "<div class='more'><a href='/a'>Another recipe for a cold night out</a></div>"
    article, counts = _read(_page(f"<article><h1>Bean soup</h1>{steps}</article>{teasers}"))
    assert isinstance(article, Article)
    assert [p for p in article.paragraphs if p in STEPS] == list(STEPS)
    assert "Another recipe for a cold night out" not in article.paragraphs
    assert counts["furniture:tag"] == 1  # the <nav>
    assert counts["furniture:region"] == 1  # the footer of links


def test_paragraphs_wrapped_in_unclassed_divs_vote_for_their_container():
    # Each paragraph in two plain <div>s (an editor's markup): the container of them all is
    # the article, not the one longest paragraph.
    paragraphs = "".join(f"<div><div style='direction: ltr'><span>{text}</span></div></div>" for text in STEPS)
    longest = max(STEPS, key=len)
    article, _ = _read(_page(f"<div class='chapter'><div>{paragraphs}</div></div>"))
    assert isinstance(article, Article)
    assert article.paragraphs == STEPS
    assert longest in article.paragraphs


@pytest.mark.parametrize("region", ["aside", "header", "footer"])
def test_article_text_inside_a_page_region_is_kept(region):
    body = "".join(f"<p>{text}</p>" for text in STEPS)
    small = "<aside class='box'><p>Follow the harbour office on the radio at noon.</p></aside>"
    article, counts = _read(_page(f"<{region} class='main'>{body}</{region}>{small}"))
    assert isinstance(article, Article), f"an article in a <{region}> was dropped"
    assert article.paragraphs == STEPS
    assert "Follow the harbour office on the radio at noon." not in article.paragraphs
    assert counts["furniture:region"] == 2  # the small <aside> and the footer of links


def test_a_page_whose_only_text_is_a_short_footer_is_still_rejected():
    page = _page("", title="Index").replace(MENU_FOOTER, "<footer><p>Call the front desk for the keys.</p></footer>")
    reject, counts = _read(page)
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.NO_ARTICLE_TEXT
    assert counts["furniture:region"] == 1


def test_a_drupal_body_field_is_the_body():
    # Drupal names the body 'field-name-body' ('field--name-body' from Drupal 8): named, it
    # wins over a notice in a table row that would outscore it.
    notice = ("<table><tr><td class='notice'><p>" + "This article is in the archive, and its photos, "
              "links, comments and maps may no longer work as they did when it was written. " * 3
              + "</p></td></tr></table>")
    for name in ("field field-name-body field-type-text-with-summary", "field field--name-body"):
        body = f"<div class='{name}'>" + "".join(f"<p>{text}</p>" for text in STEPS) + "</div>"
        article, _ = _read(_page(notice + body))
        assert article.paragraphs == STEPS, name


def test_the_rest_of_an_article_hidden_behind_a_read_more_button_is_kept():
    # Mobile pages hide the article's second half inline until 'Read more' is pressed; a
    # hidden block holding 40% of the page or more is read. A small one still goes.
    first = "".join(f"<p>{text}</p>" for text in STEPS[:2])
    rest = "".join(f"<p>{text}</p>" for text in (*STEPS[2:], *MORE))
    promo = "<div style='display:none'><p>Win a weekend on the island: enter our draw today.</p></div>"
    article, counts = _read(_page(f"<article>{first}<div class='more-text' style='display: none'>{rest}</div>"
                                  f"{promo}</article>"))
    assert article.paragraphs == (*STEPS, *MORE)
    assert counts["furniture:hidden"] == 1  # the promo


def test_a_live_blog_of_article_entries_is_read_whole():
    # Each entry is an <article> of its own inside the blog's <article>: the entries are the
    # parts of one article, not rival stories (a rule that made them rivals kept one entry).
    entry = ("<article class='entry'><h3>{n}:00</h3><p>Update {n}: the ferry from the north pier left on "
             "time, the harbour office said, and the crossing was calm.</p><p>Passengers were told to "
             "expect delays later in the day, as the wind picks up over the bay.</p></article>")
    entries = "".join(entry.format(n=n) for n in range(10, 16))
    article, _ = _read(_page(f"<main><article class='liveblog'><h1>Ferry day</h1>{entries}</article></main>"))
    assert len(article.paragraphs) == 18
    assert article.paragraphs[-2].startswith("Update 15:")


def test_a_social_post_the_story_quotes_is_kept_whatever_its_wrapper():
    # The embed code's blockquote ('twitter-tweet') sits in a wrapper named for the network.
    quote = "The north pier is closed until the storm passes. Please stay off the breakwater tonight."
    embed = (f"<div class='social-media-embed'><blockquote class='twitter-tweet'><p>{quote}</p>"
             "&mdash; Harbour Office (@harbouroffice)</blockquote></div>")
    share = "<div class='social-share'><a href='/s'>Share on a social network</a></div>"
    body = "".join(f"<p>{text}</p>" for text in STEPS[:2]) + embed + "".join(f"<p>{text}</p>" for text in STEPS[2:])
    article, counts = _read(_page(f"<article>{body}</article>{share}"))
    assert quote in " ".join(article.paragraphs)
    assert "Share on a social network" not in " ".join(article.paragraphs)
    assert counts["furniture:class"] == 1  # the share bar only


def test_a_numbered_list_of_links_is_the_articles_own_points():
    # Each item is its own link ('1. <a>The harbour choir's spring concert</a>'): a ranking.
    ranked = "".join(f"<li><a href='/g/{n}'>Game {n} of the island league, replayed</a></li>" for n in range(1, 6))
    links = "".join(f"<li><a href='/t/{n}'>Topic {n}</a></li>" for n in range(1, 6))
    body = "".join(f"<p>{text}</p>" for text in STEPS)
    article, counts = _read(_page(f"<article>{body}<ol>{ranked}</ol><ul>{links}</ul></article>"))
    assert article.paragraphs == (*STEPS, *(f"Game {n} of the island league, replayed" for n in range(1, 6)))
    assert counts["furniture:link_list"] >= 1  # the unnumbered list of links


def test_a_sentence_full_of_links_is_body_text():
    sentence = ("The storm led to <a href='/a'>cancelled ferries</a>, <a href='/b'>closed schools</a> "
                "and <a href='/c'>a flooded market square</a>.")
    follow = "<p><a href='/f'>Facebook</a> <a href='/t'>Twitter</a> <a href='/i'>Instagram</a></p>"
    # Words that label a link are no sentence, full stop or not.
    teaser = "<p>Read more: <a href='/r'>Ferry prices rise again for the summer.</a></p>"
    body = "".join(f"<p>{text}</p>" for text in STEPS[:2]) + teaser + "".join(f"<p>{text}</p>" for text in STEPS[2:])
    article, counts = _read(_page(f"<article>{body}<p>{sentence}</p>{follow}</article>"))
    plain = "The storm led to cancelled ferries, closed schools and a flooded market square."
    assert article.paragraphs == (*STEPS, plain)
    assert counts["furniture:link_list"] == 2  # the row of links and the teaser


def test_the_pages_own_address_printed_as_a_block_is_dropped():
    url = "https://courier.example/news/bean-soup"
    head = f"<meta property='og:url' content='{url}'>"
    body = "".join(f"<p>{text}</p>" for text in STEPS)
    page = _page(f"<article>{body}<div class='permalink-box'>{url}/</div></article>").replace("<head>", f"<head>{head}")
    article, counts = _read(page)
    assert article.paragraphs == STEPS
    assert article.url == url
    assert counts["furniture:permalink"] == 1


def test_responsive_visibility_classes_are_not_furniture():
    # 'hidden-xs' hides a block on small screens only; it is part of the article.
    body = "".join(f"<p>{text}</p>" for text in STEPS)
    tips = "".join(f"<p>{text}</p>" for text in MORE[:2])
    page = _page(f"<div class='story'>{body}<div class='tips hidden-xs'>{tips}</div>"
                 "<div class='hidden'>Subscribe for the full menu of the week.</div></div>")
    article, counts = _read(page)
    assert isinstance(article, Article)
    assert article.paragraphs == (*STEPS, *MORE[:2])
    assert counts["furniture:class"] == 1  # 'hidden' alone still names furniture


def test_an_id_that_anchors_its_heading_is_not_furniture():
    # Documentation pages give each section its heading's slug as id: 'sharing-with-a-team'
    # holds the word 'sharing', but names the section, not a share widget.
    section = ("<div class='section' id='sharing-with-a-team'><h2>Sharing with a team</h2>"
               + "".join(f"<p>{text}</p>" for text in MORE[:2]) + "</div>")
    widget = "<div id='sharing-bar'><a href='/s'>Post</a> <a href='/m'>Mail</a></div>"
    page = _page(f"<div class='doc'>{''.join(f'<p>{t}</p>' for t in STEPS)}{section}{widget}</div>")
    article, counts = _read(page)
    assert isinstance(article, Article)
    assert article.paragraphs == (*STEPS, "Sharing with a team", *MORE[:2])
    assert counts["furniture:class"] == 1  # the share bar


def test_a_link_in_mid_sentence_is_content_whatever_its_class():
    sentence = ("The recipe came from a <a class='popup' href='/n'>fishermen's cookbook</a> printed on "
                "the island in the fifties, and it has not changed since.")
    body = f"<p>{sentence}</p>" + "".join(f"<p>{text}</p>" for text in STEPS)
    article, counts = _read(_page(f"<article>{body}<div class='popup'>Sign in to save recipes.</div></article>"))
    assert isinstance(article, Article)
    assert article.paragraphs[0] == ("The recipe came from a fishermen's cookbook printed on the island in "
                                     "the fifties, and it has not changed since.")
    assert "Sign in to save recipes." not in article.paragraphs
    assert counts["furniture:class"] == 1


def test_a_reader_comment_named_like_a_body_is_not_the_article():
    # The comment's text carries the blog theme's 'entry-content' class; the article does not.
    text = (*STEPS, *MORE)
    article_html = "<article>" + "".join(f"<p>{p}</p>" for p in text) + "</article>"
    comment = ("<ol id='comment-list'><li class='comment'><blockquote class='entry-content'><p>"
               + "I tried this with lentils instead, and it took half the time, which was nice. " * 4
               + "</p></blockquote></li></ol>")
    article, counts = _read(_page(article_html + comment))
    assert isinstance(article, Article)
    assert article.paragraphs == text
    assert counts["furniture:class"] == 1  # the comment list


def test_an_article_printed_twice_comes_out_once():
    copy = "".join(f"<p>{text}</p>" for text in STEPS)
    article, counts = _read(_page(f"<div class='story'>{copy}<div class='mobile'>{copy}</div></div>"))
    assert isinstance(article, Article)
    assert article.paragraphs == STEPS
    assert counts["furniture:repeated"] == len(STEPS)


def test_a_paragraph_that_recurs_alone_is_kept():
    refrain = "And the bell on the pier rang once more, as it had every evening for a hundred years."
    body = "".join(f"<p>{text}</p><p>{refrain}</p>" for text in STEPS)
    article, counts = _read(_page(f"<article>{body}</article>"))
    assert article.paragraphs.count(refrain) == len(STEPS)
    assert counts["furniture:repeated"] == 0


def test_fragments_count_no_furniture():
    fragment = "<div><p>The ferry timetable changes on Monday.</p><aside>Related: the old pier</aside></div>"
    article, counts = _read(fragment)
    assert article.paragraphs == ("The ferry timetable changes on Monday.",)
    assert not [name for name in counts if name.startswith("furniture:")]


@pytest.mark.parametrize("tag", ["div", "x-box"])
def test_nesting_deeper_than_libxml2_follows_keeps_every_paragraph(tag):
    # libxml2 drops what lies below 256 levels; wrapper tags of any name (custom elements
    # too) go to the parser of last resort, which keeps the paragraphs apart.
    depth = 1500  # deeper than Python's recursion limit as well
    body = "".join(f"<p>{text}</p>" for text in STEPS)
    page = _page(f"<{tag}>" * depth + body + f"</{tag}>" * depth)
    article, _ = _read(page)
    assert isinstance(article, Article)
    assert article.paragraphs == STEPS


def test_parser_of_last_resort_flattens_only_below_its_depth():
    inner = "<p>Low tide at <b>six</b>.</p><p>High tide at noon.</p>"
    depth_divs = MAX_DEPTH + 50
    root = parse_soup("<html><body>" + "<div>" * depth_divs + inner + "</div>" * depth_divs + "</body></html>")
    assert ["".join(p.itertext()) for p in root.iter("p")] == ["Low tide at six.", "High tide at noon."]
    depth = max(len(list(node.iterancestors())) for node in root.iter())
    assert depth <= MAX_DEPTH + 1
    assert parse_soup("no markup at all") is None


def test_a_page_whose_only_text_is_in_a_figure_reads_its_caption_as_the_body():
    caption = ("Fishing boats wait out the storm in the inner harbour, their crews ashore since Tuesday, "
               "as the ferry company cancelled every crossing until the weekend.")
    figure = (f"<figure><img src='boats.jpg' alt='Boats in the harbour'><figcaption>{caption} "
              "<span class='credit'>Photo: Lena Ek</span></figcaption></figure>")
    article, _ = _read(_page(f"<article><h1>Storm day</h1>{figure}</article>"))
    assert isinstance(article, Article), "a photo story was rejected as no_article_text"
    assert article.paragraphs == (caption,)
    assert article.image_alt == "Boats in the harbour"
    assert article.caption is None  # read as the body, not twice
    assert article.caption_credit == "Photo: Lena Ek"
    # Without a caption there is still no article text.
    reject, _ = _read(_page("<article><h1>Storm day</h1><figure><img src='boats.jpg'></figure></article>"))
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.NO_ARTICLE_TEXT


VIDEO_STORY = ("Divers from the island club filmed the wreck of the old ferry for the first time "
               "since it sank, and the clip shows its bell still hanging, green with weed.")
# The other clips of a video page: more text than the story, so the story's container holds
# too small a share of the page to count as its body.
MORE_CLIPS = "<div class='related-videos'>" + "".join(
    f"<div class='clip'><a href='/v/{n}'>Clip {n}: {text}</a></div>" for n, text in enumerate(MORE, 1)) + "</div>"


@pytest.mark.parametrize("container", ["video-teaser", "gallery__item", "promo-video"])
def test_a_page_whose_story_is_in_a_teaser_or_gallery_is_read_a_second_time(container):
    # A video page: the only text is the clip's description, in a container named with a
    # furniture word. The first reading drops it and finds nothing; the second keeps it.
    player = (f"<div class='player'><div class='{container}'><h2>The ferry wreck, filmed</h2>"
              f"<p>{VIDEO_STORY}</p></div></div>")
    share = "<div class='share-bar'><a href='/s'>Share this clip with your friends</a></div>"
    article, counts = _read(_page(player + share + MORE_CLIPS))
    assert isinstance(article, Article), "a video page was rejected as no_article_text"
    assert article.paragraphs[-1] == VIDEO_STORY
    assert counts[SECOND_LOOK_COUNTER] == 1
    # The share bar still goes on the second reading, and the other clips are not the story.
    assert counts["furniture:class"] == 1
    assert "Share this clip" not in " ".join(article.paragraphs)
    assert "Clip 1" not in " ".join(article.paragraphs)


def test_a_page_left_with_only_a_heading_is_read_a_second_time():
    # The other clips are link lists, dropped from the body; their heading stays behind.
    clips = "<div class='clips'><h3>More clips</h3>" + "".join(
        f"<div><a href='/v/{n}'>{text}</a></div>" for n, text in enumerate(MORE, 1)) + "</div>"
    player = f"<div class='video-teaser'><p>{VIDEO_STORY}</p></div>"
    article, counts = _read(_page(player + clips))
    assert article.paragraphs == (VIDEO_STORY,)
    assert counts[SECOND_LOOK_COUNTER] == 1
    # Without the teaser, the heading is all there is, as before.
    article, counts = _read(_page(clips))
    assert article.paragraphs == ("More clips",)
    assert SECOND_LOOK_COUNTER not in counts


def test_a_page_with_an_article_drops_its_teasers_on_the_only_reading():
    teaser = f"<div class='video-teaser'><p>{VIDEO_STORY}</p></div>"
    body = "<article>" + "".join(f"<p>{text}</p>" for text in STEPS) + "</article>"
    article, counts = _read(_page(body + teaser))
    assert article.paragraphs == STEPS
    assert counts["furniture:class"] == 1  # the teaser
    assert SECOND_LOOK_COUNTER not in counts


@pytest.mark.parametrize("container", ["cookie-consent", "paywall", "comments", "newsletter-signup"])
def test_a_page_holding_only_a_banner_or_paywall_is_still_rejected(container):
    banner = (f"<div class='{container}'><p>We and our partners would like your consent, a subscription "
              "or your e-mail address before you read on, and you can change your mind at any time.</p></div>")
    reject, counts = _read(_page(banner + MORE_CLIPS))
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.NO_ARTICLE_TEXT
    assert SECOND_LOOK_COUNTER not in counts


def test_the_second_reading_follows_the_rules_file(tmp_path):
    player = f"<div class='video-teaser'><p>{VIDEO_STORY}</p></div>"
    path = tmp_path / "rules.toml"
    path.write_text("[furniture]\nsecond_look = []\n", encoding="utf-8")
    reject, counts = _read(_page(player + MORE_CLIPS), load_rules(path))
    assert isinstance(reject, Reject), "second_look = [] should switch the second reading off"
    assert SECOND_LOOK_COUNTER not in counts
    path.write_text('[furniture]\nwords_extra = ["clip-card"]\nsecond_look_extra = ["clip-card"]\n',
                    encoding="utf-8")
    card = f"<div class='clip-card'><p>{VIDEO_STORY}</p></div>"
    article, counts = _read(_page(card + MORE_CLIPS), load_rules(path))
    assert isinstance(article, Article)
    assert article.paragraphs == (VIDEO_STORY,)
    assert counts[SECOND_LOOK_COUNTER] == 1
