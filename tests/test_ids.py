"""Article ids: from the body alone, stable across footers, renderers and runs."""

import datetime as dt
import re

import pytest

from schemas.record import Article
from transforms.formats.text import ingest_bytes
from transforms.ids import article_id
from transforms.rules import load_rules

RULES = load_rules()
NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)

PARAGRAPHS = (
    "The Vetra glassworks in Ostrand has hired six apprentices this year.",
    "The apprentices will spend three years learning to blow, cut and engrave glass.",
    "A shop selling seconds opens beside the furnace hall in May.",
)
BODY = "\n\n".join(PARAGRAPHS)

# One article as three renderers and two syndication footers present it.
RENDERINGS = {
    "seedlike": (
        "Glassblower at the furnace\n"
        "A glassblower shapes a vase at the Vetra works.Kai Lind/NTB\n"
        "  • Six apprentices join the Vetra glassworks.\n\n"
        f"{BODY}\n\n\u00a0\n\nRead the original article on Ostrand Tidende"
    ),
    "w3m": (
        "\nA glassblower shapes a vase at the Vetra works.Kai Lind/NTB\n\n"
        "  • Six apprentices join the Vetra glassworks.\n\n"
        f"{BODY}\n\nThis article was originally published by Glass Trade Digest. Read the original article.\n"
    ),
    "markdown": (
        "![Glassblower at the furnace](https://img.example/glass.jpg)\n\n"
        "A glassblower shapes a vase at the Vetra works.\n\nKai Lind/NTB\n\n"
        "* Six apprentices join the Vetra glassworks.\n\n"
        "The **Vetra glassworks** in Ostrand has hired six apprentices this year.\n\n"
        "The apprentices will spend three years learning to [blow, cut and engrave](https://x.example/) glass.\n\n"
        "A shop selling seconds opens beside the furnace hall in May.\n\n"
        "The post Six apprentices for Vetra appeared first on Ostrand Tidende.\n"
    ),
    "crlf_bom": "\ufeff"
    + f"{BODY}\n\nRead more of this story at Ostrand Tidende.".replace("\n", "\r\n"),
}


def _id(text: str) -> str:
    outcome = ingest_bytes(text.encode("utf-8"), "mem://x", RULES, NOW)
    assert isinstance(outcome, Article), outcome
    assert outcome.paragraphs == PARAGRAPHS
    return outcome.article_id


def test_same_body_same_id_across_renderers_and_footers():
    ids = {name: _id(text) for name, text in RENDERINGS.items()}
    assert len(set(ids.values())) == 1, ids
    assert set(ids.values()) == {article_id(PARAGRAPHS)}


def test_id_is_32_hex_digits():
    assert re.fullmatch(r"[0-9a-f]{32}", article_id(PARAGRAPHS))


def test_id_is_fixed_across_runs():
    # A stored id must not change from one release to the next: deduplication keys on it.
    assert article_id(("One short paragraph.",)) == "e3249627d163b20970ef2a701488227f"
    assert article_id(["One short paragraph."]) == "e3249627d163b20970ef2a701488227f"


@pytest.mark.parametrize(
    "variant",
    [
        tuple(p.upper() for p in PARAGRAPHS),
        tuple(p.replace(",", "").replace(".", "") for p in PARAGRAPHS),
        tuple(p.replace(" ", "  ") for p in PARAGRAPHS),
        tuple(p.replace(" ", "\u00a0") for p in PARAGRAPHS),
        (" ".join(PARAGRAPHS),),  # paragraph breaks placed differently
    ],
    ids=["case", "punctuation", "spacing", "nbsp", "joined"],
)
def test_renderer_noise_does_not_change_the_id(variant):
    assert article_id(variant) == article_id(PARAGRAPHS)


def test_nfc_and_nfd_give_the_same_id():
    assert article_id(("Cafe\u0301 on the quay.",)) == article_id(("Café on the quay.",))


@pytest.mark.parametrize(
    "other",
    [
        PARAGRAPHS[:2],
        PARAGRAPHS + ("One more paragraph.",),
        (PARAGRAPHS[0].replace("six", "seven"),) + PARAGRAPHS[1:],
        tuple(reversed(PARAGRAPHS)),
    ],
    ids=["shorter", "longer", "one_word", "reordered"],
)
def test_different_body_different_id(other):
    assert article_id(other) != article_id(PARAGRAPHS)


def test_caption_bullets_and_footer_do_not_enter_the_id():
    a = _id(RENDERINGS["seedlike"])
    b = _id(RENDERINGS["seedlike"].replace("Kai Lind/NTB", "Other Name/AP").replace("Six", "Seven"))
    assert a == b


LONE_CAPTION = "Apprentices line up by the furnace hall on their first morning."


@pytest.mark.parametrize("layout", ["seedlike", "w3m", "markdown"])
def test_a_lone_caption_counts_as_body_so_every_rendering_gets_one_id(layout):
    """A caption with no alt text and no credit: a text browser marks the image with a
    blank first line and markdown with an image, so they read a caption, but a scraped
    text dump cannot tell it from the first paragraph. The id is the same either way."""
    dump = {
        "seedlike": f"{LONE_CAPTION}\n\n{BODY}\n",
        "w3m": f"\n{LONE_CAPTION}\n\n{BODY}\n",
        "markdown": f"![](https://img.example/hall.jpg)\n\n{LONE_CAPTION}\n\n{BODY}\n",
    }[layout]
    outcome = ingest_bytes(dump.encode("utf-8"), "mem://x", RULES, NOW)
    assert isinstance(outcome, Article), outcome
    if layout == "seedlike":  # before: read as a paragraph, as a scraped dump shows it
        assert (outcome.caption, outcome.paragraphs) == (None, (LONE_CAPTION, *PARAGRAPHS))
    else:  # after: a caption, and still in the id
        assert (outcome.caption, outcome.paragraphs) == (LONE_CAPTION, PARAGRAPHS)
    assert outcome.article_id == article_id((LONE_CAPTION, *PARAGRAPHS))
    assert outcome.article_id == article_id(PARAGRAPHS, caption=LONE_CAPTION)


@pytest.mark.parametrize("with_", ["alt", "credit"])
def test_a_caption_with_alt_text_or_a_credit_stays_out_of_the_id(with_):
    kwargs = {"image_alt": "Apprentices at the furnace"} if with_ == "alt" else {"caption_credit": "Kai Lind/NTB"}
    assert article_id(PARAGRAPHS, caption=LONE_CAPTION, **kwargs) == article_id(PARAGRAPHS)


def test_soft_hyphens_do_not_change_the_id():
    assert article_id(("The apprentices learn to en\u00adgrave glass.",)) == article_id(
        ("The apprentices learn to engrave glass.",)
    )


# The fingerprint's first definition, kept as the reference: ids must never change, or
# deduplication against earlier runs' outputs would break.
_REFERENCE_NON_WORD = re.compile(r"[\W_]+")


def _reference_fingerprint(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", text.replace("\u00ad", "")).casefold()
    return _REFERENCE_NON_WORD.sub(" ", text).strip()


@pytest.mark.parametrize("text", [
    "", "   ", "___", "a_b", "Ünïcödé — “quoted” text…", "x\u00a0y\u2009z\u3000w", "ﬁnance ＡＢＣ ①",
    "混合テキスト、句読点。And English!", "tab\tnew\nline\x1cfs\x85nel", "\ud800 lone surrogate",
    "Straße İstanbul ΣΑΣ", "١٢٣ أرقام", "soft\u00adhyphen", "e\u0301 combining",
])
def test_fingerprint_equals_the_reference_definition(text):
    from transforms.ids import _fingerprint

    assert _fingerprint(text) == _reference_fingerprint(text)


def test_fingerprint_equals_the_reference_on_arbitrary_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from transforms.ids import _fingerprint

    @settings(max_examples=2000, deadline=None)
    @given(st.text())
    def check(text):
        assert _fingerprint(text) == _reference_fingerprint(text)

    check()


def test_an_html_figure_with_a_lone_caption_gets_the_text_dumps_id():
    from transforms.context import IngestContext
    from transforms.formats.html import html_to_article

    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = (f"<html><body><article><figure><img src='hall.jpg' alt=''>"
            f"<figcaption>{LONE_CAPTION}</figcaption></figure>{body}</article></body></html>")
    outcome = html_to_article(page, "mem://page.html", IngestContext(RULES, NOW, "html"))
    assert isinstance(outcome, Article), outcome
    assert (outcome.caption, outcome.image_alt, outcome.paragraphs) == (LONE_CAPTION, None, PARAGRAPHS)
    seedlike = ingest_bytes(f"{LONE_CAPTION}\n\n{BODY}\n".encode(), "mem://x", RULES, NOW)
    assert outcome.article_id == seedlike.article_id
