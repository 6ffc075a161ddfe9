"""The README's examples, executed: reading the output, the quick start, inspect, troubleshooting.

Conventions in README.md that this test reads:
- every fenced block under "## Reading the output" runs against a small run's `out/`
  (`sql` with DuckDB, `python` with exec; Polars and PySpark blocks skip when not installed);
- `<!-- readme-test: file PATH -->` before a fenced block: the block is the content of PATH;
- a `console` block: `$ article-ingest ...` lines are run in a directory holding those
  files, and what follows each is its exact output;
- `<!-- readme-test: quick-start-summary -->` before a block: the summary that
  `article-ingest run` prints for the shipped samples.
"""
from __future__ import annotations

import re
import shutil
import shlex
from pathlib import Path

import pytest

from pipeline.cli import main
from schemas import reasons

README = Path(__file__).resolve().parent.parent / "README.md"
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)

LIGHTHOUSE = (
    "The lighthouse on the point at sunset\n"
    "The lighthouse on the point is repainted for the first time in thirty years.Ruth Quay/AP\n"
    "  • Painters worked from ropes for three weeks.\n"
    "\n"
    "Painters finished the lighthouse on the point on Tuesday after three weeks on ropes.\n"
    "\n"
    "The new paint should last another thirty years, the coast guard said.\n"
    "\n"
    "Read the original article on Point Herald\n"
)
SQUARE = (
    "# Fountain returns to the square\n"
    "\n"
    "![A fountain in a town square](https://img.example/f.jpg)\n"
    "\n"
    "The restored fountain runs again in the market square\n"
    "\n"
    "* The fountain was built in 1890.\n"
    "\n"
    "The fountain in the market square runs again after a year of restoration work.\n"
    "\n"
    "Stonemasons replaced the cracked basin with stone from the original quarry.\n"
)


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start:end if end != -1 else len(text)]


def _blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, body, marker comment just before the block or '')."""
    found = []
    for match in _FENCE.finditer(text):
        before = text[:match.start()].rstrip().rsplit("\n", 1)[-1]
        marker = before[len("<!-- readme-test:"):-3].strip() if before.startswith("<!-- readme-test:") else ""
        found.append((match.group(1), match.group(2), marker))
    return found


READING = _blocks(_section(_readme(), "## Reading the output"))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    inbox = root / "in"
    inbox.mkdir()
    (inbox / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    (inbox / "square.md").write_text(SQUARE, encoding="utf-8")
    (inbox / "nothing.txt").write_text("Read the original article on Point Herald\n", encoding="utf-8")
    assert main(["run", "--input", str(inbox / "*"), "--output", str(root / "out"), "--progress", "off"]) == 0
    return root


def test_reading_the_output_has_every_engine():
    languages = [lang for lang, _, _ in READING]
    text = "\n".join(body for _, body, _ in READING)
    assert "sql" in languages and "python" in languages
    for engine in ("import pandas", "import polars", "pyspark"):
        assert engine in text, engine


@pytest.mark.parametrize("language, body", [(lang, body) for lang, body, _ in READING],
                         ids=[f"{i}-{lang}" for i, (lang, _, _) in enumerate(READING)])
def test_reading_the_output_example_runs(language, body, small_run, monkeypatch, capsys):
    monkeypatch.chdir(small_run)
    if language == "sql":
        import duckdb

        rows = duckdb.sql(body).fetchall()
        assert rows, "the query returned nothing"
        return
    assert language == "python", f"a {language!r} block under 'Reading the output' cannot be tested"
    if "pyspark" in body:
        pytest.importorskip("pyspark")
        if shutil.which("java") is None:
            pytest.skip("Spark needs a Java runtime on PATH")
    if "import polars" in body:
        pytest.importorskip("polars")
    exec(compile(body, "README.md", "exec"), {"__name__": "readme_example"})  # noqa: S102
    printed = capsys.readouterr().out
    assert "Point Herald" in printed or "paragraphs" in printed or "square" in printed, printed


def _console_runs(text: str):
    """(command argv, expected output) for every `$ article-ingest` line of console blocks."""
    for language, body, _ in _blocks(text):
        if language != "console":
            continue
        for chunk in re.split(r"^\$ ", body, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            yield shlex.split(command), output


def test_inspect_examples_print_what_the_readme_shows(tmp_path, monkeypatch, capsys):
    text = _readme()
    files = [(marker.split(" ", 1)[1], body) for _, body, marker in _blocks(text)
             if marker.startswith("file ")]
    assert files, "no example files in the README"
    for name, body in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    runs = list(_console_runs(text))
    assert len(runs) >= 2
    for argv, expected in runs:
        assert argv[0] == "article-ingest"
        assert main(argv[1:]) == 0, argv
        assert capsys.readouterr().out == expected, " ".join(argv)


def test_quick_start_summary_matches_a_run_of_the_samples(tmp_path, monkeypatch, capsys):
    shown = next(body for _, body, marker in _blocks(_readme()) if marker == "quick-start-summary")
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 0  # the quick start's command, in an empty directory
    printed = capsys.readouterr().out
    # Throughput and duration differ from machine to machine: compare their labels only.
    varying = ("throughput", "duration")

    def comparable(block: str) -> list[str]:
        return [line.split()[0] if line.startswith(varying) else line for line in block.splitlines()]

    assert comparable(printed) == comparable(shown)


def test_troubleshooting_explains_every_reject_reason():
    table = _section(_readme(), "## Troubleshooting")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))
    # The maintenance commands' own reason (purge) is explained with them.
    maintenance = (README.parent / "docs" / "maintenance.md").read_text(encoding="utf-8")
    documented |= set(re.findall(r"^\s*\| `([a-z_]+)` \| the input's", maintenance, flags=re.MULTILINE))
    assert documented == set(reasons.ALL)


def test_every_flag_in_the_readme_table_exists(capsys):
    from pipeline.cli import _ingest_parser

    table = _section(_readme(), "## Running it on your dumps")
    flags = set(re.findall(r"^\| `(--[a-z_]+)", table, flags=re.MULTILINE))
    help_text = _ingest_parser().format_help()
    assert flags and all(flag in help_text for flag in flags), flags - {
        f for f in flags if f in help_text}
