"""The generator of synthetic dumps (scripts/dumps.py) and a smoke run of the benchmark
harness (scripts/bench.py): it keeps working and reports sane figures.

Only the shape and the sign of the figures are checked: timings are the benchmark's job,
never a unit test's.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path

from _dumps import generator as dumps

from schemas.record import Article, Reject
from transforms.context import IngestContext
from transforms.ingest import ingest_file
from transforms.rules import load_rules

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _bench():
    spec = importlib.util.spec_from_file_location("bench", SCRIPTS / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_is_deterministic_and_rewrites_nothing(tmp_path):
    first = dumps.write_corpus(tmp_path / "one", 30, seed=7, mix="real", html_copy=True)
    second = dumps.write_corpus(tmp_path / "two", 30, seed=7, mix="real", html_copy=True)
    assert first["bytes"] == second["bytes"] and first["written"] == 30
    names = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.*"))
    assert len(names) == 60  # 30 inputs, 30 HTML copies
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    again = dumps.write_corpus(tmp_path / "one", 32, seed=7, mix="real", html_copy=True)
    assert again["written"] == 2  # only the new ones


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_parallel_corpus_is_byte_identical_to_the_serial_one(tmp_path):
    """--jobs N writes the same files, with the same bytes, and reports the same counts."""
    args = {"seed": 4, "mix": "real", "dups": True, "html_copy": True, "per_folder": 20}
    serial = dumps.write_corpus(tmp_path / "serial", 130, **args)
    parallel = dumps.write_corpus(tmp_path / "parallel", 130, jobs=3, **args)
    assert json.dumps(parallel) == json.dumps(serial)  # kinds counted in the same order too
    files = _tree(tmp_path / "serial")
    assert len(files) == 260 and len({name.split("/")[1] for name in files}) == 7
    assert _tree(tmp_path / "parallel") == files


def test_bench_writes_html_copies_only_when_a_mode_reads_them(tmp_path):
    bench = _bench()
    data = tmp_path / "data"
    without = bench.generate(data, 12, 0, "real", "text", packed=False, html=False, jobs=2)
    assert without["params"]["html"] is False and not (data / "html").exists()
    assert without["bytes"]["html"] == 0 and len(list((data / "dumps").rglob("*.*"))) == 12
    # Mode d needs the copies: the inputs are generated again, with them.
    with_html = bench.generate(data, 12, 0, "real", "text", packed=False, html=True)
    assert with_html["params"]["html"] is True and with_html["bytes"]["html"] > 0
    assert len(list((data / "html").rglob("*.html"))) == 12
    # A run without mode d reuses inputs that have them, and writes nothing.
    for path in (data / "html").rglob("*.html"):
        path.unlink()
    again = bench.generate(data, 12, 0, "real", "text", packed=False, html=False)
    assert again == with_html and not list((data / "html").rglob("*.html"))


def test_real_sizes_follow_news_articles():
    """Median about 5 KiB a file, a tail past 15 KiB, nothing much over 50 KiB."""
    sizes = [len(dumps.render_text(dumps.article(i, 3)).encode()) for i in range(600)]
    assert 4300 <= statistics.median(sizes) <= 6200
    assert max(sizes) > 15_000 and max(sizes) < 56_000
    small = [len(dumps.render_text(dumps.article(i, 3, size="small")).encode()) for i in range(300)]
    assert statistics.median(small) < statistics.median(sizes) / 1.5


def test_most_lines_are_not_ascii_as_in_real_news():
    text = "".join(dumps.render_text(dumps.article(i, 1) | {"kind": "text"}) for i in range(50))
    lines = [line for line in text.split("\n") if line.strip()]
    assert sum(not line.isascii() for line in lines) > 0.5 * len(lines)


def test_renderings_hold_the_same_article():
    parts = dumps.article(3, 0) | {"kind": "text"}
    text, html, feed = dumps.render_text(parts), dumps.render_html(parts), dumps.render_feed(parts)
    for paragraph in parts["paragraphs"]:
        assert paragraph in text
        assert dumps._esc(paragraph) in html and dumps._esc(paragraph) in feed


def test_every_generated_input_of_the_real_mix_is_read():
    """HTML pages and feeds are articles like the text dumps; only the empty and
    footer-only dumps are rejects, with the reason the generator meant."""
    ctx = IngestContext(load_rules(), dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    kinds = {}
    for index in range(200):
        parts, suffix, content = dumps.corpus_item(index, 5, mix="real")
        kinds[parts["kind"]] = kinds.get(parts["kind"], 0) + 1
        outcomes = list(ingest_file(content.encode(), f"in/{index}{suffix}", ctx))
        assert len(outcomes) == 1
        if parts["kind"] in ("empty", "footer_only"):
            assert isinstance(outcomes[0], Reject), parts["kind"]
            assert outcomes[0].reason in ("empty", "no_article_text")
        else:
            article = outcomes[0]
            assert isinstance(article, Article), (parts["kind"], article)
            assert len(article.paragraphs) >= len(parts["paragraphs"]) - 1
    assert kinds.get("html", 0) > 10 and kinds.get("feed", 0) > 3 and kinds.get("text", 0) > 100


def test_template_dumps_differ_by_n():
    assert len({dumps.dump(n) for n in range(50)}) == 50
    other = dumps.dump(4, publisher="Other Post")
    assert other.endswith("Read the original article on Other Post\n")
    assert dumps.long_dump(4).startswith(dumps.dump(4).split("Read the original")[0])


def test_smoke_run_reports_every_mode(tmp_path):
    bench = _bench()
    report_path = tmp_path / "bench.json"
    code = bench.main(["-n", "20", "--work", str(tmp_path / "work"), "--startup-repeat", "1",
                       "--modes", "a,b,c,core", "--json", str(report_path)])
    assert code == 0
    report = json.loads(report_path.read_text())
    assert report["n"] == 20 and report["size"] == "real"
    assert set(report["modes"]) == {"a", "b", "c", "core"}
    for mode in report["modes"].values():
        for key in ("seconds", "dumps_per_second", "mb_per_second", "cpu_seconds", "peak_rss_mib"):
            assert mode[key] > 0, (key, mode[key])
        assert mode["inputs"] == 20
        assert mode["articles"] > 15  # a few generated dumps are rejects by design
    assert report["modes"]["b"]["processes"] > 1  # the multi_processing workers were counted
    assert report["ratios"]["c/a"] > 0 and report["ratios"]["b/a"] > 0
    assert report["startup_seconds"] > 0 and report["startup_cpu_seconds"] > 0
    assert "| mode |" in bench.format_table(report)


def test_every_other_round_runs_the_modes_in_reverse_order(tmp_path, monkeypatch):
    """A machine that speeds up through a run would favour the modes measured last in every
    round; alternating the order spreads that over all of them."""
    bench = _bench()
    order = []

    def measure(mode, data, out):
        order.append(mode)
        return {"seconds": 1.0, "cpu_seconds": 1.0, "articles": 1, "inputs": 1, "peak_rss_bytes": 1,
                "processes": 1, "rss_mib_at": {}, "cpu_seconds_by_process": []}

    monkeypatch.setattr(bench, "compile_project", lambda: None)
    monkeypatch.setattr(bench, "generate", lambda *a, **k: {"bytes": {"dumps": 1}, "kinds": {}})
    monkeypatch.setattr(bench, "_median_size", lambda data: 1)
    monkeypatch.setattr(bench, "measure", measure)
    bench.run_bench(4, work=str(tmp_path), modes=("a", "b", "core"), repeat=3, startup_repeat=0)
    assert order == ["a", "b", "core", "core", "b", "a", "a", "b", "core"]


def test_the_report_gives_the_fastest_round_beside_the_median(tmp_path, monkeypatch):
    """Slow spells of a shared machine only add time: the best round of each mode, and the
    ratios of those, are reported beside the medians and the paired ratios."""
    bench = _bench()
    seconds = {"a": iter([2.0, 1.0, 3.0]), "d": iter([6.0, 4.0, 5.0])}

    def measure(mode, data, out):
        took = next(seconds[mode])
        return {"seconds": took, "cpu_seconds": took / 2, "articles": 4, "inputs": 4,
                "peak_rss_bytes": 1, "processes": 1, "rss_mib_at": {}, "cpu_seconds_by_process": []}

    monkeypatch.setattr(bench, "compile_project", lambda: None)
    monkeypatch.setattr(bench, "generate", lambda *a, **k: {"bytes": {"dumps": 1, "html": 1}, "kinds": {}})
    monkeypatch.setattr(bench, "_median_size", lambda data: 1)
    monkeypatch.setattr(bench, "_have_trafilatura", lambda: True)
    monkeypatch.setattr(bench, "measure", measure)
    report = bench.run_bench(4, work=str(tmp_path), modes=("a", "d"), repeat=3, startup_repeat=0)
    a = report["modes"]["a"]
    assert (a["dumps_per_second"], a["best_dumps_per_second"], a["best_dumps_per_cpu_second"]) == (2, 4, 8)
    assert report["ratios"]["a/d"] == 2.5  # medians: 5 s over 2 s
    assert report["paired_ratios"]["a/d"] == 3.0  # rounds: 3, 4 and 1.67
    assert report["best_ratios"]["a/d"] == 4.0  # 4 s over 1 s
    assert "best round over best round: a/d = 4.0" in bench.format_table(report)


def test_the_machine_probe_reports_its_loops_spread():
    spread = _bench().machine_spread(0.2)
    assert spread["tries"] >= 1 and spread["best_ms"] > 0
    assert spread["median_over_best"] >= 1.0 and 0.0 <= spread["slow_share"] <= 1.0


def test_incremental_bench_smoke(tmp_path):
    """scripts/incremental_bench.py: a full run, then a rerun that reads only the new dumps."""
    done = subprocess.run([sys.executable, str(SCRIPTS / "incremental_bench.py"), str(tmp_path),
                           "-n", "40", "--new-share", "0.1", "--json", str(tmp_path / "inc.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((tmp_path / "inc.json").read_text())
    assert (result["full"]["files_processed"], result["full"]["files_unchanged"]) == (40, 0)
    rerun = result["incremental"]
    assert (rerun["files_processed"], rerun["files_unchanged"]) == (4, 40)
    assert result["ratio_wall"] > 0 and result["ratio_duration"] > 0


def test_write_bench_times_every_article_of_a_baseline_too(tmp_path):
    """scripts/write_bench.py: each checkout's child ingests the dumps and reports how many
    articles it turned into rows and Arrow tables, with non-negative times."""
    dumps.write_corpus(tmp_path / "in", 12, seed=3)
    pattern = str(tmp_path / "in" / "**" / "*.*")
    script = SCRIPTS / "write_bench.py"
    out = subprocess.run([sys.executable, str(script), "--input", pattern, "--rounds", "1",
                          "--baseline", str(SCRIPTS.parent)],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert [line.split()[0] for line in out] == ["this", "baseline"]
    for line in out:
        figures = dict(zip(*[iter(line.split("(ms): ")[1].split())] * 2))
        assert set(figures) == {"to_row", "arrow_table", "total", "cpu"}
        assert all(float(value) >= 0 for value in figures.values())
        assert " 12 articles" in line


def test_the_harness_times_the_checkout_with_its_bytecode_written(tmp_path, monkeypatch):
    """Where PYTHONDONTWRITEBYTECODE is set, Python never writes bytecode and a checkout
    compiles every module at every start; an installed copy has its bytecode. The harness
    writes the checkout's first, so both are timed alike."""
    bench = _bench()
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    sources = []
    for package in bench.PACKAGES:
        (tmp_path / package / "inner").mkdir(parents=True)
        for name in ("__init__.py", "inner/__init__.py", "inner/step.py"):
            (tmp_path / package / name).write_text(f"VALUE = {name!r}\n")
            sources.append(tmp_path / package / name)
    bench.compile_project()
    assert all(Path(importlib.util.cache_from_source(str(source))).is_file() for source in sources)


def test_compare_trafilatura_times_the_dump_beside_each_page(tmp_path, monkeypatch, capsys):
    """`--dumps NAME`: ingest_file over the file NAME in each page's folder, against the peer
    on the page (a stand-in for trafilatura here, which is not a dependency)."""
    for n in range(3):
        folder = tmp_path / f"a{n}"
        folder.mkdir()
        (folder / "item.html").write_text(f"<html><body><p>Page {n}.</p></body></html>")
        (folder / "seedlike.txt").write_bytes(dumps.dump(n).encode())
    seen = []
    peer = type(sys)("trafilatura")
    peer.__version__ = "stand-in"
    peer.extract = lambda html: seen.append(html) or "text"
    monkeypatch.setitem(sys.modules, "trafilatura", peer)
    spec = importlib.util.spec_from_file_location("compare_trafilatura", SCRIPTS / "compare_trafilatura.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main([str(tmp_path / "*" / "item.html"), "--dumps", "seedlike.txt", "--repeat", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 3 and report["ours"] == "ingest_file on seedlike.txt"
    assert report["ours_ms_per_file"] > 0 and report["trafilatura_version"] == "stand-in"
    assert len(seen) == 3 + 3  # the warm-up, then one pass over the pages
