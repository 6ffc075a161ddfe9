"""Exact duplicates are written once (within a run, across runs); near-duplicates are marked."""
from __future__ import annotations

from _dumps import body, dump, long_dump, rows, write

from pipeline.dedupe import choose_kept
from pipeline.options import IngestOptions
from pipeline.run import run
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
    assert summary["articles"] == 3 and summary["duplicates"] == 0 and summary["near_duplicates"] == 1
    assert not (tmp_path / "out" / "_signatures").exists()  # staging only, never committed
    articles = {r["source_uri"].rsplit("/", 1)[-1]: r for r in rows(tmp_path / "out" / "articles")}
    a, b = articles["a.txt"], articles["b.txt"]
    rep = min(a["article_id"], b["article_id"])
    marked = {name: r["near_dup_of"] for name, r in articles.items()}
    assert sorted(v for v in marked.values() if v) == [rep]
    assert marked["c.txt"] is None
    assert sum(r["near_dup_of"] is None for r in articles.values()) == 2


def _bodies(seed: int, n: int) -> list[tuple[str, str]]:
    """n invented bodies: some unrelated, some edited copies of another (one to eight of their
    sixty sentences changed), so that pairs fall on both sides of the threshold."""
    import random

    rnd = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    bodies: list[str] = []
    for _ in range(n):
        if bodies and rnd.random() < 0.6:
            sentences = rnd.choice(bodies).split(". ")
            for _ in range(rnd.randint(1, 8)):
                sentences[rnd.randrange(len(sentences))] = " ".join(rnd.choices(words, k=9))
            bodies.append(". ".join(sentences))
        else:
            bodies.append(". ".join(" ".join(rnd.choices(words, k=9)) for _ in range(60)))
    return [(f"id-{rnd.getrandbits(32):08x}-{i}", b) for i, b in enumerate(bodies)]


def test_launcher_clusters_from_disk_equal_datasketch_in_memory(tmp_path):
    """pipeline/near_dup.py (SQLite, flat memory) finds exactly the clusters datasketch's LSH
    index finds in memory, on bodies made to fall on both sides of the threshold."""
    import sqlite3

    from pipeline.near_dup import find_clusters
    from transforms.near_dup import signature_row

    for seed in range(4):
        items = _bodies(seed, 60)
        rows_ = [signature_row({"article_id": i, "source_uri": f"u{i}", "body": b}) for i, b in items]
        expected = {m: r for m, r in clusters([(i, signature(b)) for i, b in items]).items() if m != r}
        con = sqlite3.connect(str(tmp_path / f"run{seed}.sqlite"))
        found = find_clusters(((r["article_id"], r["minhash"]) for r in rows_), con)
        assert found == expected
        assert len(set(expected.values())) >= 2  # several clusters to find


def test_near_dup_off_leaves_near_dup_of_null(tmp_path):
    write(tmp_path / "in", "a.txt", dump(5))
    write(tmp_path / "in", "b.txt", dump(5).replace("told reporters", "told a reporter"))
    _run(tmp_path)
    assert [r["near_dup_of"] for r in rows(tmp_path / "out" / "articles")] == [None, None]


def test_drop_duplicates_rewrites_only_files_holding_losers(tmp_path):
    """The launcher-side step: losers leave the staged article files, one row group at a time;
    a file of losers only is deleted, others keep their codec, schema and row order."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.dedupe import drop_duplicates
    from schemas.record import DUPLICATE_SCHEMA, duplicate_row

    schema = pa.schema([("article_id", pa.string()), ("source_uri", pa.string()), ("body", pa.string())],
                       metadata={b"article_ingest.schema_version": b"2"})
    articles, dups = tmp_path / "articles" / "ingest_date=2026-11-28", tmp_path / "duplicates"
    articles.mkdir(parents=True)
    dups.mkdir()

    def table(pairs):
        return pa.table({"article_id": [i for i, _ in pairs], "source_uri": [u for _, u in pairs],
                         "body": [f"body of {u}" for _, u in pairs]}, schema=schema)

    pq.write_table(table([("x", "a"), ("y", "b"), ("x", "c"), ("z", "d")]), articles / "part-1.parquet",
                   compression="SNAPPY", row_group_size=2)
    pq.write_table(table([("x", "e")]), articles / "part-2.parquet")
    pq.write_table(table([("w", "f")]), articles / "part-3.parquet")
    before = (articles / "part-3.parquet").stat().st_mtime_ns
    when = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    losers = [duplicate_row("x", u, "a", run_id=None, detected_at=when) for u in "ce"]
    pq.write_table(pa.Table.from_pylist(losers, schema=DUPLICATE_SCHEMA), dups / "part-d.parquet")

    assert drop_duplicates(str(tmp_path / "articles"), str(dups)) == 2
    assert sorted(p.name for p in articles.iterdir()) == ["part-1.parquet", "part-3.parquet"]
    rewritten = pq.ParquetFile(articles / "part-1.parquet")
    assert rewritten.read().to_pylist() == table([("x", "a"), ("y", "b"), ("z", "d")]).to_pylist()
    assert rewritten.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert rewritten.schema_arrow.metadata[b"article_ingest.schema_version"] == b"2"
    assert (articles / "part-3.parquet").stat().st_mtime_ns == before
    assert drop_duplicates(str(tmp_path / "articles"), str(dups)) == 0  # idempotent


def test_duplicates_spread_over_many_inputs_are_dropped_on_multi_processing(tmp_path):
    for n in range(12):
        write(tmp_path / "in", f"a{n:02d}.txt", dump(n % 4, publisher=f"Paper {n}"))
    summary = _run(tmp_path, "--partition-by", "publisher",
                   "--direct_running_mode", "multi_processing", "--direct_num_workers", "2")
    assert (summary["articles"], summary["duplicates"], summary["inputs"]) == (4, 8, 12)
    assert summary["reconciled"]
    articles = rows(tmp_path / "out" / "articles")
    assert sorted(r["source_uri"].rsplit("/", 1)[-1] for r in articles) == [f"a{n:02d}.txt" for n in range(4)]
    kept = {r["source_uri"].rsplit("/", 1)[-1] for r in rows(tmp_path / "out" / "duplicates")}
    assert kept == {f"a{n:02d}.txt" for n in range(4, 12)}


def test_a_big_file_is_rewritten_in_pieces_without_its_losers(tmp_path):
    """A file of many row groups is rewritten as several files (in parallel); together they
    hold exactly the rows that were not dropped, in the original order."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.dedupe import drop_duplicates
    from pipeline.storage.rewrite import GROUPS_PER_PIECE as _GROUPS_PER_PIECE
    from schemas.record import DUPLICATE_SCHEMA, duplicate_row

    schema = pa.schema([("article_id", pa.string()), ("source_uri", pa.string()), ("body", pa.string())])
    n = 2 * _GROUPS_PER_PIECE + 20
    pairs = [(f"id{i % 97}", f"u{i:04d}") for i in range(n)]
    articles, dups = tmp_path / "articles", tmp_path / "duplicates"
    articles.mkdir()
    dups.mkdir()
    table = pa.table({"article_id": [i for i, _ in pairs], "source_uri": [u for _, u in pairs],
                      "body": [f"text {u}" for _, u in pairs]}, schema=schema)
    pq.write_table(table, articles / "part-x.parquet", row_group_size=1)
    losers = {pairs[i] for i in (0, 3, _GROUPS_PER_PIECE, n - 1)} | {pairs[i] for i in range(97, n)}
    when = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    rows = [duplicate_row(i, u, None, run_id=None, detected_at=when) for i, u in sorted(losers)]
    pq.write_table(pa.Table.from_pylist(rows, schema=DUPLICATE_SCHEMA), dups / "part-d.parquet")

    assert drop_duplicates(str(articles), str(dups)) == len(losers)
    names = sorted(p.name for p in articles.iterdir())
    # Three pieces; the third held only losers, so no file is left of it.
    assert names == sorted([f"part-x-r{_GROUPS_PER_PIECE}.parquet", "part-x.parquet"])
    pieces = sorted(articles.iterdir(), key=lambda p: int(p.stem.rsplit("-r", 1)[1]) if "-r" in p.stem else 0)
    got = [(r["article_id"], r["source_uri"]) for p in pieces for r in pq.read_table(p).to_pylist()]
    assert got == [pair for pair in pairs if pair not in losers]
    assert not list(articles.glob(".rewrite-*"))
