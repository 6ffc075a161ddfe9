"""Cloud Storage Pub/Sub notifications -> the files they announce.

A bucket with a notification configuration publishes one Pub/Sub message per object
change: attributes name the event, bucket and object, and (payload format JSON_API_V1) the
message body is the object's JSON resource. A new or overwritten object (OBJECT_FINALIZE)
is an input; other events (deletes, metadata updates, archiving) are not, and are counted
as `notifications_skipped:<reason>` rather than dropped unseen.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import NamedTuple

import apache_beam as beam
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

__all__ = ["Notice", "NotifiedFiles", "notified_file"]

FINALIZE = "OBJECT_FINALIZE"


class Notice(NamedTuple):
    """What one notification means: an object to ingest (its gs:// path, and its size and
    update time when the payload gave them), or why there is none."""

    path: str | None
    size: int | None = None
    updated: float = 0.0
    skipped: str | None = None


def notified_file(attributes: Mapping[str, str], data: bytes | None) -> Notice:
    """The file a Cloud Storage notification announces, from its attributes and body.

    The size and update time come from the JSON payload when there is one (format NONE has
    none: the size is then looked up before the file is read).
    """
    event = attributes.get("eventType")
    if event != FINALIZE:
        return Notice(None, skipped=f"event:{event or 'none'}")
    bucket, name = attributes.get("bucketId"), attributes.get("objectId")
    if not bucket or not name:
        return Notice(None, skipped="no_object")
    size, updated = None, 0.0
    if attributes.get("payloadFormat") == "JSON_API_V1" and data:
        try:
            resource = json.loads(data)
        except ValueError:
            resource = None
        if isinstance(resource, dict):
            size = _int(resource.get("size"))
            updated = _seconds(resource.get("updated"))
    return Notice(f"gs://{bucket}/{name}", size, updated)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _seconds(value) -> float:
    """An RFC 3339 time ('2026-12-01T10:00:00.123Z') as POSIX seconds; 0.0 if unreadable."""
    if not isinstance(value, str):
        return 0.0
    try:
        return dt.datetime.fromisoformat(value).timestamp()
    except ValueError:
        return 0.0


class _NoticeFn(beam.DoFn):
    def __init__(self, namespace: str):
        self._namespace = namespace

    def process(self, message):
        notice = notified_file(message.attributes or {}, message.data)
        if notice.path is None:
            Metrics.counter(self._namespace, f"notifications_skipped:{notice.skipped}").inc()
            return
        if notice.size is None:  # no JSON payload: ask the store (a gone object: unreadable)
            found = FileSystems.match([notice.path])[0].metadata_list
            if found:
                yield found[0]
                return
        yield FileMetadata(notice.path, notice.size or 0, notice.updated)


class NotifiedFiles(beam.PTransform):
    """PubsubMessages (ReadFromPubSub(..., with_attributes=True)) -> FileMetadata of the
    objects they announce; each element keeps its message's timestamp (its publish time,
    when the object landed)."""

    def __init__(self, namespace: str):
        super().__init__()
        self._namespace = namespace

    def expand(self, messages):
        return messages | "FilesOfNotices" >> beam.ParDo(
            _NoticeFn(self._namespace)).with_output_types(FileMetadata)
