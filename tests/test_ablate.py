"""scripts/ablate_corpus.py: its renderings of invented truths split back into those truths.

A round trip over every variant (parts taken away, credits swapped, each footer style) and
every layout (seedlike, w3m, markdown): what the script measures on a real corpus, here on
two invented articles.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from transforms.rules import load_rules
from transforms.split import split_dump

_SPEC = importlib.util.spec_from_file_location(
    "ablate_corpus", Path(__file__).resolve().parent.parent / "scripts" / "ablate_corpus.py")
ablate = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ablate)

RULES = load_rules()
CASES = [
    ("case_one", {
        "image_alt": "Fishing boats moored at the old quay at dusk",
        "caption": "Fishing boats wait out the storm at the old quay in Portvale on Monday.",
        "caption_credit": "Ada Lind/Harbour Press",
        "bullets": ["The quay will be rebuilt next year.", "Boats moor at the south pier meanwhile."],
        "paragraphs": ["The council voted on Monday to rebuild the old quay before the winter storms.",
                       "Work crews start in March, the council said, and finish in the autumn.",
                       "Fishing crews will use the south pier until then."],
        "publisher": "Portvale Post",
        "boilerplate": ["Read the original article on Portvale Post"],
    }),
    ("case_two", {
        "image_alt": None,
        "caption": "Lanterns float down the canal during the autumn festival",
        "caption_credit": "REUTERS/Jon Reed",
        "bullets": ["The festival drew a record crowd."],
        "paragraphs": ["Thousands of people lined the canal on Saturday to watch the lanterns.",
                       "The organisers said next year's festival will last three days."],
        "publisher": "Canal Times",
        "boilerplate": ["Read more of this story at Canal Times."],
    }),
]
FIELDS = ("image_alt", "caption", "caption_credit", "bullets", "paragraphs", "publisher")


def _expected(truth: dict) -> dict:
    return {f: (tuple(truth.get(f) or ()) if f in ("bullets", "paragraphs") else truth.get(f)) for f in FIELDS}


VARIANTS = list(ablate.variants(CASES))


def test_every_variant_is_made():
    names = {variant for variant, _, _ in VARIANTS}
    assert names == {"full", "nobullets", "noimage", "bare", "altcap", "nocredit",
                     *(f"footer{k}" for k in range(5)), *(f"shift{k}" for k in ablate.SHIFTS)}
    shifted = [t["caption_credit"] for v, _, t in VARIANTS if v == "shift1"]
    assert shifted == ["REUTERS/Jon Reed", "Ada Lind/Harbour Press"]  # each gets the other's


@pytest.mark.parametrize("layout", list(ablate.LAYOUTS))
@pytest.mark.parametrize(("variant", "name", "truth"), VARIANTS,
                         ids=[f"{v}-{n}" for v, n, _ in VARIANTS])
def test_each_rendering_splits_back_into_its_truth(variant, name, truth, layout):
    parts = split_dump(ablate.render(truth, layout), RULES)
    assert {f: getattr(parts, f) for f in FIELDS} == _expected(truth)
    assert [r.text for r in parts.boilerplate] == [line for b in truth["boilerplate"] for line in b.split("\n\n")]


def test_a_lone_caption_line_without_alt_credit_or_bullets_reads_as_a_paragraph():
    """The one layout no splitter can read right, measured as `nocredit` on a real corpus:
    nothing tells a seedlike caption line standing alone from a first paragraph."""
    _, truth = CASES[1]
    truth = {**truth, "caption_credit": None, "bullets": []}
    parts = split_dump(ablate.render(truth, "seedlike"), RULES)
    assert parts.caption is None and parts.paragraphs == (truth["caption"], *truth["paragraphs"])
    parts = split_dump(ablate.render(truth, "w3m"), RULES)  # its blank first line tells
    assert parts.caption == truth["caption"] and parts.paragraphs == tuple(truth["paragraphs"])


def test_seedlike_rendering_is_the_reference_layout():
    _, truth = CASES[0]
    assert ablate.render(truth, "seedlike").splitlines()[:4] == [
        truth["image_alt"],
        truth["caption"] + truth["caption_credit"],
        "  • " + truth["bullets"][0],
        "  • " + truth["bullets"][1],
    ]


def test_disagreements_between_renderings_are_listed():
    ids = {
        "seedlike": {"full": {"case_one": "a1", "case_two": "b1"}, "nocredit": {"case_one": "a1"}},
        "w3m": {"full": {"case_one": "a1", "case_two": "b2"}, "nocredit": {}},
    }
    # case_two got two ids; nocredit/case_one was rejected in one rendering.
    assert ablate.disagreements(ids) == ([("full", "case_two"), ("nocredit", "case_one")], 3)
    assert ablate.disagreements({"seedlike": ids["seedlike"], "w3m": ids["seedlike"]}) == ([], 3)
