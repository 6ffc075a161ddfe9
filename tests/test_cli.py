"""End to end: the `article-ingest run` command on dumps written here, read back from Parquet."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from pipeline.cli import main

FERRY = (
    "A small red ferry at the pier\n"
    "The ferry Mira waits at the north pier on a grey morning, May 4, 2024.Jo Berg/AP\n"
    "  • A second ferry joins the island route in June.\n"
    "  • Tickets stay at the same price.\n"
    "\n"
    "The island council confirmed on Friday that a second ferry will join the route in June.\u00a0\n"
    "\n"
    "\u00a0\n"
    "Islanders had asked for more crossings for years, especially in the summer months.\n"
    "\n"
    "Read the original article on Island Post\n"
)
MARKDOWN = (
    "![Two cyclists on a bridge](https://img.example/b.jpg)\n\n"
    "Cyclists cross the new bridge on its opening day\n\n"
    "Photo: Kim Lo\n\n"
    "* The bridge took three years to build.\n\n"
    "The new cycling bridge over the canal opened on Sunday with a ride for families.\n\n"
    "It links two neighbourhoods that were a twenty-minute detour apart.\n\n"
    "The post Canal bridge opens to cyclists appeared first on Canal Times.\n"
)


def _run(tmp_path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "out"
    code = main(["run", "--input", str(tmp_path / "in" / "*"), "--output", str(out), *extra])
    summary = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    return code, summary


def _rows(path):
    return ds.dataset(str(path), partitioning="hive").to_table().to_pylist()


@pytest.fixture
def dumps(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (d / "bridge").write_text(MARKDOWN, encoding="utf-8")  # no extension: sniffed as markdown
    (d / "crlf-bom.txt").write_bytes(b"\xef\xbb\xbf" + FERRY.replace("\n", "\r\n").encode())
    (d / "broken.txt").write_bytes(b"\x00\x01\x02\x03\x89PNG\x00\x00")
    (d / "footer-only.txt").write_text("Read the original article on Island Post\n")
    return d


def test_run_splits_every_field_and_rejects_bad_files(tmp_path, dumps):
    code, summary = _run(tmp_path)
    assert code == 0
    articles = {r["source_uri"].rsplit("/", 1)[-1]: r for r in _rows(tmp_path / "out" / "articles")}
    rejects = {r["source_uri"].rsplit("/", 1)[-1]: r for r in _rows(tmp_path / "out" / "rejects")}
    # CRLF + BOM is the same article, so the same id: written once (the smaller source_uri
    # is kept), the other listed in duplicates/.
    assert set(articles) == {"bridge", "crlf-bom.txt"}
    duplicates = {r["source_uri"].rsplit("/", 1)[-1]: r for r in _rows(tmp_path / "out" / "duplicates")}
    assert {k: r["kept_source_uri"].rsplit("/", 1)[-1] for k, r in duplicates.items()} == {
        "ferry.txt": "crlf-bom.txt"}
    assert {k: r["reason"] for k, r in rejects.items()} == {
        "broken.txt": "binary", "footer-only.txt": "no_article_text"}

    ferry = articles["crlf-bom.txt"]
    assert ferry["image_alt"] == "A small red ferry at the pier"
    assert ferry["caption"] == "The ferry Mira waits at the north pier on a grey morning, May 4, 2024."
    assert ferry["caption_credit"] == "Jo Berg/AP"
    assert ferry["bullets"] == ["A second ferry joins the island route in June.", "Tickets stay at the same price."]
    assert ferry["paragraphs"] == [
        "The island council confirmed on Friday that a second ferry will join the route in June.",
        "Islanders had asked for more crossings for years, especially in the summer months.",
    ]
    assert ferry["publisher"] == "Island Post"
    assert ferry["title"] is None
    assert ferry["boilerplate"] == [{"rule": "read_original_on", "text": "Read the original article on Island Post"}]
    assert ferry["word_count"] == 29
    assert ferry["source_format"] == "text"

    assert duplicates["ferry.txt"]["article_id"] == ferry["article_id"]

    bridge = articles["bridge"]
    assert bridge["source_format"] == "markdown"
    assert (bridge["image_alt"], bridge["caption"], bridge["caption_credit"]) == (
        "Two cyclists on a bridge", "Cyclists cross the new bridge on its opening day", "Photo: Kim Lo")
    assert bridge["bullets"] == ["The bridge took three years to build."]
    assert bridge["publisher"] == "Canal Times"
    assert bridge["title"] == "Canal bridge opens to cyclists"

    assert summary["files_matched"] == 5
    assert summary["articles"] == 2 and summary["duplicates"] == 1
    assert summary["rejects_by_reason"] == {"binary": 1, "no_article_text": 1}
    assert summary["boilerplate_by_rule"] == {"read_original_on": 2, "post_appeared_first": 1}
    assert summary["reconciled"] is True
    assert summary["duration_seconds"] > 0


def test_rerun_gives_identical_records(tmp_path, dumps):
    _run(tmp_path)
    first = sorted(_rows(tmp_path / "out" / "articles"), key=lambda r: r["source_uri"])
    _run(tmp_path)
    second = sorted(_rows(tmp_path / "out" / "articles"), key=lambda r: r["source_uri"])
    assert len(first) == len(second) == 2
    for a, b in zip(first, second):
        for varying in ("ingested_at", "run_id"):
            a.pop(varying), b.pop(varying)
        assert a == b


def test_input_matching_nothing_is_a_usage_error(tmp_path, capsys):
    code, _ = _run(tmp_path)
    assert code == 2
    err = capsys.readouterr().err
    assert "--input matched no files" in err and str(tmp_path / "in" / "*") in err


def test_unknown_flag_is_refused(tmp_path, dumps, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--input", str(dumps / "*"), "--ouptut", str(tmp_path / "o")])
    assert exc.value.code == 2
    assert "--ouptut" in capsys.readouterr().err


def test_bad_rules_file_names_the_rule(tmp_path, dumps, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[boilerplate]]\nname = "broken"\npattern = "(unclosed"\n')
    code, _ = _run(tmp_path, "--rules", str(rules))
    assert code == 2
    assert "broken" in capsys.readouterr().err


def test_user_rules_file_adds_a_rule(tmp_path, dumps):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[boilerplate]]\nname = "island_tickets"\nwhy = "test"\nwhere = "anywhere"\n'
        "pattern = '''Tickets stay at the same price\\.'''\n"
    )
    code, summary = _run(tmp_path, "--rules", str(rules))
    assert code == 0
    assert summary["boilerplate_by_rule"]["island_tickets"] == 2  # ferry.txt and its CRLF twin


def test_python_dash_m_and_offline_default_runner(tmp_path, dumps):
    """`python -m pipeline` runs the same job; the default runner needs no network."""
    env = {**os.environ, "no_proxy": "*", "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--input", str(dumps / "*"), "--output", str(tmp_path / "o")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "articles" in proc.stdout
    assert json.loads((tmp_path / "o" / "run.json").read_text())["runner"].startswith("FnApiRunner")


def test_a_directory_as_input_means_every_file_below_it(tmp_path, dumps):
    nested = dumps / "more" / "deeper"
    nested.mkdir(parents=True)
    (nested / "again.txt").write_text(FERRY, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--input", str(dumps), "--output", str(out)]) == 0
    summary = json.loads((out / "run.json").read_text())
    assert summary["files_matched"] == 6
    assert summary["input"] == f"{dumps}/**"


@pytest.mark.parametrize("incremental", [False, True])
def test_an_output_inside_the_input_directory_is_not_read_as_input(tmp_path, dumps, incremental):
    out = dumps / "out"  # 'run --input data/ --output data/out'
    extra = ["--incremental"] if incremental else []
    for _ in range(2):
        assert main(["run", "--input", str(dumps), "--output", str(out), *extra]) == 0
        summary = json.loads((out / "run.json").read_text())
        assert summary["files_matched"] == 5, summary  # the five dumps, never _lock, _state or Parquet
    assert summary["rejects"] == (0 if incremental else 2)


def test_the_fast_exit_keeps_what_a_normal_exit_guarantees(tmp_path):
    """exit_fast spares the garbage collector's teardown, not what a normal exit guarantees:
    output flushed, exit handlers run, logging flushed, thread pools finished, temporary
    directories removed."""
    marker, log, pool_done = tmp_path / "handler-ran", tmp_path / "run.log", tmp_path / "pool-done"
    script = (
        "import atexit, concurrent.futures, logging, logging.handlers, sys, tempfile, time\n"
        "from pipeline.cli import exit_fast\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        f"handler = logging.handlers.MemoryHandler(100, target=logging.FileHandler({str(log)!r}))\n"
        "logging.getLogger('t').addHandler(handler)\n"
        "logging.getLogger('t').warning('buffered until shutdown')\n"
        "pool = concurrent.futures.ThreadPoolExecutor(1)\n"
        f"pool.submit(lambda: (time.sleep(0.3), open({str(pool_done)!r}, 'w').write('yes')))\n"
        "temp = tempfile.TemporaryDirectory()\n"
        "sys.stdout.write(temp.name)\n"
        "sys.stderr.write('a warning')\n"
        "exit_fast(3)\n"
        "print('never reached')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 3
    assert proc.stderr.endswith("a warning")
    assert proc.stdout.startswith(tempfile.gettempdir()) and not Path(proc.stdout).exists()
    assert marker.read_text() == "yes"
    assert log.read_text() == "buffered until shutdown\n"
    assert pool_done.read_text() == "yes"


def test_the_fast_exit_into_a_closed_pipe_is_quiet():
    """`article-ingest ... | head`: the reader left before the last output was flushed; the
    exit code is the run's and nothing is reported on stderr."""
    script = (
        "import sys\n"
        "from pipeline.cli import exit_fast\n"
        "sys.stdout.write('a summary line, still buffered')\n"
        "sys.stderr.write('ready\\n'); sys.stderr.flush()\n"
        "sys.stdin.readline()\n"
        "exit_fast(0)\n"
    )
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=write_end,
                            stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    try:
        assert proc.stderr.readline() == "ready\n"
        os.close(read_end)  # the reader goes away
        _, err = proc.communicate("go\n", timeout=120)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (0, "")

def test_the_console_script_exits_with_the_runs_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--input", str(tmp_path / "none*"),
                           "--output", str(tmp_path / "o")], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 2
    assert "--input matched no files" in proc.stderr


def test_another_runs_output_inside_the_input_is_not_read_either(tmp_path, dumps):
    first, second = dumps / "out", dumps / "out2"  # 'run --input data/ --output data/out2' after data/out
    assert main(["run", "--input", str(dumps), "--output", str(first)]) == 0
    assert main(["report", str(first)]) == 0  # report.html too: in the output, not an input
    assert main(["run", "--input", str(dumps), "--output", str(second)]) == 0
    summary = json.loads((second / "run.json").read_text())
    assert summary["files_matched"] == 5 and summary["rejects"] == 2, summary
