"""`article-ingest inspect`: every line of a dump labelled with where it went."""
from __future__ import annotations

import json
import os

import pytest

from pipeline.cli import main
from pipeline.cli.inspect import inspect_bytes, label_lines, records_json, render
from transforms.rules import load_rules
from transforms.split import split_dump

ORCHARD = (
    "Rows of apple trees in blossom\n"
    "Blossom covers the old orchard above the village in early May.Mara Lind/Reuters\n"
    "  • The orchard is open to visitors on weekends.\n"
    "  • Cider from last year's harvest is sold at the gate.\n"
    "\n"
    "The orchard above the village has been farmed by the same family for four generations.\n"
    "#####\n"
    "\n"
    "This spring the trees flowered two weeks earlier than usual after a mild winter.\n"
    "\n"
    "Read the original article on Hillside Weekly\n"
)
# Line numbers of ORCHARD and what each must be labelled.
ORCHARD_LABELS = [
    (1, "alt"), (2, "caption"), (2, "credit"), (3, "bullet"), (4, "bullet"), (5, "dropped: blank"),
    (6, "paragraph"), (7, "dropped: no text"), (8, "dropped: blank"), (9, "paragraph"),
    (10, "dropped: blank"), (11, "boilerplate: read_original_on"),
]

STATION = (
    "# Night trains return to the old station\n"
    "\n"
    "![Sleeper carriages at a platform](https://img.example/train.jpg)\n"
    "\n"
    "A sleeper train waits at platform two before its first run in a decade\n"
    "\n"
    "Photo: Ines Duarte\n"
    "\n"
    "---\n"
    "\n"
    "Night trains to the coast leave the old station again from this week, the rail company said.\n"
    "\n"
    "Tickets for the first month sold out within two days.\n"
)


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _tags(text: str, rules) -> list[tuple[int, str]]:
    return [(line.number, line.tag) for line in label_lines(text, split_dump(text, rules))]


def test_every_line_of_a_reference_dump_is_labelled(rules):
    assert _tags(ORCHARD, rules) == ORCHARD_LABELS


def test_markdown_title_alt_caption_credit_and_rule_line(rules):
    assert _tags(STATION, rules) == [
        (1, "title"), (2, "dropped: blank"), (3, "alt"), (4, "dropped: blank"), (5, "caption"),
        (6, "dropped: blank"), (7, "credit"), (8, "dropped: blank"), (9, "dropped: markdown rule"),
        (10, "dropped: blank"), (11, "paragraph"), (12, "dropped: blank"), (13, "paragraph"),
    ]


def test_a_credit_glued_to_its_caption_is_shown_as_a_part_of_its_own(rules):
    """Before: one line 'caption+credit' with both glued; now the line's two parts, labelled."""
    lines = label_lines(ORCHARD, split_dump(ORCHARD, rules))
    assert [(line.number, line.label, line.text) for line in lines[1:3]] == [
        (2, "caption", "Blossom covers the old orchard above the village in early May."),
        (2, "credit", "Mara Lind/Reuters"),
    ]
    bracketed = ORCHARD.replace("May.Mara Lind/Reuters", "May (Photo: Mara Lind)")
    parts = split_dump(bracketed, rules)
    assert parts.caption_credit == "Photo: Mara Lind"
    assert [(line.label, line.text) for line in label_lines(bracketed, parts)[1:3]] == [
        ("caption", "Blossom covers the old orchard above the village in early May"),
        ("credit", "(Photo: Mara Lind)"),
    ]


def test_crlf_lines_keep_their_numbers_and_text(rules):
    crlf = ORCHARD.replace("\n", "\r\n")
    lines = label_lines(crlf, split_dump(crlf, rules))
    assert [(line.number, line.tag) for line in lines] == ORCHARD_LABELS
    assert lines[0].text == "Rows of apple trees in blossom"


def test_render_shows_lines_and_outcome_with_colour_only_when_asked(rules):
    inspection = inspect_bytes(ORCHARD.encode(), "orchard.txt", rules)
    plain = render(inspection)
    assert "\x1b[" not in plain
    assert plain.splitlines()[0] == "orchard.txt (text)"
    caption = "Blossom covers the old orchard above the village in early May."
    assert f" 2  caption                        {caption}\n" in plain
    assert " 2  credit                         Mara Lind/Reuters\n" in plain
    assert "11  boilerplate: read_original_on  Read the original article on Hillside Weekly" in plain
    assert "result: article " in plain and "publisher 'Hillside Weekly'" in plain
    assert "2 bullets, 2 paragraphs" in plain
    coloured = render(inspection, color=True)
    assert "\x1b[31mboilerplate: read_original_on" in coloured


def test_a_byline_and_date_line_show_as_removed_and_in_the_outcome(rules):
    dump = "Orchard in bloom draws visitors\n\nBy Mara Lind\n\nMay 4, 2024\n\n" + ORCHARD
    plain = render(inspect_bytes(dump.encode(), "orchard.txt", rules))
    assert " 1  title " in plain and " 3  boilerplate: byline " in plain and " 5  boilerplate: dateline " in plain
    assert "by Mara Lind, published 2024-05-04T00:00:00+00:00" in plain


def test_a_rejected_dump_still_shows_its_lines(rules):
    inspection = inspect_bytes(b"Read the original article on Hillside Weekly\n", "footer.txt", rules)
    assert [line.tag for line in inspection.lines] == ["boilerplate: read_original_on"]
    assert "result: rejected, no_article_text" in render(inspection)


def test_undecodable_bytes_show_the_reject_only(rules):
    inspection = inspect_bytes(b"\x00\x01\x02\x89PNG\x00\x00", "image.png", rules)
    assert inspection.lines is None
    assert "result: rejected, binary" in render(inspection)


def test_html_is_shown_as_its_record_only(rules):
    page = b"<!DOCTYPE html><html><body><article><p>Ferries resume.</p></article></body></html>"
    inspection = inspect_bytes(page, "page.html", rules)
    assert inspection.lines is None
    assert inspection.format == "html"
    assert "line labels are shown for text and markdown dumps only" in render(inspection)


def test_records_json_is_the_row_the_pipeline_writes(rules):
    inspection = inspect_bytes(ORCHARD.encode(), "orchard.txt", rules)
    record = json.loads(records_json(inspection.outcomes))
    assert record["caption_credit"] == "Mara Lind/Reuters"
    assert record["publisher"] == "Hillside Weekly"
    assert record["boilerplate"] == [
        {"rule": "read_original_on", "text": "Read the original article on Hillside Weekly"}]
    assert record["ingested_at"].endswith("+00:00")


@pytest.fixture
def orchard_file(tmp_path):
    path = tmp_path / "orchard.txt"
    path.write_text(ORCHARD, encoding="utf-8")
    return path


def test_cli_plain_when_not_a_terminal(orchard_file, capsys):
    assert main(["inspect", str(orchard_file)]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out and " 2  credit " in out


def test_cli_colour_always_and_no_color(orchard_file, capsys, monkeypatch):
    assert main(["inspect", str(orchard_file), "--color", "always"]) == 0
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["inspect", str(orchard_file)]) == 0
    assert "\x1b[" in capsys.readouterr().out  # a terminal: colour
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["inspect", str(orchard_file)]) == 0
    assert "\x1b[" not in capsys.readouterr().out


def test_cli_json(orchard_file, capsys, rules):
    from pipeline import version

    assert main(["inspect", str(orchard_file), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["image_alt"] == "Rows of apple trees in blossom"
    assert len(record["paragraphs"]) == 2
    # The provenance a run stamps on the row, but the run's id.
    assert (record["source_file"], record["pipeline_version"], record["rules_fingerprint"], record["run_id"]) == (
        str(orchard_file), version(), rules.fingerprint, None)


def test_cli_jsonl_field_names_the_keys_as_in_run(tmp_path, capsys):
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps({"story": "The orchard opened its gates on Sunday for the first harvest walk.",
                                "link": "https://news.example/orchard"}) + "\n", encoding="utf-8")
    assert main(["inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reason"] == "missing_field"
    assert main(["inspect", str(path), "--json", "--jsonl-field", "text=story", "--jsonl-field", "url=link"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["url"] == "https://news.example/orchard" and len(record["paragraphs"]) == 1


def test_cli_rules_file_moves_a_line_to_boilerplate(orchard_file, tmp_path, capsys):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(
        '[[boilerplate]]\nname = "cider_plug"\nwhy = "a sales line, not news"\nwhere = "anywhere"\n'
        "pattern = '''cider from .* sold at the gate\\.'''\n", encoding="utf-8")
    assert main(["inspect", str(orchard_file), "--rules", str(rules_file)]) == 0
    out = capsys.readouterr().out
    assert " 4  boilerplate: cider_plug" in out
    assert "1 bullet," in out


def test_cli_missing_file_and_bad_rules_are_usage_errors(tmp_path, orchard_file, capsys):
    assert main(["inspect", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[boilerplate]]\nname = "oops"\npattern = "(unclosed"\n', encoding="utf-8")
    assert main(["inspect", str(orchard_file), "--rules", str(bad)]) == 2
    assert "oops" in capsys.readouterr().err


def test_inspect_of_a_fifo_no_one_writes_to_does_not_wait_for_good(tmp_path, capsys):
    fifo = tmp_path / "landing.txt"
    os.mkfifo(fifo)
    assert main(["inspect", str(fifo)]) == 0  # before: blocked until killed
    assert "empty" in capsys.readouterr().out


def test_inspect_reads_a_pipe_to_its_end(tmp_path, capsys):
    # `inspect /dev/stdin` and `inspect <(zcat a.gz)` read a pipe (a review finding: a first
    # fix refused every pipe). The pipe's data waits in its buffer, its writer gone.
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    story = "The pier reopens on Monday after a winter of repairs.\n\nAnglers are welcome again.\n"
    holder = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # keeps the buffer once the writer is gone
    try:
        with open(fifo, "w") as handle:
            handle.write(story)
        assert main(["inspect", "--json", str(fifo)]) == 0
    finally:
        os.close(holder)
    assert "Anglers are welcome again." in capsys.readouterr().out


def test_inspect_prints_a_field_holding_a_lone_surrogate(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    text = "The harbour crane will be ready by June, two months later than the board planned."
    path.write_text(json.dumps({"text": text, "title": "Crane \ud800 delayed"}) + "\n")
    assert main(["inspect", str(path)]) == 0  # before: UnicodeEncodeError and a traceback
    assert main(["inspect", "--json", str(path)]) == 0
