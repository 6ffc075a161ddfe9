"""The README's and the user guide's (docs/*.md) examples, executed, and their links checked.

Conventions in README.md and docs/*.md that this test reads:
- every fenced block under a "## Reading the output" heading runs against a small run's
  `out/` (`sql` with DuckDB, `python` with exec; Polars and PySpark blocks skip when not
  installed, PySpark also without a Java runtime);
- `<!-- readme-test: file PATH -->` before a fenced block: the block is the content of PATH;
- a `console` block: `$ article-ingest ...` lines are run in a directory holding that
  page's files (and the shipped samples, as in a checkout), and what follows each is its
  exact output;
- `<!-- readme-test: usage-error -->` before a block: `$ article-ingest ...` and the one
  line it prints on stderr, exiting with code 2;
- `<!-- readme-test: quick-start-summary -->` before a block: the summary that
  `article-ingest run` prints for the shipped samples;
- `<!-- readme-test: not-run REASON -->` before a block: a command that cannot run here
  (a cluster, a cloud project, data from outside the repository). A block that names such
  a runner or such data without the marker fails the test.
"""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from pipeline.cli import (
    _COMMANDS,
    _ingest_parser,
    _inspect_parser,
    _purge_parser,
    _report_parser,
    main,
)
from schemas import reasons

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
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


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


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


def _reading_blocks() -> list[tuple[str, str, str]]:
    """(page name, language, body) of every block under a '## Reading the output' heading."""
    found = []
    for page in PAGES:
        text = _text(page)
        if "\n## Reading the output\n" in text:
            found += [(page.name, lang, body) for lang, body, _ in _blocks(_section(text, "## Reading the output"))]
    return found


READING = _reading_blocks()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    inbox = root / "in"
    inbox.mkdir()
    (inbox / "lighthouse.txt").write_text(LIGHTHOUSE, encoding="utf-8")
    (inbox / "square.md").write_text(SQUARE, encoding="utf-8")
    (inbox / "nothing.txt").write_text("Read the original article on Point Herald\n", encoding="utf-8")
    (inbox / "square-again.md").write_text(SQUARE, encoding="utf-8")  # a duplicate
    assert main(["run", "--input", str(inbox / "*"), "--output", str(root / "out"), "--progress", "off"]) == 0
    return root


def test_reading_the_output_has_every_engine():
    languages = [lang for _, lang, _ in READING]
    text = "\n".join(body for _, _, body in READING)
    assert "sql" in languages and "python" in languages
    for engine in ("import pandas", "import polars", "pyspark", "import pyarrow"):
        assert engine in text, engine
    assert {page for page, _, _ in READING} == {"README.md", "schema.md"}


@pytest.mark.parametrize("page, language, body", READING,
                         ids=[f"{page}-{i}-{lang}" for i, (page, lang, _) in enumerate(READING)])
def test_reading_the_output_example_runs(page, language, body, small_run, monkeypatch, capsys):
    monkeypatch.chdir(small_run)
    if language == "sql":
        import duckdb

        rows = duckdb.sql(body).fetchall()
        assert rows, "the query returned nothing"
        return
    if language == "text":  # a listing of out/: each top-level name it shows is there
        listed = body.splitlines()
        assert listed[0] == "out/"
        for line in listed[1:]:
            for path in line.strip().split("  ")[0].split(", "):
                assert (small_run / "out" / path.split("/")[0]).exists(), path
        return
    assert language == "python", f"a {language!r} block under 'Reading the output' cannot be tested"
    if "pyspark" in body:
        pytest.importorskip("pyspark", reason="the spark extra is not installed")
        if shutil.which("java") is None:
            pytest.skip("Spark needs a Java runtime on PATH")
    if "import polars" in body:
        pytest.importorskip("polars")
    exec(compile(body, page, "exec"), {"__name__": "readme_example"})  # noqa: S102
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


@pytest.mark.parametrize("page", [p for p in PAGES if "```console" in _text(p)], ids=lambda p: p.name)
def test_console_examples_print_what_the_page_shows(page, tmp_path, monkeypatch, capsys):
    text = _text(page)
    for _, body, marker in _blocks(text):
        if marker.startswith("file "):
            path = tmp_path / marker.split(" ", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
    shutil.copytree(ROOT / "pipeline" / "samples", tmp_path / "pipeline" / "samples")  # a checkout
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    runs = list(_console_runs(text))
    assert runs
    for argv, expected in runs:
        assert argv[0] == "article-ingest"
        assert main(argv[1:]) == 0, argv
        assert capsys.readouterr().out == expected, " ".join(argv)


def test_usage_error_examples_print_what_the_page_shows(capsys):
    examples = [body for page in PAGES for _, body, marker in _blocks(_text(page)) if marker == "usage-error"]
    assert examples
    for body in examples:
        command, _, expected = body.partition("\n")
        argv = shlex.split(command.removeprefix("$ "))
        with pytest.raises(SystemExit) as exc:
            main(argv[1:])
        assert exc.value.code == 2
        assert capsys.readouterr().err == expected


def test_console_examples_cover_inspect_and_rules():
    runs = [argv for page in PAGES for argv, _ in _console_runs(_text(page))]
    assert len(runs) >= 3
    assert any("--rules" in argv for argv in runs)


def test_quick_start_summary_matches_a_run_of_the_samples(tmp_path, monkeypatch, capsys):
    shown = next(body for _, body, marker in _blocks(_text(README)) if marker == "quick-start-summary")
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == 0  # the quick start's command, in an empty directory
    printed = capsys.readouterr().out
    # Throughput and duration differ from machine to machine: compare their labels only.
    varying = ("throughput", "duration")

    def comparable(block: str) -> list[str]:
        return [line.split()[0] if line.startswith(varying) else line for line in block.splitlines()]

    assert comparable(printed) == comparable(shown)


def test_readme_is_short_and_its_test_commands_are_what_ci_runs():
    text = _text(README)
    assert len(text.splitlines()) <= 250
    quick = _section(text, "## Quick start")
    commands = [body for lang, body, _ in _blocks(quick) if lang == "sh"]
    assert "install '.[report]'" in commands[0]  # the README shows `report` working
    test_commands = [line for line in commands[1].splitlines() if line.strip()]
    assert "pytest" in test_commands[-1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    positions = [ci.index(command) for command in test_commands]  # each line, verbatim
    assert positions == sorted(positions)


def test_troubleshooting_explains_every_reject_reason():
    table = _section(_text(ROOT / "docs" / "troubleshooting.md"), "## Rejects: what each reason means")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(reasons.ALL)


@pytest.mark.parametrize("command, parser", [
    ("run", _ingest_parser), ("inspect", _inspect_parser), ("report", _report_parser),
    ("purge", _purge_parser)])
def test_the_cli_reference_documents_every_flag_and_no_other(command, parser):
    section = _section(_text(ROOT / "docs" / "cli.md"), f"## `article-ingest {command}`")
    first_cells = re.findall(r"^\| ((?:[^|\\]|\\.)+) \|", section, flags=re.MULTILINE)  # `a\|b` is one cell
    documented = {flag for cell in first_cells for flag in re.findall(r"--[a-z][a-z-]*", cell)}
    own = set(parser().flags.values()) - {"--help"}  # each flag in the spelling --help shows
    assert documented == own


def test_the_cli_reference_has_a_section_per_command():
    text = _text(ROOT / "docs" / "cli.md")
    documented = set(re.findall(r"^## `article-ingest ([a-z]+)`$", text, flags=re.MULTILINE))
    assert documented == set(_COMMANDS)


def test_docs_spell_the_tools_own_flags_with_dashes():
    """Underscores stay accepted, but what users read shows one spelling."""
    underscored = {spelling for spelling in _ingest_parser().flags if "_" in spelling}
    assert "--max_file_bytes" in underscored
    for page in PAGES:
        for number, line in enumerate(_text(page).splitlines(), start=1):
            if "underscore" in line:  # the sentence that says the other spelling works too
                continue
            found = [flag for flag in underscored if re.search(re.escape(flag) + r"(?![\w-])", line)]
            assert not found, f"{page.name}:{number}: {found}"


_NOT_HERE = re.compile(r"--runner (?!DirectRunner|PrismRunner)\S+|\.\./shared/")


def test_commands_that_cannot_run_here_are_marked():
    for page in PAGES:
        for _, body, marker in _blocks(_text(page)):
            if _NOT_HERE.search(body):
                assert marker.startswith("not-run "), f"{page.name}: {body.splitlines()[0]}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _FENCE.sub("", text).splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            slug = _slug(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(text: str) -> list[str]:
    prose = re.sub(r"`[^`\n]*`", "", _FENCE.sub("", text))
    return re.findall(r"\]\(([^)\s]+)\)", prose)


def test_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for link in _links(_text(page)):
            if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto:: not checked offline
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.name}: {link} (no such file)")
            elif anchor and (target.suffix != ".md" or anchor not in _anchors(_text(target))):
                broken.append(f"{page.name}: {link} (no such heading)")
    assert not broken, broken


def test_the_link_checker_sees_links_and_anchors():
    """The checker itself: a broken link or anchor must be reported, not overlooked."""
    text = "# Run it\n## `article-ingest run`\n```sh\n# not a heading\n```\n[a](x.md#y) `[b](z.md)`\n"
    assert _anchors(text) == {"run-it", "article-ingest-run"}
    assert _links(text) == ["x.md#y"]
    assert _slug("Streaming, tried on the local runners (2026-11-28)") == \
        "streaming-tried-on-the-local-runners-2026-11-28"


def test_the_schema_page_states_the_schema_version_and_every_column():
    from schemas.record import ARTICLE_SCHEMA, SCHEMA_VERSION

    page = (Path(__file__).resolve().parent.parent / "docs" / "schema.md").read_text(encoding="utf-8")
    assert f"at version {SCHEMA_VERSION}." in page
    assert f"| `schema_version` | int16, not null | `{SCHEMA_VERSION}`. |" in page
    assert all(f"| `{name}` |" in page for name in ARTICLE_SCHEMA.names)
