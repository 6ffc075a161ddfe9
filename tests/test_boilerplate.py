"""Boilerplate rules: one before/after pair per default rule, and user rules layered on top."""

import datetime as dt
import tomllib

import pytest

from schemas.record import Removed
from transforms.boilerplate import find_boilerplate
from transforms.lines import TEXT, to_lines
from transforms.rules import DEFAULT_RULES_TEXT, RulesError, load_rules
from transforms.split import split_dump

RULES = load_rules()

BODY = (
    "The harbour board voted on Tuesday to widen the north pier before the storms.\n\n"
    "Work crews start in March and the pier stays open during the day.\n\n"
)
BODY_PARAGRAPHS = (
    "The harbour board voted on Tuesday to widen the north pier before the storms.",
    "Work crews start in March and the pier stays open during the day.",
)

# (rule, footer line, publisher, title): one pair per rule in schemas/rules/default.toml.
FOOTERS = [
    ("read_original_on", "Read the original article on Pier Weekly", "Pier Weekly", None),
    ("read_original_on", "Read the original article on Pier Weekly.", "Pier Weekly", None),
    (
        "originally_published_by",
        "This article was originally published by Pier Weekly. Read the original article.",
        "Pier Weekly",
        None,
    ),
    (
        "originally_published_by",
        "This story was originally published on pierweekly.example.",
        "pierweekly.example",
        None,
    ),
    (
        "post_appeared_first",
        "The post Pier to be widened before winter appeared first on Pier Weekly.",
        "Pier Weekly",
        "Pier to be widened before winter",
    ),
    (
        "post_appeared_first",
        "The post “Pier to be widened” appeared first on Pier Weekly.",
        "Pier Weekly",
        "Pier to be widened",
    ),
    ("read_more_at", "Read more of this story at Pier Weekly.", "Pier Weekly", None),
    (
        "published_in_on_medium",
        "Tides and Ferries was originally published in Pier Weekly on Medium, where people are continuing "
        "the conversation by highlighting and responding to this story.",
        "Pier Weekly",
        "Tides and Ferries",
    ),
    ("original_release_zh", "本文由港口周刊 Pier Weekly 原创发布，转载请联系编辑部。", "港口周刊 Pier Weekly", None),
    ("read_more_at", "Read the original story on Pier Weekly.", "Pier Weekly", None),
    ("originally_published_by", "This story originally appeared on Pier Weekly.", "Pier Weekly", None),
    # Before: the publisher was 'Pier Weekly and is republished here with permission'.
    ("originally_published_by", "This story first appeared in Pier Weekly and is republished here with permission.",
     "Pier Weekly", None),
    ("republished_from", "This article is republished from Pier Review under a Creative Commons license. "
     "Read the original article.", "Pier Review", None),
    ("first_published_intl", "Dieser Artikel erschien zuerst auf Pier Weekly.", "Pier Weekly", None),
    ("first_published_intl", "Cet article a été publié initialement sur Pier Weekly.", "Pier Weekly", None),
    ("copyright_line", "© 2024 Pier Weekly. All rights reserved.", "Pier Weekly", None),
    # Before: each of the next five stayed the body's last paragraph.
    ("copyright_line", "Copyright 2024 Pier Wire. All rights reserved. This material may not be published, "
     "broadcast, rewritten or redistributed without permission.", "Pier Wire", None),
    # Before: the publisher was 'Hafenblatt. Alle Rechte vorbehalten'.
    ("copyright_line", "© 2024 Hafenblatt. Alle Rechte vorbehalten.", "Hafenblatt", None),
    ("distributed_by", "Distributed by Harbour Content Agency, LLC.", None, None),
    ("distributed_by", "©2024 Pier Weekly. Visit pierweekly.example. Distributed by Harbour Content Agency, LLC.",
     None, None),
    ("distributed_by", "This story was produced by Pier Weekly and reviewed and distributed by Quayside Media.",
     "Pier Weekly", None),
    ("originally_published_by", "This story was originally published March 3, 2024, 5:00 AM.", None, None),
    # Before: the publisher was 'Pier Weekly: Ferry fares rise for the summer'.
    ("originally_published_by", "This article originally appeared on Pier Weekly: Ferry fares rise for the summer",
     "Pier Weekly", "Ferry fares rise for the summer"),
    ("share_tags", "Share this article", None, None),
    ("share_tags", "Tags: Harbour, Tides, Ferries", None, None),
    ("read_more_at", "Read the full story at Pier Weekly", "Pier Weekly", None),
    ("read_more_at", "Read more of this story at Pier Weekly! News.", "Pier Weekly! News", None),
    ("read_more_at", "Read more of this story at What Pier?.", "What Pier?", None),
    ("see_more_stories", "See more stories on Pier Weekly's harbour page.", None, None),
    (
        "newsletter_prompt",
        "Sign up for our daily newsletter to get harbour news first.",
        None,
        None,
    ),
    ("newsletter_prompt", "Subscribe to the Pier Weekly newsletter for more.", None, None),
    ("newsletter_prompt", "Sign up for Pier Weekly's free morning newsletter.", None, None),  # before: kept
    ("newsletter_prompt", "Sign up for Quay Notes, a weekly newsletter about the harbour.", None, None),
    ("newsletter_footer", "Get harbour news first. Sign up for our daily newsletter.", None, None),  # before: kept
    (
        "newsletter_prompt_de",
        "Abonnieren Sie unseren Newsletter für Nachrichten vom Hafen.",
        None,
        None,
    ),
    ("continue_reading", "Continue reading...", None, None),
    ("continue_reading", "Weiterlesen", None, None),
    # Before: no publisher.
    ("continue_reading", "Continue reading at Pier Weekly", "Pier Weekly", None),
    ("continue_reading", "Lire la suite sur Pier Hebdo", "Pier Hebdo", None),
    ("continue_reading", "Continue reading on our website", None, None),  # no one named
    ("continue_reading", "Continue reading on the next page", None, None),
    ("continue_reading", "Continue reading on Page 2", None, None),
    ("copyright_line", "© Hafenblatt. Alle Rechte vorbehalten.", "Hafenblatt", None),  # no year
    ("follow_us", "Follow us on Instagram for more harbour pictures.", None, None),
    ("follow_us", "Follow Pier Weekly on Facebook.", None, None),
]


# (rule, line above the body, authors, published_at): one pair or more per head rule.
HEAD_LINES = [
    ("byline", "By Jane Roe", ("Jane Roe",), None),
    ("byline", "by Maria de la Cruz", ("Maria de la Cruz",), None),
    ("byline", "By Jane Roe, Jo Berg and Kim Lo", ("Jane Roe", "Jo Berg", "Kim Lo"), None),
    ("byline", "By Jane Roe and Jo Berg | Pier Weekly", ("Jane Roe", "Jo Berg"), None),
    ("byline", "By Jane Roe, Staff Writer", ("Jane Roe",), None),
    ("byline", "Written by Jane Roe", ("Jane Roe",), None),  # before: a body paragraph
    ("byline", "Story by Jane Roe and Jo Berg", ("Jane Roe", "Jo Berg"), None),
    # The news organisation after the authors is none of them ([bylines] outlets; before: an author).
    ("byline", "By Jane Roe, Associated Press", ("Jane Roe",), None),
    ("byline", "By Jane Roe and Jo Berg, CNN", ("Jane Roe", "Jo Berg"), None),
    ("byline", "By Jane Roe, March 3, 2024", ("Jane Roe",), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("byline", "By Jane Roe | Updated March 3, 2024 10:15 GMT", ("Jane Roe",),
     dt.datetime(2024, 3, 3, 10, 15, tzinfo=dt.timezone.utc)),
    ("byline", "By PETER HOLM", ("PETER HOLM",), None),
    ("byline", "Von Jana Muster und Ole Berg", ("Jana Muster", "Ole Berg"), None),
    ("dateline", "March 3, 2024", (), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    # A time before the date, as a copied page prints it (before: a body paragraph).
    ("dateline", "Updated 3:45 p.m. ET, Tue March 4, 2025", (), dt.datetime(2025, 3, 4, tzinfo=dt.timezone.utc)),
    ("dateline", "Mar. 3, 2024 7:05 PM", (), dt.datetime(2024, 3, 3, 19, 5, tzinfo=dt.timezone.utc)),
    ("dateline", "Published 3 March 2024, 10:15 GMT", (),
     dt.datetime(2024, 3, 3, 10, 15, tzinfo=dt.timezone.utc)),
    # A time in a zone whose offset is not known keeps the date alone.
    ("dateline", "Monday, March 3, 2024 at 10:15 a.m. ET", (), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("dateline", "Aktualisiert am 3. März 2024, 10.15 Uhr", (),
     dt.datetime(2024, 3, 3, 10, 15, tzinfo=dt.timezone.utc)),
    ("dateline", "3 de marzo de 2024", (), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("dateline", "2024-03-03 08:30", (), dt.datetime(2024, 3, 3, 8, 30, tzinfo=dt.timezone.utc)),
    ("dateline", "03.03.2024", (), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("time_ago", "Updated 2 hours ago", (), None),
    ("time_ago", "5 min read", (), None),
    ("time_ago", "Lesezeit: 3 Min.", (), None),
    # Parts parted by ' | ', ' · ' or ' • ', each a head line or a name, one a head line at least.
    ("byline", "Jane Roe · 5 min read · Mar 3, 2024", ("Jane Roe",), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("byline", "March 3, 2024 | By Jane Roe", ("Jane Roe",), dt.datetime(2024, 3, 3, tzinfo=dt.timezone.utc)),
    ("time_ago", "5 min read • Updated 2 hours ago", (), None),
    ("byline", "Jane Roe | Staff Writer | Tuesday, 4 March 2025", ("Jane Roe",),
     dt.datetime(2025, 3, 4, tzinfo=dt.timezone.utc)),  # a role's words name no one ([bylines])
    ("time_ago", "Tempo de leitura: 1 minuto", (), None),
    # A feed reader's byline with a short age (before: the body's first paragraph).
    ("byline", "Story by Jane Roe • 2d", ("Jane Roe",), None),
    ("time_ago", "5h ago", (), None),
]


# (rule, a label over the summary bullets): the head rule that acts over a list only.
LABELS = [
    ("summary_label", "Key points:"),
    ("summary_label", "Auf einen Blick"),
]


# (rule, a line between two body paragraphs): one pair or more per body rule.
BODY_LINES = [
    ("ad_label", "Advertisement"),
    ("ad_label", "Story continues below advertisement"),
    ("ad_label", "Anzeige"),
    # Before: each stayed a paragraph of the body.
    ("page_control", "Story continues"),
    ("page_control", "View comments"),
    ("page_control", "Copy link"),
    ("page_control", "Article continues after advertisement"),
    ("page_control", "RELATED COVERAGE"),
    ("ad_label", "Ad"),
    ("page_control", "Download the Pier Weekly app for breaking news."),
    ("related_link", "Also Read | Ferry fares rise for the summer"),  # before: kept
    ("related_link", "WATCH: Storm waves break over the north pier"),
    ("share_prompt", "Share on Facebook"),
    ("share_prompt", "Share"),
    ("related_link", "Read more: Ferry fares rise for the summer"),
    ("related_link", "RELATED: Storm closes the north pier"),
    ("related_link", "Lire aussi : Le port rouvre ses quais"),
]


def test_every_default_rule_has_a_pair():
    default_names = {rule["name"] for rule in tomllib.loads(DEFAULT_RULES_TEXT)["boilerplate"]}
    assert {rule for rule, *_ in FOOTERS + HEAD_LINES + LABELS + BODY_LINES} == default_names


@pytest.mark.parametrize("rule, line", LABELS)
def test_a_label_rule_removes_its_line_over_the_summary_bullets(rule, line):
    parts = split_dump(f"{line}\n  • The pier will be widened.\n\n{BODY}", RULES)
    assert (parts.bullets, parts.paragraphs) == (("The pier will be widened.",), BODY_PARAGRAPHS)
    assert parts.boilerplate == (Removed(rule=rule, text=line),)
    # Over paragraphs it is a subheading, and stays.
    assert split_dump(f"{line}\n\n{BODY}", RULES).paragraphs == (line, *BODY_PARAGRAPHS)


@pytest.mark.parametrize("rule, line", BODY_LINES)
def test_body_rule_removes_its_line_between_paragraphs(rule, line):
    first, second = BODY_PARAGRAPHS
    parts = split_dump(f"{first}\n\n{line}\n\n{second}\n", RULES)
    assert parts.paragraphs == BODY_PARAGRAPHS
    assert parts.boilerplate == (Removed(rule=rule, text=line),)


@pytest.mark.parametrize("line", [
    "Related: the board also reviewed its budget, which it said was balanced.",  # a sentence
    "See also: The Board Will Meet Again In May.",  # ends as a sentence does
    "Share prices in the harbour company rose on Monday.",
    "More: the board also reviewed its budget, which it said was balanced.",  # a sentence
    "Watch what the tide does at the north pier tonight.",
    "Ad hoc crews cleared the quay by noon.",
    "Download the full report from the board's site, the chair said.",
    "Watch: Harbour Chrono 40",  # a gift guide's item (review finding)
    "Watch | Price | Depth",  # a plain-text table's header
    "AD",
])
def test_what_a_body_rule_leaves_alone(line):
    first, second = BODY_PARAGRAPHS
    parts = split_dump(f"{first}\n\n{line}\n\n{second}\n", RULES)
    assert parts.paragraphs == (first, line, second) and parts.boilerplate == ()


def test_a_body_rule_leaves_the_image_block_above_the_body_alone():
    # A video's caption reads 'RELATED: ...' in a real dump: it is the image block's.
    alt = "Click to play video: 'Storm closes the north pier'"
    caption = "RELATED: Storm closes the north pier for the weekend"
    parts = split_dump(f"{alt}\n{caption}\n\n{BODY}", RULES)
    assert (parts.image_alt, parts.caption) == (alt, caption)
    assert parts.paragraphs == BODY_PARAGRAPHS


@pytest.mark.parametrize("rule, line, authors, published_at", HEAD_LINES)
def test_head_rule_removes_its_line_above_the_body(rule, line, authors, published_at):
    parts = split_dump(f"{line}\n\n{BODY}", RULES)
    assert parts.paragraphs == BODY_PARAGRAPHS
    assert parts.boilerplate == (Removed(rule=rule, text=line),)
    assert (parts.authors, parts.published_at, parts.title) == (authors, published_at, None)
    assert dict(parts.labels)[1] == f"boilerplate:{rule}"


@pytest.mark.parametrize("line", [
    "By the numbers",  # names are capitalised
    "By The Numbers",  # and no article
    "By Tuesday night the pier was closed",
    "By Christmas, the pier will be open again.",  # after a comma, a date or nothing
    "Jane Roe | Harbour Press",  # names only
    "Ferry fares rise · 5 min read",  # a part neither a head line nor a name
    "31 February 2024",  # no such day
    "Mayday 3, 2024",  # no such month
    "March 2024",  # no day
])
def test_a_line_that_only_starts_like_a_byline_or_date_stays(line):
    text = f"  • The pier will be widened.\n\n{line}\n\n{BODY}"
    parts = split_dump(text, RULES)
    assert parts.paragraphs == (line, *BODY_PARAGRAPHS)
    assert (parts.boilerplate, parts.authors, parts.published_at) == ((), (), None)


def test_head_rules_act_above_the_body_only():
    # Inside the body, or as the dump's only line, a byline is text.
    middle = BODY.replace("\n\nWork", "\n\nBy Jane Roe\n\nWork")
    parts = split_dump(middle, RULES)
    assert parts.paragraphs == (BODY_PARAGRAPHS[0], "By Jane Roe", BODY_PARAGRAPHS[1])
    assert parts.authors == ()
    assert split_dump("By Jane Roe\n", RULES).paragraphs == ("By Jane Roe",)


@pytest.mark.parametrize("rule, footer, publisher, title", FOOTERS)
def test_default_rule_removes_its_footer(rule, footer, publisher, title):
    parts = split_dump(BODY + footer, RULES)
    assert parts.paragraphs == BODY_PARAGRAPHS
    assert parts.boilerplate == (Removed(rule=rule, text=footer),)
    assert parts.publisher == publisher
    assert parts.title == title
    assert dict(parts.labels)[5] == f"boilerplate:{rule}"


@pytest.mark.parametrize("rule, footer, publisher, title", FOOTERS)
def test_find_boilerplate_names_the_rule(rule, footer, publisher, title):
    lines, _ = to_lines(BODY + footer, TEXT)
    verdict = find_boilerplate(lines, RULES)
    assert verdict.removed == {len(lines) - 1: rule}
    assert (verdict.publisher, verdict.title) == (publisher, title)


def test_several_footers_all_go_and_the_nearest_names_the_publisher():
    text = BODY + (
        "Read the original article on Pier Weekly\n\n"
        "See more stories on Pier Weekly's harbour page.\n\n"
        "Read more of this story at Coast Aggregator."
    )
    parts = split_dump(text, RULES)
    assert parts.paragraphs == BODY_PARAGRAPHS
    assert [r.rule for r in parts.boilerplate] == [
        "read_original_on",
        "see_more_stories",
        "read_more_at",
    ]
    assert parts.publisher == "Pier Weekly"


def test_markdown_link_in_footer_is_reduced_to_its_text():
    parts = split_dump(
        BODY + "Read the original article on [Pier Weekly](https://pier.example/a)", RULES
    )
    assert parts.publisher == "Pier Weekly"
    assert parts.boilerplate == (
        Removed("read_original_on", "Read the original article on Pier Weekly"),
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Read the original article on Pier Weekly",
        "Read more on the board's plans at the town hall.",
        "Continue reading the report, the chair told members.",
        "Follow us on Twitter, the protesters shouted at the crowd.",
    ],
)
def test_tail_rule_keeps_a_footer_like_sentence_inside_the_body(sentence):
    text = (
        "The harbour board voted on Tuesday.\n\n"
        f"{sentence}\n\n"
        "Work crews start in March.\n\n"
        "Read the original article on Pier Weekly"
    )
    parts = split_dump(text, RULES)
    assert parts.paragraphs == (
        "The harbour board voted on Tuesday.",
        sentence,
        "Work crews start in March.",
    )
    assert [r.rule for r in parts.boilerplate] == ["read_original_on"]


@pytest.mark.parametrize(
    "last",
    [
        "Originally published in 1998, the novel was reissued with a new map of the harbour.",
        "This article originally appeared on Pier Weekly. Become a member of the pier club here.",
        "Read more on the board's plans at the town hall.",
        "Copyright laws were changed in 2024.",
        "© Jane Roe",  # a photo's credit: no year, no 'All rights reserved', no publisher
        "The study was originally published in Harbour Science on paper, in 1998.",
        "本文由记者在港口采访整理。",  # 'compiled by our reporter at the harbour': no 原创
        # Review findings against this session's wider rules:
        "Distributed by Northwind Pictures, the film opens in cinemas on Friday.",
        "Her advice is simple. Subscribe to a few newsletters from local reporters and read them daily.",
    ],
)
def test_a_last_paragraph_that_only_starts_like_a_footer_stays(last):
    parts = split_dump(f"The harbour board voted on Tuesday.\n\n{last}", RULES)
    assert parts.paragraphs == ("The harbour board voted on Tuesday.", last)
    assert parts.boilerplate == ()
    assert parts.publisher is None


def test_anywhere_rule_removes_a_prompt_inside_the_body():
    text = (
        "The harbour board voted on Tuesday.\n\n"
        "Sign up for our weekly newsletter about the coast.\n\n"
        "Work crews start in March."
    )
    parts = split_dump(text, RULES)
    assert parts.paragraphs == ("The harbour board voted on Tuesday.", "Work crews start in March.")
    assert parts.boilerplate == (
        Removed("newsletter_prompt", "Sign up for our weekly newsletter about the coast."),
    )
    assert parts.publisher is None


def test_a_dump_of_only_footers_leaves_no_paragraph():
    parts = split_dump("Read the original article on Pier Weekly\n\nContinue reading...", RULES)
    assert parts.paragraphs == ()
    assert [r.rule for r in parts.boilerplate] == ["read_original_on", "continue_reading"]


# User rules files ------------------------------------------------------------------------

USER_RULES = """
[[boilerplate]]
name = "pier_weekly_promo"
why = "Pier Weekly's own app promotion."
where = "anywhere"
pattern = '''get the pier weekly app.*'''

[[boilerplate]]
name = "read_original_on"
enabled = false

[credits]
max_name_words = 2
"""


def _write(tmp_path, text, name="rules.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rules_add_a_rule_and_disable_a_default(tmp_path):
    rules = load_rules(_write(tmp_path, USER_RULES))
    names = [rule.name for rule in rules.boilerplate]
    assert "pier_weekly_promo" in names
    assert "read_original_on" not in names
    assert "post_appeared_first" in names  # untouched defaults stay

    text = (
        BODY
        + "Get the Pier Weekly app for tide alerts.\n\nRead the original article on Pier Weekly"
    )
    parts = split_dump(text, rules)
    assert parts.paragraphs == BODY_PARAGRAPHS + ("Read the original article on Pier Weekly",)
    assert parts.boilerplate == (
        Removed("pier_weekly_promo", "Get the Pier Weekly app for tide alerts."),
    )
    assert parts.publisher is None


def test_user_credits_override_only_what_they_set(tmp_path):
    rules = load_rules(_write(tmp_path, USER_RULES))
    assert rules.credits.max_name_words == 2
    assert rules.credits.agencies == RULES.credits.agencies
    assert rules.credits.max_chars == RULES.credits.max_chars


def test_user_rules_leave_the_defaults_untouched(tmp_path):
    load_rules(_write(tmp_path, USER_RULES))
    assert "read_original_on" in [rule.name for rule in load_rules().boilerplate]


def test_user_rule_replaces_a_default_pattern(tmp_path):
    path = _write(
        tmp_path,
        """
[[boilerplate]]
name = "read_original_on"
pattern = '''read it all on (?P<publisher>.+)'''
""",
    )
    parts = split_dump(BODY + "Read it all on Quay Times", load_rules(path))
    assert parts.publisher == "Quay Times"
    assert parts.boilerplate == (Removed("read_original_on", "Read it all on Quay Times"),)


def test_bad_regex_names_the_rule_and_the_file(tmp_path):
    path = _write(
        tmp_path,
        """
[[boilerplate]]
name = "broken_rule"
pattern = '''read (more'''
""",
    )
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert "broken_rule" in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[boilerplate]]\nname = "no_pattern"\n', "no_pattern"),
        ('[[boilerplate]]\nname = "odd_place"\nwhere = "middle"\npattern = "x"\n', "odd_place"),
        ('[[boilerplate]]\nname = "Not Snake"\npattern = "x"\n', "Not Snake"),
        ("[[boilerplate]\nname = 1", "not valid TOML"),
    ],
)
def test_unusable_rules_file_raises(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        load_rules(_write(tmp_path, text))


def test_missing_rules_file_raises(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


# One loader for both rules files; lists extended without restating them. -----------------


def test_extra_keys_extend_a_shipped_list(tmp_path):
    path = _write(tmp_path, '[credits]\nagencies_extra = ["Harbour Pictures"]\n'
                            'labels_extra = ["Bildnachweis"]\n')
    rules = load_rules(path)
    assert rules.credits.agencies == (*RULES.credits.agencies, "Harbour Pictures")
    assert "Bildnachweis" in rules.credits.labels and "Photo" in rules.credits.labels
    # Before: only a full list replaced the shipped one, so the new agency went unrecognised.
    text = "Boats in the harbour at dawn\n" + "Boats in the harbour. Harbour Pictures\n\n" + BODY
    assert split_dump(text, RULES).caption_credit is None
    parts = split_dump(text, rules)
    assert (parts.caption, parts.caption_credit) == ("Boats in the harbour.", "Harbour Pictures")


def test_shipped_rule_names_are_unique():
    # A rules file replaces a shipped rule by its name, so two of one name would lose one.
    for rules in (RULES.boilerplate, RULES.html.line_rules):
        names = [rule.name for rule in rules]
        assert len(names) == len(set(names))


def test_user_rules_layer_over_the_html_vocabulary(tmp_path):
    path = _write(tmp_path, '[furniture]\nwords_extra = ["quayside-promo"]\n\n'
                            '[[lines]]\nname = "teasers_heading"\nenabled = false\n')
    rules = load_rules(path)
    assert "quayside-promo" in rules.html.furniture and "newsletter" in rules.html.furniture
    assert "teasers_heading" not in [rule.name for rule in rules.html.line_rules]
    assert "teasers_heading" in [rule.name for rule in RULES.html.line_rules]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[credit]\nagences = []\n", "no key 'agences'"),  # a typo'd key in an HTML section
        ("[creditz]\nagencies = []\n", r"unknown section \[creditz\]"),
        ('[credits]\nagencies_extra = "AP"\n', "must be a list"),
        ('[splitter]\nwrap_min = "wide"\n', "whole number"),
        ("[splitter]\nmax_title_words = 2.5\n", "max_title_words must be a whole number"),  # not cut to 2
        ("[splitter]\nmax_title_words = true\n", "max_title_words must be a whole number"),  # not read as 1
        ("[splitter]\nwrap_min = -1\n", "wrap_min must be a whole number, 0 or more"),
        # Rules are layered by name: a second of one name would replace the first unseen.
        ('[[lines]]\nname = "pager"\npattern = "next"\n\n[[lines]]\nname = "pager"\npattern = "prev"\n',
         "two \\[\\[lines\\]\\] rules are named 'pager'"),
    ],
)
def test_unknown_sections_and_keys_name_themselves(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        load_rules(_write(tmp_path, text))


def test_the_rules_fingerprint_follows_what_the_rules_do(tmp_path):
    import subprocess
    import sys

    default = load_rules().fingerprint
    # Stable across processes (no hash randomization, no paths or times in it).
    other = subprocess.run([sys.executable, "-c", "from transforms.rules import load_rules; "
                            "print(load_rules().fingerprint)"], capture_output=True, text=True, check=True)
    assert other.stdout.strip() == default and len(default) == 16
    # Restating a default rule, or changing only its comment, does the same: same fingerprint.
    same = _write(tmp_path, '[[boilerplate]]\nname = "read_original_on"\nwhy = "a comment of mine"\n')
    assert load_rules(same).fingerprint == default
    # Switching it off, adding a rule or changing a credit list does something else.
    off = tmp_path / "off.toml"
    off.write_text('[[boilerplate]]\nname = "read_original_on"\nenabled = false\n', encoding="utf-8")
    added = tmp_path / "added.toml"
    added.write_text('[[boilerplate]]\nname = "ferry_times"\npattern = "ferry times: .*"\n', encoding="utf-8")
    credits = tmp_path / "credits.toml"
    credits.write_text('[credits]\nagencies_extra = ["Gull Wire"]\n', encoding="utf-8")
    html = tmp_path / "html.toml"   # the HTML reader's vocabulary is part of the rules too
    html.write_text('[furniture]\nwords_extra = ["quayside-promo"]\n', encoding="utf-8")
    prints = {load_rules(p).fingerprint for p in (off, added, credits, html)}
    assert len(prints) == 4 and default not in prints


def test_month_names_are_rules_data(tmp_path):
    # A rules file may name the months otherwise (here Swedish); twelve lists, January's first.
    months = [["januari"], ["februari"], ["mars"], ["april"], ["maj"], ["juni"], ["juli"],
              ["augusti"], ["september"], ["oktober"], ["november"], ["december"]]
    rules = load_rules(_write(tmp_path, f"[dates]\nmonths = {months!r}\n"))
    parts = split_dump(f"3 maj 2024\n\n{BODY}", rules)
    assert parts.published_at == dt.datetime(2024, 5, 3, tzinfo=dt.timezone.utc)
    for wrong in ("[['jan']]", "5", "'january'"):
        with pytest.raises(RulesError, match="twelve lists"):
            load_rules(_write(tmp_path, f"[dates]\nmonths = {wrong}\n"))


def test_page_lines_after_a_syndication_footer_go_with_it():
    # A copied page ends with 'Most read' and headlines after the footer. Before: the footer
    # and all of them stayed in the body, and no publisher was found.
    footer = "Read the original article on Pier Weekly"
    page = ["Most read", "Ferry fares rise for the summer", "New café opens on the quay"]
    parts = split_dump(BODY + footer + "\n\n" + "\n".join(page) + "\n", RULES)
    assert parts.paragraphs == BODY_PARAGRAPHS and parts.publisher == "Pier Weekly"
    assert parts.boilerplate == (Removed("read_original_on", footer), *(Removed("after_footer", p) for p in page))


def test_a_paragraph_after_a_footer_keeps_the_footer_in_the_body():
    # A paragraph after the footer: the article goes on, nothing is taken.
    after = "The harbour board said it would publish the new fees on its website by the end of the week."
    parts = split_dump(BODY + "Read the original article on Pier Weekly\n\n" + after + "\n", RULES)
    assert parts.publisher is None and parts.boilerplate == ()


def test_short_lines_after_a_copyright_line_are_not_taken():
    # A copyright line sits in a credits roll in mid-text (a real transcript's did).
    parts = split_dump(BODY + "© 1978 Pier Weekly\n\nMusic by Jane Roe\n", RULES)
    assert parts.boilerplate == () and parts.paragraphs[-1] == "Music by Jane Roe"


def test_every_anywhere_and_body_rule_matches_lines_of_bounded_length():
    # A paragraph longer than the widest line these rules can match is not tried against
    # them; one unbounded rule ('\d+') had every paragraph of every dump tried.
    from transforms.boilerplate import _widest

    assert _widest(RULES.inside_rules) <= 250
