"""Golden tests: each folder under fixtures/dumps holds one invented dump and every field
the splitter must find in it (expected.json)."""

import codecs
import datetime as dt
import json
from pathlib import Path

import pytest

from schemas.record import Article
from transforms.formats.text import ingest_bytes
from transforms.rules import load_rules

RULES = load_rules()
NOW = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
DUMPS = Path(__file__).parent / "fixtures" / "dumps"
CASES = sorted(folder.name for folder in DUMPS.iterdir() if folder.is_dir())
REQUIRED = {"image_alt", "caption", "caption_credit", "bullets", "paragraphs", "publisher", "title"}


def _dump(case: str) -> Path:
    (path,) = (DUMPS / case).glob("dump*")
    return path


def _expected(case: str) -> dict:
    return json.loads((DUMPS / case / "expected.json").read_text(encoding="utf-8"))


def test_there_is_a_fixture_per_variant():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_fixture(case):
    expected = _expected(case)
    assert REQUIRED <= set(expected)
    path = _dump(case)
    outcome = ingest_bytes(path.read_bytes(), str(path), RULES, NOW)
    assert isinstance(outcome, Article), outcome
    row = outcome.to_row()
    row["boilerplate"] = [[removed["rule"], removed["text"]] for removed in row["boilerplate"]]
    for field, value in expected.items():
        assert row[field] == value, field
    # What must not be there: no footer line in the body, no credit left in the caption.
    removed = {text for _, text in row["boilerplate"]}
    assert not removed & set(row["paragraphs"])
    if row["caption_credit"] and row["caption"]:
        assert row["caption_credit"] not in row["caption"]


# The byte-level variants must stay what they are: an editor or a checkout that rewrites line
# endings or drops the BOM would leave these tests passing for the wrong reason.


def test_crlf_fixture_has_crlf_line_endings():
    data = _dump("crlf_line_endings").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 5


def test_bom_fixture_starts_with_a_utf8_bom():
    data = _dump("utf8_bom_trailing_space").read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert b" \n" in data and b"\t\n" in data


def test_utf16_fixture_is_utf16_with_bom_and_crlf():
    data = _dump("utf16_crlf_bom").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    assert "\r\n" in data.decode("utf-16")
