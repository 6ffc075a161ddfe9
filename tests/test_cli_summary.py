"""The end-of-run summary table: pure formatting over run.json, and what `run` prints."""
from __future__ import annotations

import json

import pytest

from pipeline.cli import main
from pipeline.cli.summary import format_duration, format_summary, summary_rows

SUMMARY = {
    "output": "out",
    "duration_seconds": 2.0,
    "files_matched": 10,
    "inputs": 10,
    "articles": 7,
    "duplicates": 1,
    "rejects": 2,
    "rejects_by_reason": {"binary": 1, "empty": 1},
    "boilerplate_by_rule": {"follow_us": 2, "read_original_on": 5},
    "reconciled": True,
}

LANTERN = (
    "Paper lanterns float on the pond at dusk\n"
    "Families release paper lanterns on the mill pond during the autumn fair.Noor Haddad/AP\n"
    "  • The fair returns after a two-year pause.\n"
    "\n"
    "Several hundred lanterns drifted across the mill pond on Saturday evening as the fair came back.\n"
    "\n"
    "Organisers said the lanterns were made of rice paper and collected from the water afterwards.\n"
    "\n"
    "Read the original article on Millbrook Gazette\n"
)


def _labels(summary: dict) -> list[str]:
    return [label for label, _ in summary_rows(summary)]


def test_rows_in_order_with_breakdowns():
    rows = dict(summary_rows(SUMMARY))
    assert _labels(SUMMARY) == [
        "files matched", "articles", "duplicates", "rejects", "  binary", "  empty",
        "boilerplate removed", "  follow_us", "  read_original_on", "throughput", "duration", "output",
    ]
    assert rows["boilerplate removed"] == "7"
    assert rows["throughput"] == "5.0 files/s, 3.5 articles/s"
    assert rows["duration"] == "2.0 s"


def test_html_furniture_rows_only_when_pages_lost_some():
    assert "html furniture dropped" not in _labels(SUMMARY)
    rows = summary_rows({**SUMMARY, "furniture_by_rule": {"class": 4, "region": 2}})
    labels = [label for label, _ in rows]
    start = labels.index("html furniture dropped")
    assert labels[start:start + 3] == ["html furniture dropped", "  class", "  region"]
    assert dict(rows)["html furniture dropped"] == "6"


def test_pages_read_twice_shown_only_when_there_were_some():
    assert "html pages read twice" not in _labels(SUMMARY)
    assert dict(summary_rows({**SUMMARY, "html_pages_read_twice": 3}))["html pages read twice"] == "3"


def test_inputs_shown_only_when_a_file_held_several():
    assert "inputs" not in _labels(SUMMARY)
    assert dict(summary_rows({**SUMMARY, "inputs": 25}))["inputs"] == "25"


def test_duplicates_only_when_present_and_by_kind_when_a_dict():
    without = {k: v for k, v in SUMMARY.items() if k != "duplicates"}
    assert "duplicates" not in _labels(without)
    rows = summary_rows({**SUMMARY, "duplicates": {"exact": 3, "near": 2}})
    assert ("duplicates", "5") in rows and ("  exact", "3") in rows and ("  near", "2") in rows


def test_incremental_skips_and_missing_metrics_are_said():
    rows = dict(summary_rows({**SUMMARY, "files_unchanged": 6, "files_processed": 4,
                              "metrics_available": False}))
    assert rows["  unchanged, skipped"] == "6" and rows["  processed"] == "4"
    assert rows["boilerplate removed"].startswith("-")
    assert "  follow_us" not in rows


def test_table_aligns_numbers_and_warns_when_not_reconciled():
    text = format_summary({**SUMMARY, "files_matched": 1200, "inputs": 1200})
    lines = text.splitlines()
    # Numbers are right-aligned in one column: every count ends in the same column.
    ends = {len(line) for line in lines if line.split()[-1].replace(",", "").isdigit()}
    assert len(ends) == 1
    assert "1,200" in text
    assert "WARNING" not in text
    assert "WARNING" in format_summary({**SUMMARY, "reconciled": False})


@pytest.mark.parametrize("seconds, shown", [
    (0.4, "0.4 s"), (59.94, "59.9 s"), (185, "3 min 05 s"), (7440, "2 h 04 min"), (None, "-")])
def test_format_duration(seconds, shown):
    assert format_duration(seconds) == shown


def test_run_prints_the_table_from_the_same_numbers_as_run_json(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "lanterns.txt").write_text(LANTERN, encoding="utf-8")
    (inbox / "twin.txt").write_text(LANTERN, encoding="utf-8")
    (inbox / "blank.txt").write_text("   \n\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "run.json").read_text())
    assert printed == format_summary(summary)
    rows = dict(summary_rows(summary))
    assert rows["files matched"] == "3"
    assert rows["  empty"] == "1"
    assert rows["  read_original_on"] == "2"
    if "duplicates" in summary:  # the dedupe step keeps one of the two identical articles
        assert rows["duplicates"] == str(summary["duplicates"])


def test_a_failed_run_still_prints_its_summary_and_exits_3(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "lanterns.txt").write_text(LANTERN, encoding="utf-8")
    (inbox / "blank.txt").write_text("\n", encoding="utf-8")
    code = main(["run", "--input", str(inbox / "*"), "--output", str(tmp_path / "out"),
                 "--progress", "off", "--max_reject_rate", "0.1"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out.startswith("files matched")  # the table, though nothing was committed
    assert "  empty" in captured.out
    assert "run failed" in captured.err and "--max-reject-rate" in captured.err


def test_throughput_counts_only_the_files_an_incremental_run_read():
    rows = dict(summary_rows({**SUMMARY, "files_unchanged": 8, "files_processed": 2}))
    assert rows["throughput"] == "1.0 files/s, 3.5 articles/s"
