"""What a new user meets first: --help, --version, typos, missing extras, file modes, pipes."""
from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from importlib import metadata

import pytest

from pipeline.cli import _ingest_parser, main

STORY = (
    "Gulls circle the fish market at dawn\n"
    "Traders set out the morning catch on the quay before sunrise.Ada Holm/AP\n"
    "  • The market opens at five.\n"
    "\n"
    "The fish market on the quay opened an hour earlier this summer to beat the heat.\n"
    "\n"
    "Read the original article on Quay Courier\n"
)
# The tool's own flags that have two spellings: help and docs show the first.
DASHED = ("--max-file-bytes", "--max-member-bytes", "--jsonl-field", "--parquet-codec",
          "--full-refresh", "--partition-by", "--near-dup", "--max-reject-rate",
          "--progress-interval")


@pytest.fixture
def inbox(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "market.txt").write_text(STORY, encoding="utf-8")
    return d


def test_help_shows_the_dashed_spelling_only():
    text = _ingest_parser().format_help()
    for flag in DASHED:
        assert flag in text, flag
        assert flag.replace("-", "_").replace("__", "--", 1) not in text, flag
    assert "--direct_num_workers" in text  # Beam's own options keep Beam's spelling


def test_underscore_spellings_stay_accepted(inbox, tmp_path):
    out = tmp_path / "out"
    code = main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress_interval",
                 "5", "--max_file_bytes", "20", "--parquet_codec", "snappy", "--partition_by",
                 "none", "--progress", "off"])
    assert code == 0
    summary = json.loads((out / "run.json").read_text())
    assert summary["rejects_by_reason"] == {"too_large": 1}  # --max_file_bytes 20 took effect
    assert summary["partition_by"] == "none"


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        main([flag])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"article-ingest {metadata.version('article-ingest')}\n"


@pytest.mark.parametrize("argv, expected", [
    (["run", "--inptu", "x"], "article-ingest run: error: unrecognized argument --inptu "
                              "(did you mean --input?)"),
    (["run", "--max_file_byte", "9"], "article-ingest run: error: unrecognized argument "
                                      "--max_file_byte (did you mean --max-file-bytes?)"),
    (["run", "--direct_num_worker=2"], "article-ingest run: error: unrecognized argument "
                                       "--direct_num_worker=2 (did you mean --direct_num_workers?)"),
    (["run", "--inptu", "x", "--outptu", "y"], "article-ingest run: error: unrecognized argument "
                                               "--inptu (and 1 more) (did you mean --input?)"),
    (["inspect", "f.txt", "--jsno"], "article-ingest inspect: error: unrecognized argument --jsno "
                                     "(did you mean --json?)"),
    (["rnu"], "article-ingest: error: unknown command 'rnu' (did you mean run?)"),
    # A bad value of one of Beam's own flags: before, Beam's usage of some 200 lines.
    (["run", "--direct_running_mode", "bogus"], "article-ingest run: error: argument --direct_running_mode: "
                                                "invalid choice: 'bogus' (choose from 'in_memory', "
                                                "'multi_threading', 'multi_processing')"),
])
def test_a_typo_is_one_line_naming_the_closest_flag(argv, expected, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.err == expected + "\n"
    assert captured.out == ""


def test_an_abbreviated_flag_is_refused_not_dropped(inbox, tmp_path, monkeypatch, capsys):
    """argparse would take --out for --output, but Beam, which reads the same command line,
    does not: the run went to ./out. Now it is a usage error."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["run", "--input", str(inbox / "*"), "--out", str(tmp_path / "mine")])
    assert exc.value.code == 2
    assert "(did you mean --output?)" in capsys.readouterr().err
    assert not (tmp_path / "mine").exists() and not (tmp_path / "out").exists()


def test_near_dup_without_its_extra_is_a_usage_error_before_the_run(inbox, tmp_path, monkeypatch,
                                                                      capsys, caplog):
    out = tmp_path / "out"
    argv = ["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]
    monkeypatch.setitem(sys.modules, "datasketch", None)  # `import datasketch` fails
    assert main([*argv, "--near-dup"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'article-ingest[near-dup]'" in err
    assert not out.exists()  # nothing started: no staging directory to recover
    monkeypatch.delitem(sys.modules, "datasketch")
    with caplog.at_level(logging.WARNING, logger="article_ingest"):
        assert main(argv) == 0
    assert "interrupted" not in caplog.text


def test_report_without_its_extra_names_the_install_command(inbox, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]) == 0
    capsys.readouterr()
    for module in ("duckdb", "matplotlib"):
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, module, None)
            assert main(["report", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == (f"article-ingest: error: report needs {module}, in the report extra: "
                       "pip install 'article-ingest[report]'\n")
        assert not (out / "report.html").exists()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists()


def test_run_records_and_state_respect_the_umask_like_the_data(inbox, tmp_path):
    """Before: run.json, _runs/*.json and _state/state.json were 0600 whatever the umask."""
    out = tmp_path / "out"
    old = os.umask(0o027)
    try:
        assert main(["run", "--input", str(inbox / "*"), "--output", str(out), "--progress", "off"]) == 0
    finally:
        os.umask(old)
    modes = {path.relative_to(out).as_posix().split("/")[0] + "/" + path.suffix:
             stat.S_IMODE(path.stat().st_mode) for path in out.rglob("*") if path.is_file()}
    assert modes["run.json/.json"] == 0o640
    assert modes["_runs/.json"] == 0o640
    assert modes["_state/.json"] == 0o640
    assert modes["articles/.parquet"] == 0o640


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`article-ingest inspect --json F | head -1`: no BrokenPipeError traceback, exit 141."""
    path = tmp_path / "many.jsonl"
    line = {"text": "The ferry to the island runs twice a day in winter and hourly in summer."}
    path.write_text("\n".join(json.dumps(line) for _ in range(3000)) + "\n", encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-m", "pipeline", "inspect", "--json", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline() == b"[\n"  # the output is far larger than a pipe's buffer
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


@pytest.mark.parametrize("flag", [["--trigger-interval", "5"], ["--settle=0"], ["--max_files_per_trigger", "3"],
                                  ["--compact-at", "4"]])
def test_a_watch_flag_without_watch_is_refused(tmp_path, capsys, flag):
    # As --full-refresh without --incremental: a flag that would do nothing is an error.
    with pytest.raises(SystemExit) as usage:
        main(["run", "--input", str(tmp_path), "--output", str(tmp_path / "out"), *flag])
    assert usage.value.code == 2
    assert f"{flag[0].split('=')[0]} only applies to --watch" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    # An unset variable in a cron line: before, the shipped samples went into the output.
    (["--input", ""], "--input is empty"),
    # Before: the run wrote into the current directory.
    (["--output", ""], "--output is empty"),
    (["--output", "/"], "is the file system's root"),
    # Before: a first run matched nothing and wrote its state there; every later one failed.
    (["--output", "{inbox}"], "is --input's own directory"),
    # Before: exit 1, 'the run failed', the code cron retries.
    (["--runner", "NoSuchRunner"], "--runner NoSuchRunner: Unexpected pipeline runner"),
    (["--runner", "nowhere.SomeRunner"], "--runner nowhere.SomeRunner cannot be loaded: No module named 'nowhere'"),
])
def test_an_output_or_input_no_run_should_use_is_refused(inbox, tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("{inbox}", str(inbox)) for a in argv]
    defaults = {"--input": str(inbox), "--output": str(tmp_path / "out")}
    for flag, value in defaults.items():
        if flag not in argv:
            argv += [flag, value]
    assert main(["run", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "articles").exists() and not (inbox / "_lock").exists()


def test_compact_of_a_directory_that_is_no_output_leaves_nothing_behind(inbox, capsys):
    # Before: it printed 'nothing to compact' and left a _lock file, which the next run read.
    assert main(["compact", str(inbox)]) == 2
    assert "holds no committed run" in capsys.readouterr().err
    assert sorted(p.name for p in inbox.iterdir()) == ["market.txt"]


def test_purge_takes_a_relative_path_as_the_shell_means_it(inbox, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox), "--output", str(out)]) == 0
    monkeypatch.chdir(tmp_path)
    # Before: nothing matched 'in/market.txt' (runs store absolute paths), and it exited 0.
    assert main(["purge", str(out), "--source-uri", "in/market.txt"]) == 0
    assert "purged 1 article" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["compact", "purge"])
def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(inbox, tmp_path, monkeypatch, capsys,
                                                                       command):
    import pipeline.storage.lock as lock_module

    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox), "--output", str(out)]) == 0
    capsys.readouterr()

    def read_only(*args, **kwargs):  # as a read-only output refuses its lock file
        raise PermissionError(13, "Permission denied", str(out / "_lock"))

    monkeypatch.setattr(lock_module.os, "open", read_only)
    argv = [command, str(out)] + (["--source-uri", str(inbox / "market.txt")] if command == "purge" else [])
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and "Traceback" not in err


def test_a_report_that_cannot_be_written_is_one_line(inbox, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox), "--output", str(out)]) == 0
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["report", str(out), "--out", str(blocker / "report.html")]) == 1
    assert "cannot write the report" in capsys.readouterr().err


def test_no_writable_temporary_directory_is_a_usage_error_before_anything(inbox, tmp_path, monkeypatch, capsys):
    # Before: 'the run failed ... No usable temporary directory found' (exit 1) from the
    # progress display or Beam, after the output's lock was taken.
    import tempfile

    def none():
        raise FileNotFoundError(2, "No usable temporary directory found in ['/tmp']")

    monkeypatch.setattr(tempfile, "gettempdir", none)
    assert main(["run", "--input", str(inbox), "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no writable temporary directory" in err and "set TMPDIR" in err
    assert not (tmp_path / "out").exists()


def test_an_output_path_that_is_not_utf8_is_a_usage_error(inbox, tmp_path, capsys):
    # Before: every run failed inside Beam ('surrogates not allowed'), leaving the lock behind.
    out = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"out\xe9"))
    assert main(["run", "--input", str(inbox), "--output", out]) == 2
    assert "is not a UTF-8 path" in capsys.readouterr().err
    assert not os.path.exists(out)


def test_inspect_under_an_ascii_locale_prints_escapes_not_a_traceback(tmp_path):
    # LC_ALL=C without Python's UTF-8 mode: stdout is ASCII. Before: UnicodeEncodeError.
    path = tmp_path / "café.txt"
    path.write_text(STORY.replace("Gulls", "Måker"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING"))}
    env.update(LC_ALL="C", PYTHONUTF8="0")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "inspect", str(path)], capture_output=True,
                          env=env, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-800:]
    out = proc.stdout.decode("ascii")
    assert "caf\\xe9.txt" in out and "M\\xe5ker" in out


def test_an_output_this_user_cannot_write_is_a_usage_error(inbox, tmp_path, monkeypatch, capsys):
    # Before: exit 1, 'the run failed ... PermissionError'. (os.access stands in for a user
    # without permission: the tests may run as root.)
    real = os.access
    closed = str(tmp_path / "closed")
    os.mkdir(closed)
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == closed else real(p, mode, **kw))
    assert main(["run", "--input", str(inbox), "--output", f"{closed}/out"]) == 2
    assert f"{closed} is not writable by this user" in capsys.readouterr().err


def test_an_output_whose_datasets_this_user_cannot_write_is_a_usage_error(inbox, tmp_path, monkeypatch, capsys):
    # The output's directory is this user's, its articles' directory another's. Before:
    # the whole run, then exit 1 at its commit, and every later run failing the same way.
    out = tmp_path / "out"
    assert main(["run", "--input", str(inbox), "--output", str(out)]) == 0
    articles = out / "articles"
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(articles)
                        else real(p, mode, **kw))
    capsys.readouterr()
    assert main(["run", "--input", str(inbox), "--output", str(out)]) == 2
    assert f"{articles} is not writable by this user" in capsys.readouterr().err


def test_verbose_before_the_command_is_the_commands_flag(inbox, tmp_path, capsys):
    # The failure line says 'run again with -v'; 'article-ingest -v run ...' was refused.
    assert main(["-v", "run", "--input", str(inbox), "--output", str(tmp_path / "out"), "--progress", "off"]) == 0
    assert "articles" in capsys.readouterr().out
