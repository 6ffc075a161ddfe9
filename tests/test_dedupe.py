"""Exact duplicates are written once (within a run, across runs); near-duplicates are marked."""
from __future__ import annotations

from _dumps import body, dump, long_dump, rows, write

from pipeline.options import IngestOptions
from pipeline.run import run
from transforms.dedupe import choose_kept
from transforms.near_dup import clusters, signature


def _run(tmp_path, *flags: str) -> dict:
    return run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"), *flags]))


def _markdown(n: int, publisher: str) -> str:
    """The same article as dump(n), rendered as markdown with another footer."""
    paragraphs = "\n\n".join(body(n))
    return (f"![Anglers on the pier](https://img.example/p{n}.jpg)\n\n"
            f"Anglers line the railing of the pier at first light.\n\nPhoto: Rui Tamm\n\n"
            f"* The pier reopens in spring, case {n}.\n\n{paragraphs}\n\n"
            f"The post Pier reopens appeared first on {publisher}.\n")


def test_choose_kept_keeps_the_smallest_source_uri():
    rows_ = [{"source_uri": "b"}, {"source_uri": "a"}, {"source_uri": "c"}]
    kept, dropped = choose_kept(rows_, already_committed=False)
    assert kept == {"source_uri": "a"} and [r["source_uri"] for r in dropped] == ["b", "c"]
    kept, dropped = choose_kept(rows_, already_committed=True)
    assert kept is None and len(dropped) == 3


def test_syndicated_copies_are_written_once_and_listed_as_duplicates(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1, publisher="Pier Bulletin"))
    write(tmp_path / "in", "b.txt", dump(1, publisher="Coast Weekly", credit="Ana Ruiz/AP"))  # other footer
    write(tmp_path / "in", "c.md", _markdown(1, "Shore Times"))                              # other renderer
    write(tmp_path / "in", "d.txt", dump(2))
    summary = _run(tmp_path)
    assert (summary["articles"], summary["duplicates"], summary["rejects"]) == (2, 2, 0)
    assert summary["inputs"] == 4 and summary["reconciled"]
    articles = rows(tmp_path / "out" / "articles")
    assert sorted(r["source_uri"].rsplit("/", 1)[-1] for r in articles) == ["a.txt", "d.txt"]
    duplicates = rows(tmp_path / "out" / "duplicates")
    assert sorted((r["source_uri"].rsplit("/", 1)[-1], r["kept_source_uri"].rsplit("/", 1)[-1])
                  for r in duplicates) == [("b.txt", "a.txt"), ("c.md", "a.txt")]
    assert {r["run_id"] for r in duplicates} == {summary["run_id"]}


def test_an_article_committed_by_an_earlier_run_is_not_written_again(tmp_path):
    write(tmp_path / "in", "a.txt", dump(3))
    first = _run(tmp_path, "--incremental")
    write(tmp_path / "in", "later-copy.txt", dump(3, publisher="Late Gazette"))
    write(tmp_path / "in", "new.txt", dump(4))
    second = _run(tmp_path, "--incremental")
    assert (second["articles"], second["duplicates"]) == (1, 1)
    articles = rows(tmp_path / "out" / "articles")
    assert sorted(r["source_uri"].rsplit("/", 1)[-1] for r in articles) == ["a.txt", "new.txt"]
    [duplicate] = rows(tmp_path / "out" / "duplicates")
    assert duplicate["source_uri"].endswith("later-copy.txt") and duplicate["kept_source_uri"] is None
    assert duplicate["run_id"] == second["run_id"] != first["run_id"]


def test_near_duplicate_clusters_use_the_smallest_id_as_representative():
    base = " ".join(f"word{i} of the long article about the harbour" for i in range(60))
    edited = base.replace("word30 of", "word30 from", 1)
    other = " ".join(f"entirely different text number {i} on a school merger" for i in range(60))
    sigs = [("id-b", signature(edited)), ("id-a", signature(base)), ("id-c", signature(other))]
    assert clusters(sigs) == {"id-a": "id-a", "id-b": "id-a"}
    assert signature(base) == signature(base)  # deterministic (fixed seed, no salted hash)


def test_near_dup_flag_marks_but_does_not_drop(tmp_path):
    write(tmp_path / "in", "a.txt", long_dump(5))
    edited = long_dump(5).replace("harbour keeper told reporters", "harbour keeper told a reporter")
    write(tmp_path / "in", "b.txt", edited)
    write(tmp_path / "in", "c.txt", dump(6))
    summary = _run(tmp_path, "--near-dup")
    assert summary["articles"] == 3 and summary["duplicates"] == 0
    articles = {r["source_uri"].rsplit("/", 1)[-1]: r for r in rows(tmp_path / "out" / "articles")}
    a, b = articles["a.txt"], articles["b.txt"]
    rep = min(a["article_id"], b["article_id"])
    marked = {name: r["near_dup_of"] for name, r in articles.items()}
    assert sorted(v for v in marked.values() if v) == [rep]
    assert marked["c.txt"] is None
    assert sum(r["near_dup_of"] is None for r in articles.values()) == 2


def test_near_dup_off_leaves_near_dup_of_null(tmp_path):
    write(tmp_path / "in", "a.txt", dump(5))
    write(tmp_path / "in", "b.txt", dump(5).replace("told reporters", "told a reporter"))
    _run(tmp_path)
    assert [r["near_dup_of"] for r in rows(tmp_path / "out" / "articles")] == [None, None]
