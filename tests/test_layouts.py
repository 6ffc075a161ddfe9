"""scripts/layouts.py: its layouts of an invented article, split back into the article."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_SPEC = importlib.util.spec_from_file_location(
    "layouts", Path(__file__).resolve().parent.parent / "scripts" / "layouts.py")
layouts = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(layouts)

TRUTH = {
    "image_alt": "Fishing boats moored at the old quay at dusk",
    "caption": "Fishing boats wait out the storm at the old quay in Portvale on Monday.",
    "caption_credit": "Ada Lind/Harbour Press",
    "bullets": ["The quay will be rebuilt next year.", "Boats moor at the south pier meanwhile."],
    "paragraphs": [
        "The council voted on Monday to rebuild the old quay before the winter storms, after two "
        "years of talks with the harbour board, the ferry company and the fishermen's union.",
        "Work crews start in March, the council said, and finish in the autumn, weather permitting; "
        "the quay stays open to walkers at weekends while the work goes on.",
        "Fishing crews will use the south pier until then, and the ferry keeps its timetable.",
    ],
    "publisher": "Portvale Post",
    "boilerplate": ["Read the original article on Portvale Post"],
}


def test_every_variant_applies_one_change_and_keeps_the_truth_it_is_scored_on():
    seen = {}
    for variant, _name, truth, text, _ in layouts.variants([("quay", TRUTH)]):
        seen[variant] = (truth, text)
        assert truth["paragraphs"] == TRUTH["paragraphs"]
    assert seen["para_wrap72"][1] != seen["ref_seedlike"][1]
    first = TRUTH["paragraphs"][0]
    assert first not in seen["para_wrap72"][1] and first in seen["ref_seedlike"][1]
    assert max(len(line) for line in seen["para_wrap72"][1].split("\n\n")[2].splitlines()) <= 72
    assert seen["cred_photo_parenline"][0]["caption_credit"] == "Photo: Ada Lind/Harbour Press"
    assert seen["foot_03"][0]["boilerplate"] == ["Source: Portvale Post"]


def test_the_reference_layouts_and_the_wrapped_ones_split_back_into_the_article():
    scores = layouts.score([("quay", TRUTH)], ("ref_", "para_wrap", "bare_wrap", "title_", "byline", "dateline",
                                               "tail_", "bul_"))
    assert scores and all(right == total for right, total in scores.values()), scores


def test_a_variant_split_wrong_is_counted_as_wrong():
    # 'Source: X' closing an article is left as its last paragraph (a sentence may open so).
    assert layouts.score([("quay", TRUTH)], ("foot_03",)) == {"foot_03": (0, 1)}
