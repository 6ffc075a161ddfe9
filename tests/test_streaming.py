"""The streaming graph (pipeline/streaming.py) on Beam's BundleBasedDirectRunner in streaming
mode, with a TestStream standing in for the unbounded source: windows, the dedupe across
windows, rejects and a late element, against the batch graph over the same dumps. Plus the
pure parts (Cloud Storage notifications, window file names) and the command line."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from _dumps import content, dump, write
from apache_beam.io.filesystem import FileMetadata
from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner
from apache_beam.testing import test_stream
from apache_beam.transforms.window import IntervalWindow, TimestampedValue
from apache_beam.utils.windowed_value import PaneInfo, PaneInfoTiming

from pipeline.cli import main
from pipeline.options import IngestOptions
from pipeline.run import run
from pipeline.streaming import build_streaming_pipeline
from schemas.record import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA
from transforms.notifications import notified_file
from transforms.windowed import window_file_name

WINDOW = 60
DATASETS = ("articles", "rejects", "duplicates")
# A minute boundary, so the windows are [T0, T0+60) and [T0+60, T0+120).
T0 = 1_796_000_040
assert T0 % WINDOW == 0


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("landing")
    for n in range(4):
        write(d, f"a{n}.txt", dump(n, publisher="Pier Bulletin"))
    # The same article as a0.txt under another footer: a duplicate (same body, same id).
    write(d, "copy-of-a0.txt", dump(0, publisher="Coast Weekly"))
    write(d, "empty.txt", "")
    return d


def _matched(landing: Path, name: str, seconds: float) -> TimestampedValue:
    path = str(landing / name)
    return TimestampedValue(FileMetadata(path, os.path.getsize(path), 0.0), seconds)


def _files(root: Path) -> dict[str, list[dict]]:
    """Rows of every Parquet file under root, by path relative to root."""
    files = [f for f in sorted(root.rglob("*.parquet"))
             if not any(part.startswith((".", "_")) for part in f.relative_to(root).parts)]
    return {str(f.relative_to(root)): pq.read_table(f).to_pylist() for f in files}


@pytest.fixture(scope="module")
def streamed(landing, tmp_path_factory) -> dict[str, dict[str, list[dict]]]:
    """The stream: window 1 gets a0, a1; the watermark passes it; window 2 gets the copy of
    a0, the empty file and a3; then a2 arrives stamped inside window 1, after its end (late)."""
    out = tmp_path_factory.mktemp("streamed")
    stream = (test_stream.TestStream()
              .add_elements([_matched(landing, "a0.txt", T0 + 5),
                             _matched(landing, "a1.txt", T0 + 12)])
              .advance_watermark_to(T0 + WINDOW + 10)
              .add_elements([_matched(landing, "copy-of-a0.txt", T0 + 65),
                             _matched(landing, "empty.txt", T0 + 66),
                             _matched(landing, "a3.txt", T0 + 70)])
              .advance_watermark_to(T0 + 2 * WINDOW + 10)
              .add_elements([_matched(landing, "a2.txt", T0 + 20)])
              .advance_watermark_to_infinity())
    options = IngestOptions(["--output", str(out), "--streaming", "--window", str(WINDOW),
                             "--allowed_lateness", "600"])
    pipeline = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
    build_streaming_pipeline(pipeline, options, run_id="stream-1", source=stream)
    pipeline.run().wait_until_finish()
    return {"root": out, **{name: _files(out / name) for name in DATASETS}}


@pytest.fixture(scope="module")
def batch(landing, tmp_path_factory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("batch")
    run(IngestOptions(["--input", str(landing / "*"), "--output", str(out)]))
    return {name: [row for rows in _files(out / name).values() for row in rows]
            for name in DATASETS}


def _names(rows: list[dict]) -> list[str]:
    return sorted(Path(r["source_uri"]).name for r in rows)


def _window_part(seconds: int) -> str:
    return f"part-{_at(seconds):%Y%m%dT%H%M%SZ}-{_at(seconds + WINDOW):%Y%m%dT%H%M%SZ}"


def test_each_window_is_written_as_its_own_files(streamed):
    day = _at(T0).date().isoformat()
    articles = streamed["articles"]
    first = f"ingest_date={day}/{_window_part(T0)}"
    second = f"ingest_date={day}/{_window_part(T0 + WINDOW)}"
    assert {path: _names(rows) for path, rows in articles.items()} == {
        f"{first}-000-000.parquet": ["a0.txt", "a1.txt"],
        f"{first}-000-001-late.parquet": ["a2.txt"],  # the late element, in a file of its own
        f"{second}-000-000.parquet": ["a3.txt"],
    }
    # Records are stamped with when their file was matched (the element's timestamp).
    stamps = {Path(r["source_uri"]).name: r["ingested_at"]
              for rows in articles.values() for r in rows}
    assert stamps == {"a0.txt": _at(T0 + 5), "a1.txt": _at(T0 + 12), "a2.txt": _at(T0 + 20),
                      "a3.txt": _at(T0 + 70)}
    assert all(r["run_id"] == "stream-1" for rows in articles.values() for r in rows)


def test_window_files_have_the_explicit_schemas(streamed):
    expected = {"articles": ARTICLE_SCHEMA, "rejects": REJECT_SCHEMA,
                "duplicates": DUPLICATE_SCHEMA}
    for name, schema in expected.items():
        for path in streamed[name]:
            assert pq.read_schema(streamed["root"] / name / path) == schema, path


def test_a_copy_arriving_in_a_later_window_is_written_once_and_recorded(streamed):
    articles = [r for rows in streamed["articles"].values() for r in rows]
    ids = [r["article_id"] for r in articles]
    assert len(ids) == len(set(ids)) == 4
    (path, duplicates), = streamed["duplicates"].items()
    assert _window_part(T0 + WINDOW) in path
    assert [(Path(d["source_uri"]).name, Path(d["kept_source_uri"]).name) for d in duplicates] == [
        ("copy-of-a0.txt", "a0.txt")]
    kept = next(r for r in articles if r["source_uri"] == duplicates[0]["kept_source_uri"])
    assert duplicates[0]["article_id"] == kept["article_id"]
    assert duplicates[0]["detected_at"] == _at(T0 + 65)


def test_a_reject_is_written_in_its_window_with_its_reason(streamed):
    (path, rejects), = streamed["rejects"].items()
    assert _window_part(T0 + WINDOW) in path
    assert [(Path(r["source_uri"]).name, r["reason"], r["rejected_at"]) for r in rejects] == [
        ("empty.txt", "empty", _at(T0 + 66))]


def test_the_stream_holds_the_same_records_as_the_batch_graph(streamed, batch):
    def same(row):
        return content({k: v for k, v in row.items() if k not in ("rejected_at", "detected_at")})

    stream_articles = sorted((same(r) for rows in streamed["articles"].values() for r in rows),
                             key=lambda r: r["article_id"])
    batch_articles = sorted((same(r) for r in batch["articles"]), key=lambda r: r["article_id"])
    assert len(batch_articles) == 4
    # The same article_ids and content, boilerplate (what the rules removed) included. The
    # batch keeps the smallest source_uri and the stream the first arrival: here both a0.txt.
    assert stream_articles == batch_articles
    assert any(r["boilerplate"] for r in stream_articles)
    stream_rejects = [same(r) for rows in streamed["rejects"].values() for r in rows]
    assert stream_rejects == [same(r) for r in batch["rejects"]]
    stream_dups = [same(r) for rows in streamed["duplicates"].values() for r in rows]
    assert stream_dups == [same(r) for r in batch["duplicates"]]


def test_notified_file_reads_a_finalize_notification():
    attributes = {"eventType": "OBJECT_FINALIZE", "bucketId": "landing-bucket",
                  "objectId": "dumps/a 1.txt", "payloadFormat": "JSON_API_V1",
                  "objectGeneration": "17"}
    body = json.dumps({"name": "dumps/a 1.txt", "bucket": "landing-bucket", "size": "2048",
                       "updated": "2026-12-01T10:00:00.500Z"}).encode()
    notice = notified_file(attributes, body)
    assert notice.skipped is None
    assert (notice.path, notice.size) == ("gs://landing-bucket/dumps/a 1.txt", 2048)
    assert notice.updated == _at(0).replace(year=2026, month=12, day=1, hour=10,
                                            microsecond=500_000).timestamp()
    # Without a payload the object is still an input; its size is looked up before reading.
    bare = notified_file({**attributes, "payloadFormat": "NONE"}, b"")
    assert (bare.path, bare.size, bare.skipped) == ("gs://landing-bucket/dumps/a 1.txt", None, None)


def test_notifications_that_announce_no_new_file_say_why():
    deleted = {"eventType": "OBJECT_DELETE", "bucketId": "b", "objectId": "o"}
    assert notified_file(deleted, b"{}").skipped == "event:OBJECT_DELETE"
    no_object = {"eventType": "OBJECT_FINALIZE", "bucketId": "b"}
    assert notified_file(no_object, None) == (None, None, 0.0, "no_object")
    assert notified_file({}, None).skipped == "event:none"
    broken = notified_file({"eventType": "OBJECT_FINALIZE", "bucketId": "b", "objectId": "o",
                            "payloadFormat": "JSON_API_V1"}, b"{not json")
    assert (broken.path, broken.size) == ("gs://b/o", None)


def test_window_file_names_tell_late_firings_apart():
    win = IntervalWindow(T0, T0 + WINDOW)
    on_time = PaneInfo(True, False, PaneInfoTiming.ON_TIME, 0, 0)
    late = PaneInfo(False, False, PaneInfoTiming.LATE, 1, 1)
    part = "ingest_date=2026-12-01"
    name = _window_part(T0)
    assert window_file_name(win, on_time, f"{part}/002") == f"{part}/{name}-002-000.parquet"
    assert window_file_name(win, late, f"{part}/002") == f"{part}/{name}-002-001-late.parquet"
    assert window_file_name(win, on_time, "000") == f"{name}-000-000.parquet"  # unpartitioned


@pytest.mark.parametrize("runner", [[], ["--runner", "DirectRunner"], ["--runner", "FnApiRunner"],
                                    ["--runner", "BundleBasedDirectRunner"]])
def test_streaming_on_the_local_runner_is_a_usage_error_pointing_to_watch(landing, tmp_path, capsys,
                                                                         runner):
    out = tmp_path / "out"
    code = main(["run", "--streaming", "--input", str(landing / "*"), "--output", str(out),
                 *runner])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--watch" in err and "--streaming" in err
    assert not out.exists()  # before: a batch job ran and wrote here


def test_streaming_flags_without_streaming_are_a_usage_error(landing, tmp_path, capsys):
    code = main(["run", "--input", str(landing / "*"), "--output", str(tmp_path / "out"),
                 "--window", "30"])
    assert code == 2
    assert "--window applies only to --streaming" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--dedupe_ttl", "--dedupe-ttl"])
def test_streaming_flags_are_named_dashed_as_the_docs_name_them(landing, tmp_path, capsys, flag):
    code = main(["run", "--input", str(landing / "*"), "--output", str(tmp_path / "out"), flag, "60"])
    assert code == 2
    assert "--dedupe-ttl applies only to --streaming" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    usage = capsys.readouterr().out
    assert "[--dedupe-ttl SECONDS]" in usage and "publisher_partition=NAME/" in usage


@pytest.mark.parametrize("flags, message", [
    (["--input", "x/*", "--input_subscription", "projects/p1/subscriptions/s"], "give one of them"),
    ([], "give one of them"),
    (["--input", "x/*", "--incremental"], "--incremental does not apply to --streaming"),
    (["--input", "x/*", "--max_reject_rate", "0.1"], "--max-reject-rate does not apply"),
    (["--input_subscription", "projects/p1/subscriptions/s", "--poll_interval", "5"],
     "--poll-interval applies"),
    (["--input", "x/*", "--window", "0.5"], "--window must be at least 1 second"),
])
def test_streaming_command_lines_no_job_can_run_are_refused(flags, message):
    from pipeline.run import UsageError
    from pipeline.streaming import validate_streaming

    options = IngestOptions(["--streaming", "--runner", "DataflowRunner", *flags])
    with pytest.raises(UsageError, match=message):
        validate_streaming(options)


def test_a_subscription_builds_a_graph_reading_notifications(tmp_path):
    """The Pub/Sub read cannot run here (no project); its graph is built, not run."""
    subscription = "projects/landing-project/subscriptions/dumps-landed"
    options = IngestOptions(["--streaming", "--runner", "DataflowRunner", "--output", str(tmp_path),
                             "--input_subscription", subscription])
    pipeline = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)  # built, never run
    build_streaming_pipeline(pipeline, options, run_id="stream-2")
    labels = {t.full_label for t in pipeline.transforms_stack[0].parts[0].parts}
    assert {"Files/ReadNotifications", "Files/NotifiedFiles"} <= labels


def test_notified_files_keeps_finalized_objects_only():
    from apache_beam.io.gcp.pubsub import PubsubMessage
    from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from transforms.notifications import NotifiedFiles

    landed = {"eventType": "OBJECT_FINALIZE", "bucketId": "b", "objectId": "dumps/x.txt",
              "payloadFormat": "JSON_API_V1"}
    messages = [PubsubMessage(json.dumps({"size": "12"}).encode(), landed),
                PubsubMessage(b"{}", {**landed, "eventType": "OBJECT_DELETE"})]
    with BeamTestPipeline() as p:
        files = p | beam.Create(messages) | NotifiedFiles("test") | beam.Map(
            lambda f: (f.path, f.size_in_bytes))
        assert_that(files, equal_to([("gs://b/dumps/x.txt", 12)]))



def test_the_file_source_polls_what_a_batch_run_of_the_same_glob_reads(tmp_path, monkeypatch):
    # Beam's own matcher needs a directory for '**/' and knows no braces: the source polls
    # one Beam pattern for each reading, so 'land/**/*.{txt,md}' also takes 'land/a.txt'.
    from apache_beam.io import fileio

    from pipeline.streaming import file_source

    polled = []
    original = fileio.MatchContinuously.__init__

    def spy(self, file_pattern, *args, **kwargs):
        polled.append(file_pattern)
        original(self, file_pattern, *args, **kwargs)

    monkeypatch.setattr(fileio.MatchContinuously, "__init__", spy)
    options = IngestOptions([f"--input={tmp_path}/land/**/*.{{txt,md}}", f"--output={tmp_path}/out", "--streaming"])
    _ = beam.Pipeline() | file_source(options)  # built, not run
    assert sorted(polled) == sorted(f"{tmp_path}/land/{p}" for p in ("*.txt", "**/*.txt", "*.md", "**/*.md"))
