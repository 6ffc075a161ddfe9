"""Smoke run of the benchmark harness: it keeps working and reports sane figures.

Only the shape and the sign of the figures are checked: timings are the benchmark's job,
never a unit test's.
"""
from __future__ import annotations

import json

from pipeline.bench import _article, format_table, generate_dumps, main, render_html, render_text


def _positive_figures(mode: dict) -> None:
    for key in ("seconds", "articles_per_second", "mb_per_second", "cpu_seconds",
                "articles_per_cpu_second", "peak_rss_mib", "wall_seconds_incl_start"):
        assert isinstance(mode[key], (int, float)) and mode[key] > 0, (key, mode[key])
    assert mode["processes"] >= 1


def test_generator_is_deterministic(tmp_path):
    first = generate_dumps(tmp_path / "one", 30, seed=7)
    second = generate_dumps(tmp_path / "two", 30, seed=7)
    assert first["bytes"] == second["bytes"]
    names = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.txt"))
    assert len(names) == 30
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_renderings_hold_the_same_article():
    parts = _article(3, 0) | {"kind": "text"}
    text, html = render_text(parts), render_html(parts)
    for paragraph in parts["paragraphs"]:
        assert paragraph in text and paragraph in html
    if parts["caption"]:
        assert "<figcaption>" in html


def test_smoke_run_reports_every_mode(tmp_path):
    report_path = tmp_path / "bench.json"
    code = main(["-n", "20", "--work", str(tmp_path / "work"), "--startup_repeat", "1",
                 "--json", str(report_path)])
    assert code == 0
    report = json.loads(report_path.read_text())
    assert report["n"] == 20
    assert {"a", "b", "c"} <= set(report["modes"])
    for mode in report["modes"].values():
        _positive_figures(mode)
    for mode in ("a", "b", "c"):
        assert report["modes"][mode]["articles"] > 15  # a few generated dumps are rejects by design
    assert report["modes"]["b"]["processes"] > 1  # the multi_processing workers were counted
    for name in ("a/c", "b/a"):
        assert report["ratios"][name] > 0
    assert report["startup_seconds"] > 0 and report["startup_cpu_seconds"] > 0
    assert report["cpu_ratios"]["a/c"] > 0
    assert "| mode |" in format_table(report)


def test_incremental_bench_smoke(tmp_path):
    """scripts/incremental_bench.py: a full run, then a rerun that reads only the new dumps."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "incremental_bench.py"
    done = subprocess.run([sys.executable, str(script), str(tmp_path), "-n", "40", "--new-share", "0.1",
                           "--json", str(tmp_path / "inc.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "inc.json").read_text())
    assert (result["full"]["files_processed"], result["full"]["files_unchanged"]) == (40, 0)
    assert (result["incremental"]["files_processed"], result["incremental"]["files_unchanged"]) == (4, 40)
    assert result["ratio_wall"] > 0 and result["ratio_duration"] > 0
