"""Live progress: the worker-side tally, the monitor, and the hook in the ingest DoFn."""
from __future__ import annotations

import io
import os
import time

import pytest

from pipeline.cli import main, progress
from pipeline.cli.progress import (
    ENV_VAR,
    Progress,
    ProgressMonitor,
    choose_mode,
    format_progress,
    note,
    read_progress,
)
from pipeline.options import IngestOptions

KITE = (
    "Kites over the dunes\n"
    "A red box kite climbs above the dunes at the spring kite day.Ola Nordmann/NTB\n"
    "  • More than forty kites flew at once.\n"
    "\n"
    "The spring kite day drew a crowd to the dunes north of the village on Sunday.\n"
    "\n"
    "Read the original article on Dune Courier\n"
)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def progress_dir(tmp_path, monkeypatch):
    directory = tmp_path / "progress"
    directory.mkdir()
    monkeypatch.setenv(ENV_VAR, str(directory))
    monkeypatch.setattr(progress, "_FLUSH_SECONDS", 0.0)  # every note is written: exact counts
    return directory


def test_note_is_a_no_op_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    before = set(tmp_path.iterdir())
    note("files_matched")
    assert set(tmp_path.iterdir()) == before


def test_note_tallies_files_articles_and_rejects(progress_dir):
    for name in ("files_matched", "files_matched", "inputs", "articles", "rejected:empty",
                 "rejected:binary", "boilerplate:follow_us"):
        note(name)
    assert [p.name for p in progress_dir.iterdir()] == [f"{os.getpid()}.json"]
    assert read_progress(progress_dir) == Progress(files=2, articles=1, rejects=2)


def test_a_new_directory_starts_from_zero(progress_dir, tmp_path, monkeypatch):
    note("articles", 5)
    second = tmp_path / "second"
    second.mkdir()
    monkeypatch.setenv(ENV_VAR, str(second))
    note("articles")
    assert read_progress(second) == Progress(articles=1)


def test_read_progress_sums_workers_and_skips_a_half_written_file(tmp_path):
    (tmp_path / "101.json").write_text('{"files": 3, "articles": 2, "rejects": 1}')
    (tmp_path / "202.json").write_text('{"files": 4, "articles": 4, "rejects": 0}')
    (tmp_path / "303.json").write_text('{"files": 9')
    assert read_progress(tmp_path) == Progress(files=7, articles=6, rejects=1)


def test_format_progress():
    line = format_progress(Progress(files=1500, articles=1400, rejects=100), elapsed=75)
    assert line == "1,500 files read · 1,400 articles · 100 rejects · 20.0 files/s · 01:15 elapsed"
    assert "0.0 files/s" in format_progress(Progress(), elapsed=0)


def test_choose_mode(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    assert choose_mode("auto", _Tty(), local=True) == "live"
    assert choose_mode("auto", io.StringIO(), local=True) == "log"
    assert choose_mode("auto", _Tty(), local=False) == "off"
    assert choose_mode("live", io.StringIO(), local=False) == "off"
    assert choose_mode("off", _Tty(), local=True) == "off"
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode("auto", _Tty(), local=True) == "log"


def test_monitor_log_mode_prints_lines_and_cleans_up(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(progress, "_FLUSH_SECONDS", 0.0)
    stream = io.StringIO()
    with ProgressMonitor("log", stream, interval=0.05) as monitor:
        directory = os.environ[ENV_VAR]
        note("files_matched", 3)
        note("articles", 2)
        time.sleep(0.3)
        assert monitor.current() == Progress(files=3, articles=2)
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("article-ingest: progress: ") for line in lines)
    assert "3 files read · 2 articles · 0 rejects" in lines[-1]
    assert ENV_VAR not in os.environ and not os.path.exists(directory)


def test_monitor_live_mode_redraws_one_line_and_clears_it(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    stream = _Tty()
    with ProgressMonitor("live", stream, refresh=0.05):
        time.sleep(0.3)
    text = stream.getvalue()
    assert "\n" not in text
    assert text.count("\r\x1b[2K") >= 2 and "files read" in text
    assert text.endswith("\r\x1b[2K")


def test_monitor_off_touches_nothing(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    stream = io.StringIO()
    with ProgressMonitor("off", stream, interval=0.01):
        assert ENV_VAR not in os.environ
        time.sleep(0.05)
    assert stream.getvalue() == ""


def test_the_ingest_dofn_reports_through_the_hook(tmp_path, monkeypatch):
    """A real local run: the DoFn's counters reach the monitor while the job runs."""
    from pipeline.run import run

    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(progress, "_FLUSH_SECONDS", 0.0)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for index in range(4):
        (inbox / f"kite-{index}.txt").write_text(KITE.replace("forty", f"forty-{index}"), encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    options = IngestOptions(["--input", str(inbox / "*"), "--output", str(tmp_path / "out")])
    with ProgressMonitor("log", io.StringIO(), interval=60) as monitor:
        run(options, on_count=note)
        seen = monitor.current()
    assert seen == Progress(files=5, articles=4, rejects=1)
    with ProgressMonitor("log", io.StringIO(), interval=60) as monitor:
        run(options)  # no hook: Beam's counters only
        assert monitor.current() == Progress()


def test_cli_log_mode_when_not_on_a_terminal(tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "kite.txt").write_text(KITE, encoding="utf-8")
    code = main(["run", "--input", str(inbox / "*"), "--output", str(tmp_path / "out"),
                 "--progress_interval", "0.05"])
    captured = capsys.readouterr()
    assert code == 0
    assert "article-ingest: progress: " in captured.err  # auto -> log lines: stderr is no tty
    assert "progress" not in captured.out  # the summary table stays clean on stdout
    assert ENV_VAR not in os.environ


def test_cli_progress_lines_count_the_files_the_job_reads(tmp_path, capsys, monkeypatch):
    """The command line hands its hook to the run: the lines count files while the job runs."""
    monkeypatch.setattr(progress, "_FLUSH_SECONDS", 0.0)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for index in range(12):
        (inbox / f"kite-{index}.txt").write_text(KITE.replace("forty", f"forty-{index}"), encoding="utf-8")
    code = main(["run", "--input", str(inbox / "*"), "--output", str(tmp_path / "out"),
                 "--progress", "log", "--progress_interval", "0.01"])
    lines = [line.removeprefix("article-ingest: progress: ")
             for line in capsys.readouterr().err.splitlines() if line.startswith("article-ingest: progress: ")]
    assert code == 0
    assert any(not line.startswith("0 files read") for line in lines), lines[-3:]


def test_cli_refuses_a_bad_interval(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--output", str(tmp_path / "o"), "--progress_interval", "0"])
    assert exc.value.code == 2
