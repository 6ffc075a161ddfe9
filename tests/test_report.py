"""`article-ingest report`: a self-contained HTML report built from a small real run."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.cli import main
from pipeline.cli.report import CHARTS, _nice_width, report_data

# (file name, dump): three publishers, captions with and without credit, bullets or none.
DUMPS = {
    "bakery.txt": (
        "A baker lifts loaves from a stone oven\n"
        "The bakery on Mill Lane fires its stone oven before dawn every day.Tove Ek/TT\n"
        "  • The bakery turns one hundred this month.\n"
        "\n"
        "A bakery that has fed Mill Lane for a century marked its anniversary with free bread on Friday.\n"
        "\n"
        "The owners said the oven, rebuilt twice, still burns beech wood.\n"
        "\n"
        "Read the original article on Lane Post\n"
    ),
    "choir.txt": (
        "The youth choir rehearses in the town hall before the regional final.\n"
        "\n"
        "A youth choir from the valley has reached the regional final for the first time.\n"
        "\n"
        "Its thirty singers rehearse twice a week in the town hall, their director said.\n"
        "\n"
        "Sign up for our newsletter\n"
        "\n"
        "The post Valley choir reaches regional final appeared first on Valley Voice.\n"
    ),
    "market.txt": (
        "Stalls of the Saturday market\n"
        "Traders set up their stalls in the square as the Saturday market opens.Lars Holm/AFP via Getty Images\n"
        "  • Twelve new stalls join the market.\n"
        "  • Parking in the square is closed on Saturdays.\n"
        "\n"
        "The Saturday market in the old square has grown by twelve stalls since the spring.\n"
        "\n"
        "Read the original article on Lane Post\n"
    ),
    "market-copy.txt": None,  # the same article again: a duplicate
    "only-footer.txt": "Read the original article on Lane Post\n",
    "blank.txt": "\n \n",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    inbox = root / "in"
    inbox.mkdir()
    for name, text in DUMPS.items():
        (inbox / name).write_text(text if text is not None else DUMPS["market.txt"], encoding="utf-8")
    out = root / "out"
    assert main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]) == 0
    return out


@pytest.fixture(scope="module")
def report_html(run_dir):
    assert main(["report", str(run_dir)]) == 0
    return (run_dir / "report.html").read_text(encoding="utf-8")


def _figure(html: str, chart_id: str) -> str:
    match = re.search(rf'<figure id="{chart_id}".*?</figure>', html, flags=re.DOTALL)
    assert match, f"chart {chart_id} missing"
    return match.group(0)


@pytest.mark.parametrize("chart_id", CHARTS)
def test_every_chart_is_present_and_drawn(report_html, chart_id):
    figure = _figure(report_html, chart_id)
    points = int(re.search(r'data-points="(\d+)"', figure).group(1))
    assert points > 0, f"{chart_id} has no data"
    assert "<svg" in figure
    bars = re.findall(rf'id="{chart_id}-bar-\d+"', figure)
    assert len(bars) == points  # one drawn bar per data point


def test_numbers_come_from_the_parquet(run_dir):
    data = report_data(run_dir)
    charts = {c.chart_id: c for c in data.charts}
    summary = json.loads((run_dir / "run.json").read_text())
    assert data.articles == summary["articles"]
    assert data.rejects == summary["rejects"]
    publishers = dict(zip(charts["publishers"].labels, charts["publishers"].values))
    assert publishers["Valley Voice"] == 1
    assert publishers["Lane Post"] == summary["articles"] - 1  # bakery, market (and its copy, if kept)
    rejects = dict(zip(charts["rejects"].labels, charts["rejects"].values))
    assert rejects == {"empty": 1, "no_article_text": 1}
    rules = dict(zip(charts["boilerplate"].labels, charts["boilerplate"].values))
    assert rules["newsletter_prompt"] == 1 and rules["post_appeared_first"] == 1
    shares = dict(zip(charts["fields"].labels, charts["fields"].values))
    n = summary["articles"]
    with_bullets = 2 if n == 3 else 3
    assert shares["bullets"] == round(100 * with_bullets / n, 1)
    assert shares["publisher"] == 100.0
    assert sum(charts["word_counts"].values) == n
    assert sum(charts["per_day"].values) == n
    assert {reason for reason, _, _ in data.reject_examples} == {"empty", "no_article_text"}


def test_duplicates_section(report_html, run_dir):
    summary = json.loads((run_dir / "run.json").read_text())
    section = report_html.split('id="duplicates"', 1)[1]
    if "duplicates" in summary:
        assert f'<td class="n">{summary["duplicates"]}</td>' in section
    if summary.get("duplicates"):
        assert "market-copy.txt" in section or "market.txt" in section


def test_the_last_runs_figures_say_they_are_the_last_runs(report_html, run_dir):
    # The article and reject counts are the whole output's; run.json's are one run's.
    summary = json.loads((run_dir / "run.json").read_text())
    assert "files matched by the last run" in report_html
    assert f"<td>{summary['files_matched']}</td>" in report_html or str(summary["files_matched"]) in report_html
    assert "files matched<" not in report_html


def test_report_is_self_contained(report_html):
    assert "<script" not in report_html
    assert "<link" not in report_html
    assert "<img" not in report_html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', report_html)
    assert "@import" not in report_html
    assert not re.search(r"url\((?!#)", report_html)  # only references inside the document
    assert "<!DOCTYPE svg" not in report_html
    ids = re.findall(r' id="([^"]+)"', report_html)
    assert len(ids) == len(set(ids)), "element ids repeat across charts"
    references = re.findall(r'href="#([^"]+)"', report_html) + re.findall(r"url\(#([^)]+)\)", report_html)
    assert references
    for target in set(references):
        assert target in ids, f"dangling reference #{target}"


def test_out_option_and_not_an_output_dir(tmp_path, run_dir, capsys):
    target = tmp_path / "elsewhere" / "q.html"
    assert main(["report", str(run_dir), "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["report", str(empty)]) == 2
    assert "is it the --output directory" in capsys.readouterr().err


@pytest.mark.parametrize("top, width", [(0, 1), (19, 1), (40, 2), (95, 5), (180, 10), (1234, 100)])
def test_histogram_bin_width_is_round(top, width):
    assert _nice_width(top) == width


def test_per_day_counts_an_undated_article_by_its_ingest_date(tmp_path):
    # One article dated by its date line, one without a date: both are counted.
    body = ("The lane's bakery reopened on Monday after a month of repairs to its oven.\n\n"
            "Queues formed before dawn, the owner said.\n")
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "dated.txt").write_text(f"Bread queue on Mill Lane\n\nMarch 3, 2024\n\n{body}", encoding="utf-8")
    (inbox / "undated.txt").write_text(body.replace("bakery", "butcher"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]) == 0
    per_day = {c.chart_id: c for c in report_data(out).charts}["per_day"]
    assert sum(per_day.values) == 2 and "2024-03-03" in per_day.labels
    assert "Articles without a publication date (1) are counted by their ingest date" in per_day.note
