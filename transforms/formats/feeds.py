"""Reader for feeds inputs (not implemented yet: every input is rejected as unsupported)."""
from __future__ import annotations

from collections.abc import Iterator

from schemas import reasons
from schemas.record import Article, Reject
from transforms.context import IngestContext


def read(data: bytes, source_uri: str, ctx: IngestContext) -> Iterator[Article | Reject]:
    yield Reject(source_uri, reasons.UNSUPPORTED_FORMAT, "feeds input is not supported yet", len(data),
                 ctx.ingested_at)
