"""The Beam transforms (TestPipeline + assert_that) and the graph built by build_pipeline."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pyarrow.dataset as ds
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.graph import build_pipeline
from pipeline.options import IngestOptions
from schemas.datasets import ARTICLES, REJECTS
from schemas.record import ARTICLE_SCHEMA, REJECT_SCHEMA, SCHEMA_VERSION
from transforms.beam import IngestDumps

WHEN = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)

GOOD = (
    "Gulls circle over the fish market\n"
    "Gulls wait for scraps as the morning catch is sorted at the quay.Ana Ruiz/Harbour Photos\n"
    "  • The market opens an hour earlier from next week.\n"
    "\n"
    "Traders at the quay said the earlier start would let restaurants buy before the rush.\n"
    "\n"
    "The harbour office agreed to the change after a vote of the market association.\n"
    "\n"
    "Read the original article on Quayside News\n"
)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _key(row):
    return row["source_uri"].rsplit("/", 1)[-1]


def test_ingest_dumps_tags_articles_and_rejects(tmp_path):
    _write(tmp_path, "good.txt", GOOD.encode())
    _write(tmp_path, "empty.txt", b"")
    _write(tmp_path, "binary.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    pattern = str(tmp_path / "in" / "*")
    with BeamTestPipeline() as p:
        out = p | IngestDumps(pattern, ingested_at=WHEN)
        articles = out[ARTICLES] | "ArticleKeys" >> beam.Map(
            lambda r: (_key(r), r["caption_credit"], r["publisher"], len(r["paragraphs"])))
        rejects = out[REJECTS] | "RejectKeys" >> beam.Map(lambda r: (_key(r), r["reason"]))
        assert_that(articles, equal_to([("good.txt", "Ana Ruiz/Harbour Photos", "Quayside News", 2)]),
                    label="Articles")
        assert_that(rejects, equal_to([("empty.txt", "empty"), ("binary.bin", "binary")]), label="Rejects")


def test_oversized_file_is_rejected_unread(tmp_path):
    _write(tmp_path, "big.txt", GOOD.encode() * 10)
    with BeamTestPipeline() as p:
        out = p | IngestDumps(str(tmp_path / "in" / "*"), max_file_bytes=100, ingested_at=WHEN)
        assert_that(out[REJECTS] | beam.Map(lambda r: r["reason"]), equal_to(["too_large"]))


def test_internal_error_becomes_reject(tmp_path, monkeypatch):
    """An unexpected exception in a step lands in rejects with its type; the run goes on."""
    _write(tmp_path, "good.txt", GOOD.encode())
    _write(tmp_path, "boom.txt", GOOD.replace("Gulls", "EXPLODE").encode())
    import transforms.beam as beam_module

    real = beam_module.ingest_file

    def flaky(data, uri, *args, **kwargs):
        if b"EXPLODE" in data:
            raise RuntimeError("injected failure")
        return real(data, uri, *args, **kwargs)

    monkeypatch.setattr(beam_module, "ingest_file", flaky)
    with BeamTestPipeline() as p:
        out = p | IngestDumps(str(tmp_path / "in" / "*"), ingested_at=WHEN)
        assert_that(out[ARTICLES] | "A" >> beam.Map(_key), equal_to(["good.txt"]), label="Articles")
        assert_that(out[REJECTS] | "R" >> beam.Map(lambda r: (_key(r), r["reason"], r["detail"][:30])),
                    equal_to([("boom.txt", "internal_error", "RuntimeError: injected failure")]),
                    label="Rejects")


def test_build_pipeline_writes_parquet_with_the_explicit_schemas(tmp_path):
    _write(tmp_path, "good.txt", GOOD.encode())
    # A UTF-8 byte-order mark, then a cp1252 byte: the BOM is authoritative, so undecodable.
    _write(tmp_path, "undecodable.txt", b"\xef\xbb\xbfcaf\xe9 au lait\n\nmore text here\n")
    out_dir = tmp_path / "out"
    # Unpartitioned, so the dataset's schema is the files' schema (no ingest_date column).
    options = IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(out_dir),
                             "--partition-by", "none"])
    with BeamTestPipeline(options=options) as p:
        build_pipeline(p, options, ingested_at=WHEN)
    articles = ds.dataset(str(out_dir / "articles"), partitioning="hive").to_table()
    rejects = ds.dataset(str(out_dir / "rejects"), partitioning="hive").to_table()
    assert articles.schema.remove_metadata() == ARTICLE_SCHEMA.remove_metadata()
    assert rejects.schema.remove_metadata() == REJECT_SCHEMA.remove_metadata()
    assert articles.num_rows == 1 and rejects.num_rows == 1
    row = articles.to_pylist()[0]
    assert row["ingested_at"] == WHEN
    assert row["schema_version"] == SCHEMA_VERSION == 4
    # Provenance (v3): the input file, the release and the effective rules, on both datasets.
    from pipeline import version as pipeline_version
    from transforms.rules import load_rules

    provenance = (str(tmp_path / "in" / "good.txt"), pipeline_version(), load_rules().fingerprint)
    assert (row["source_file"], row["pipeline_version"], row["rules_fingerprint"]) == provenance
    assert len(provenance[2]) == 16 and provenance[1] != "unknown"
    assert row["source_encoding"] == "utf-8" and row["authors"] == [] and row["url"] is None
    assert row["body"] == "\n\n".join(row["paragraphs"])
    assert row["boilerplate"] == [{"rule": "read_original_on", "text": "Read the original article on Quayside News"}]
    reject = rejects.to_pylist()[0]
    assert reject["reason"] == "undecodable"
    assert "offset 6" in reject["detail"]
    assert reject["size_bytes"] == len(b"\xef\xbb\xbfcaf\xe9 au lait\n\nmore text here\n")
    assert reject["source_file"] == reject["source_uri"] == str(tmp_path / "in" / "undecodable.txt")
    assert (reject["pipeline_version"], reject["rules_fingerprint"]) == provenance[1:]


def test_a_title_byline_and_date_line_reach_the_parquet(tmp_path):
    _write(tmp_path, "dated.txt", ("Market opens an hour earlier\n\nBy Ana Ruiz and Tom Berg\n\n"
                                   "Published 2 January 2026, 09:30 GMT\n\n" + GOOD).encode())
    options = IngestOptions(["--input", str(tmp_path / "in" / "*"), "--output", str(tmp_path / "out"),
                             "--partition-by", "none"])
    with BeamTestPipeline(options=options) as p:
        build_pipeline(p, options, ingested_at=WHEN)
    [row] = ds.dataset(str(tmp_path / "out" / "articles")).to_table().to_pylist()
    assert row["title"] == "Market opens an hour earlier"
    assert row["authors"] == ["Ana Ruiz", "Tom Berg"]
    assert row["published_at"] == dt.datetime(2026, 1, 2, 9, 30, tzinfo=dt.timezone.utc)
    assert [b["rule"] for b in row["boilerplate"]] == ["byline", "dateline", "read_original_on"]
    assert row["image_alt"] == "Gulls circle over the fish market" and len(row["paragraphs"]) == 2


def test_a_file_is_read_whole_up_to_the_limit_even_if_it_grew_since_its_size_was_taken(
        tmp_path, monkeypatch):
    import os

    from transforms import beam as beam_edge

    path = tmp_path / "grown.txt"
    path.write_bytes(b"x" * 5000)
    assert beam_edge._read(str(path), 10_000) == b"x" * 5000
    assert beam_edge._read(str(path), 4001) == b"x" * 4001  # never more than the limit
    real_fstat = os.fstat

    def stale_fstat(fd):  # the size as it was before the file grew to 5,000 bytes
        info = real_fstat(fd)
        return os.stat_result((*info[:6], 100, *info[7:]))

    monkeypatch.setattr(beam_edge.os, "fstat", stale_fstat)
    assert beam_edge._read(str(path), 10_000) == b"x" * 5000
    assert beam_edge._read(str(path), 3000) == b"x" * 3000


def test_a_socket_among_the_inputs_is_rejected_as_not_a_regular_file(tmp_path):
    import socket

    _write(tmp_path, "good.txt", GOOD.encode())
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "in" / "sock"))
    try:
        with BeamTestPipeline() as p:
            out = p | IngestDumps(str(tmp_path / "in" / "*"), ingested_at=WHEN)
            assert_that(out[REJECTS] | beam.Map(lambda r: (_key(r), r["reason"], r["detail"])),
                        equal_to([("sock", "unreadable", "not a regular file (a pipe, socket or device)")]))
    finally:
        server.close()


def test_a_fifo_among_the_inputs_is_rejected_without_blocking(tmp_path):
    import os

    _write(tmp_path, "good.txt", GOOD.encode())
    os.mkfifo(tmp_path / "in" / "pipe")
    with BeamTestPipeline() as p:
        out = p | IngestDumps(str(tmp_path / "in" / "*"), ingested_at=WHEN)
        assert_that(out[REJECTS] | beam.Map(lambda r: (_key(r), r["reason"])),
                    equal_to([("pipe", "unreadable")]))
