"""Hive-style partitioned output: safe directory names, readable by pyarrow and DuckDB, few files."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from _dumps import dump, write

from pipeline.options import IngestOptions
from pipeline.run import run
from transforms.partition import NULL_PARTITION, partition_dir, partition_segment


@pytest.mark.parametrize("value", ["../../etc", "..", ".", "a/b", "a\\b", "/abs", "x=y", "a%2Fb", "\x00nul"])
def test_partition_segment_never_leaves_its_directory(tmp_path, value):
    segment = partition_segment("publisher", value)
    assert "/" not in segment and "\\" not in segment and "\x00" not in segment
    assert segment.startswith("publisher=") and segment.split("=", 1)[1] not in (".", "..")
    resolved = (tmp_path / segment).resolve()
    assert resolved.parent == tmp_path.resolve()


def test_partition_segment_values():
    assert partition_segment("publisher", "Coastal Daily") == "publisher=Coastal Daily"
    assert partition_segment("publisher", None) == f"publisher={NULL_PARTITION}"
    assert partition_segment("publisher", "a/b") == "publisher=a%2Fb"
    long_a, long_b = "x" * 300 + "a", "x" * 300 + "b"
    assert partition_segment("p", long_a) != partition_segment("p", long_b)
    assert len(partition_segment("p", long_a).encode()) < 255
    assert partition_dir("ingest_date", {}, "2026-11-28") == "ingest_date=2026-11-28"
    assert partition_dir("none", {"publisher": "X"}, "2026-11-28") == ""
    assert partition_dir("publisher", {"publisher": "X"}, "2026-11-28") == "publisher_partition=X"
    assert partition_dir("publisher", {"publisher": None}, "2026-11-28") == "publisher_partition=unknown"


@pytest.mark.parametrize("value", ["Ünïcödé Publisher " * 20, "報道" * 200, "a" * 186 + "é" * 20])
def test_a_long_value_is_cut_between_characters(value):
    # Before: cut inside a character's %XX escapes, and pyarrow, pandas and DuckDB refused the
    # whole dataset ('not valid UTF-8 after URL decoding').
    segment = partition_segment("publisher_partition", value)
    encoded = segment.split("=", 1)[1]
    kept, digest = encoded.rsplit("~", 1)
    assert len(digest) == 12 and len(segment.encode()) < 255
    assert value.startswith(unquote(kept, errors="strict"))


def test_a_value_named_like_hives_null_is_not_read_as_null(tmp_path):
    # Review finding: escaping its underscores did not help, pyarrow decodes the name first.
    segment = partition_segment("publisher_partition", NULL_PARTITION)
    assert unquote(segment.split("=", 1)[1]) != NULL_PARTITION
    write(tmp_path / "in", "a.txt", dump(1, publisher=NULL_PARTITION))
    write(tmp_path / "in", "b.txt", dump(2, publisher="Coast Weekly"))
    out = tmp_path / "out"
    run(IngestOptions(["--input", str(tmp_path / "in"), "--output", str(out), "--partition-by", "publisher"]))
    table = ds.dataset(out / "articles", partitioning="hive").to_table(columns=["publisher", "publisher_partition"])
    assert None not in table.column("publisher_partition").to_pylist()
    assert sorted(pd.read_parquet(out / "articles")["publisher"]) == ["Coast Weekly", NULL_PARTITION]


def test_pandas_reads_publisher_partitions_with_articles_that_have_no_publisher(tmp_path):
    # Hive's null directory ('__HIVE_DEFAULT_PARTITION__') made pandas fail: 'Cannot yet unify
    # dictionaries with nulls'.
    write(tmp_path / "in", "a.txt", dump(1, publisher="Coast Weekly"))
    write(tmp_path / "in", "b.txt", dump(2).replace("Read the original article on Pier Bulletin\n", ""))
    _run(tmp_path, "--partition-by", "publisher")
    frame = pd.read_parquet(tmp_path / "out" / "articles").sort_values("publisher_partition")
    assert list(frame["publisher_partition"]) == ["Coast Weekly", "unknown"]
    assert frame["publisher"].isna().tolist() == [False, True]


def _run(tmp_path: Path, *flags: str) -> dict:
    return run(IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"), *flags]))


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*.parquet"))


def test_publisher_partitions_with_hostile_names_stay_inside_and_read_back(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1, publisher="Harbour/../../Gazette"))
    write(tmp_path / "in", "b.txt", dump(2, publisher="../Tide News"))
    write(tmp_path / "in", "c.txt", dump(3, publisher="Coast Weekly"))
    write(tmp_path / "in", "d.txt", dump(4, publisher="Coast Weekly"))
    _run(tmp_path, "--partition-by", "publisher")
    articles = tmp_path / "out" / "articles"
    files = _files(tmp_path / "out")
    assert all(articles.resolve() in f.resolve().parents
               or f.relative_to(tmp_path / "out").parts[0] in ("rejects", "duplicates") for f in files)
    assert sorted(p.name for p in articles.iterdir()) == [
        "publisher_partition=..%2FTide News", "publisher_partition=Coast Weekly",
        "publisher_partition=Harbour%2F..%2F..%2FGazette"]
    assert len(_files(articles / "publisher_partition=Coast Weekly")) == 1  # one file per partition, not per row

    table = ds.dataset(str(articles), partitioning="hive").to_table()
    assert sorted(table.column("publisher").to_pylist()) == [
        "../Tide News", "Coast Weekly", "Coast Weekly", "Harbour/../../Gazette"]
    assert table.column("publisher").to_pylist() == table.column("publisher_partition").to_pylist()
    counts = duckdb.sql(
        f"SELECT publisher, publisher_partition, count(*) FROM read_parquet('{articles}/**/*.parquet', "
        "hive_partitioning=true) GROUP BY ALL ORDER BY 1").fetchall()
    assert counts == [("../Tide News", "../Tide News", 1), ("Coast Weekly", "Coast Weekly", 2),
                      ("Harbour/../../Gazette", "Harbour/../../Gazette", 1)]
    # pandas and Spark refuse a Hive key that is also a column of the files: none is.
    frame = pd.read_parquet(articles)
    assert sorted(frame["publisher"]) == ["../Tide News", "Coast Weekly", "Coast Weekly", "Harbour/../../Gazette"]


def test_ingest_date_partition_is_the_default_and_duckdb_reads_it(tmp_path):
    for n in range(3):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    summary = _run(tmp_path)
    day = dt.datetime.fromisoformat(summary["started_at"]).date().isoformat()
    articles = tmp_path / "out" / "articles"
    assert [p.name for p in articles.iterdir()] == [f"ingest_date={day}"]
    rows = duckdb.sql(
        f"SELECT CAST(ingest_date AS VARCHAR), count(*) FROM "
        f"read_parquet('{articles}/**/*.parquet', hive_partitioning=true) GROUP BY 1").fetchall()
    assert rows == [(day, 3)]


def test_no_partitioning_codec_and_row_groups(tmp_path):
    for n in range(5):
        write(tmp_path / "in", f"a{n}.txt", dump(n))
    _run(tmp_path, "--partition-by", "none", "--parquet-codec", "snappy")
    [path] = _files(tmp_path / "out" / "articles")
    assert path.parent == tmp_path / "out" / "articles"
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 5 and meta.num_row_groups == 1
    assert meta.row_group(0).column(0).compression == "SNAPPY"
    assert pq.read_schema(path).metadata[b"article_ingest.schema_version"] == b"4"


def test_rows_are_streamed_in_bounded_row_groups(tmp_path):
    """WriteRecords holds at most ROWS_PER_BATCH rows: a bigger bundle becomes row groups of
    that size in one file per partition, with a name from the content (same on a rerun)."""
    import datetime as dt

    import apache_beam as beam

    from schemas.datasets import REJECTS
    from schemas.record import REJECT_SCHEMA
    from transforms.beam import WriteRecords
    from transforms.partition import ROWS_PER_BATCH

    when = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    rows_ = [{"source_uri": f"f{n:05d}", "reason": "empty", "detail": "", "size_bytes": 0,
              "rejected_at": when, "schema_version": 2} for n in range(ROWS_PER_BATCH * 2 + 5)]
    names = []
    for attempt in range(2):
        out = tmp_path / str(attempt)
        with beam.Pipeline() as p:
            _ = p | beam.Create(rows_, reshuffle=False) | WriteRecords(
                str(out), REJECTS, partition_by="ingest_date", ingest_date="2026-11-28", file_tag="t")
        [path] = _files(out)
        names.append(path.name)
        meta = pq.ParquetFile(path).metadata
        assert meta.num_rows == len(rows_) and meta.num_row_groups == 3
        assert max(meta.row_group(i).num_rows for i in range(3)) <= ROWS_PER_BATCH
        assert pq.read_schema(path).remove_metadata() == REJECT_SCHEMA.remove_metadata()
    assert names[0] == names[1] and names[0].startswith("part-") and names[0].endswith("-000-t.parquet")


def test_a_bundle_rolls_over_to_new_files_past_the_row_and_open_file_limits(tmp_path, monkeypatch):
    """Past ROWS_PER_FILE rows a partition continues in its next chunk file (-001); past
    _MAX_OPEN_FILES open partitions the oldest is closed and continues in a new chunk too.
    Every row is written exactly once."""
    from schemas.datasets import REJECTS, SCHEMAS
    from transforms import beam as beam_module

    monkeypatch.setattr(beam_module, "ROWS_PER_BATCH", 2)
    monkeypatch.setattr(beam_module, "ROWS_PER_FILE", 3)
    monkeypatch.setattr(beam_module, "_MAX_OPEN_FILES", 2)
    when = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    publishers = ["Harbour Post", "Valley Times", "Ridge Daily"]
    rows_ = [{"source_uri": f"f{n:02d}", "reason": "empty", "detail": "", "size_bytes": 0, "rejected_at": when,
              "schema_version": 2, "publisher": publishers[n % 3] if n < 9 else publishers[0]}
             for n in range(14)]
    fn = beam_module._StreamWriteFn(str(tmp_path), SCHEMAS[REJECTS], "zstd", "-t", "publisher", "2026-11-28")
    fn.setup()
    fn.start_bundle()
    for row in rows_:
        fn.process(row)
    written = [value.value for value in fn.finish_bundle()]
    fn.teardown()
    assert sorted(written) == sorted(str(p) for p in _files(tmp_path))
    by_partition: dict[str, list[str]] = {}
    for path in _files(tmp_path):
        by_partition.setdefault(path.parent.name, []).append(path.name)
        assert pq.ParquetFile(path).metadata.num_rows <= 3
    harbour = sorted(by_partition["publisher_partition=Harbour Post"])
    stem = harbour[0].rsplit("-", 2)[0]
    assert harbour == [f"{stem}-{chunk:03d}-t.parquet" for chunk in range(len(harbour))]
    assert len(harbour) >= 3
    uris = sorted(r["source_uri"] for p in _files(tmp_path) for r in pq.read_table(p).to_pylist())
    assert uris == [r["source_uri"] for r in rows_]


def test_a_failed_background_write_fails_the_bundle(tmp_path, monkeypatch):
    """Row groups are written on a thread of their own; a write that fails there (a full
    disk) is raised in the bundle, never lost."""
    from apache_beam.io.filesystems import FileSystems

    from schemas.datasets import REJECTS, SCHEMAS
    from transforms import beam as beam_module

    class FullDisk:
        def __init__(self, handle):
            self._handle = handle

        def write(self, data):
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._handle, name)

    create = FileSystems.create
    monkeypatch.setattr(beam_module.FileSystems, "create", lambda path, *a, **k: FullDisk(create(path, *a, **k)))
    when = dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)
    fn = beam_module._StreamWriteFn(str(tmp_path), SCHEMAS[REJECTS], "zstd", "-t", "none", "2026-11-28")
    fn.setup()
    fn.start_bundle()
    fn.process({"source_uri": "f01", "reason": "empty", "detail": "", "size_bytes": 0, "rejected_at": when,
                "schema_version": 2})
    with pytest.raises(OSError, match="No space left"):
        list(fn.finish_bundle())
    fn.teardown()


def test_an_incremental_run_keeps_the_committed_layout(tmp_path, capsys):
    # Before: accepted, and the articles mixed files at the top with ingest_date= directories,
    # which DuckDB ('Hive partition mismatch') and Polars refuse to read.
    from pipeline.cli import main

    write(tmp_path / "in", "a.txt", dump(1))
    out = str(tmp_path / "out")
    base = ["run", "--input", str(tmp_path / "in"), "--output", out, "--incremental"]
    assert main([*base, "--partition-by", "none"]) == 0
    write(tmp_path / "in", "b.txt", dump(2))
    assert main(base) == 2
    assert "partitioned by none" in capsys.readouterr().err
    assert main([*base, "--partition-by", "none"]) == 0
    assert main([*base, "--full-refresh"]) == 0  # rewrites the whole dataset in the new layout
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/articles/**/*.parquet', "
                      "hive_partitioning = true)").fetchall() == [(2,)]
