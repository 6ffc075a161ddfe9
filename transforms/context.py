"""What every reader needs besides the bytes: rules, run time and the user's format choices."""
from __future__ import annotations

import dataclasses
import datetime as dt

from transforms.rules import RuleSet

__all__ = ["IngestContext"]


@dataclasses.dataclass(frozen=True)
class IngestContext:
    rules: RuleSet
    ingested_at: dt.datetime
    # 'auto' (sniff each input) or a forced format name (see transforms.formats.FORMATS).
    format: str = "auto"
    # Largest decompressed size of one archive member or compressed file.
    max_member_bytes: int = 200 * 1024 * 1024
    # JSONL field names, by record field: {"text": "content", "url": "link", ...}.
    jsonl_fields: tuple[tuple[str, str], ...] = ()
