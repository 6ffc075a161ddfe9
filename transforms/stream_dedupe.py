"""Exact duplicates in a stream: the first arrival of each article_id is written, every
later arrival becomes a `duplicates` row naming the kept input.

A batch run dedupes once it has seen everything (pipeline/dedupe.py keeps the smallest
source_uri). A stream never has seen everything, so the choice is made as rows arrive,
with Beam state keyed by article_id: the first arrival wins, which is why a stream may keep
another copy's source_uri than a batch run over the same dumps (the article is the same).
The state of an id is cleared `ttl` seconds of event time after its first arrival, so it
stays bounded; a copy arriving later than that is written again.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.metrics import Metrics
from apache_beam.transforms import userstate
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.utils.timestamp import Duration

from schemas.datasets import ARTICLES, DUPLICATES
from schemas.record import duplicate_row

__all__ = ["KeepFirstArrival"]


class _FirstArrivalFn(beam.DoFn):
    """(article_id, row) -> the row if its id is new, else a duplicates row (tagged)."""

    KEPT = userstate.ReadModifyWriteStateSpec("kept_source_uri", StrUtf8Coder())
    EXPIRY = userstate.TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float, namespace: str):
        self._ttl = Duration.of(ttl_seconds)
        self._namespace = namespace

    def setup(self):
        self._duplicates = Metrics.counter(self._namespace, "duplicates")

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam, kept=beam.DoFn.StateParam(KEPT),
                expiry=beam.DoFn.TimerParam(EXPIRY)):
        _, row = keyed
        kept_uri = kept.read()
        if kept_uri is None:
            kept.write(row["source_uri"])
            expiry.set(timestamp + self._ttl)
            yield row
            return
        self._duplicates.inc()
        yield beam.pvalue.TaggedOutput(DUPLICATES, duplicate_row(
            row["article_id"], row["source_uri"], kept_uri, run_id=row.get("run_id"),
            detected_at=timestamp.to_utc_datetime(has_tz=True), source_file=row.get("source_file"),
            pipeline_version=row.get("pipeline_version"),
            rules_fingerprint=row.get("rules_fingerprint")))

    @userstate.on_timer(EXPIRY)
    def expire(self, kept=beam.DoFn.StateParam(KEPT)):
        kept.clear()


class KeepFirstArrival(beam.PTransform):
    """Article rows (any windowing; run it before windowing, so a copy in a later window is
    still seen) -> a DoOutputsTuple of the first arrival of each article_id (main output,
    `articles`) and the duplicates rows of the others (`duplicates`).

    Args:
      ttl_seconds: how long, in event time, an article_id is remembered after its first
        arrival.
      namespace: the metrics namespace of the `duplicates` counter.
    """

    def __init__(self, ttl_seconds: float, namespace: str):
        super().__init__()
        self._fn = _FirstArrivalFn(ttl_seconds, namespace)

    def expand(self, articles):
        return (articles
                | "KeyByArticleId" >> beam.Map(_keyed).with_input_types(dict)
                .with_output_types(tuple[str, dict])
                | "FirstArrival" >> beam.ParDo(self._fn).with_input_types(tuple[str, dict])
                .with_output_types(dict).with_outputs(DUPLICATES, main=ARTICLES))


def _keyed(row: dict) -> tuple[str, dict]:
    return row["article_id"], row
