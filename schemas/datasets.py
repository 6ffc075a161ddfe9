"""The datasets a run writes under OUTPUT/, by name, and the explicit schema of each.

Every module that names a dataset directory or picks a schema by dataset uses these.
"""
from __future__ import annotations

import pyarrow as pa

from schemas.record import ARTICLE_SCHEMA, DUPLICATE_SCHEMA, REJECT_SCHEMA, SIGNATURE_SCHEMA

__all__ = ["ARTICLES", "COMMITTED", "DUPLICATES", "REJECTS", "SCHEMAS", "SIGNATURES"]

ARTICLES = "articles"
REJECTS = "rejects"
# Inputs whose article another input (or an earlier run) already has (pipeline/dedupe.py).
DUPLICATES = "duplicates"
# Staging only, never committed: each article's MinHash signature (--near-dup). The leading
# '_' keeps it out of readers' sight, as every staged name is.
SIGNATURES = "_signatures"

# The datasets a commit publishes, in OUTPUT/<name>/.
COMMITTED = (ARTICLES, REJECTS, DUPLICATES)
SCHEMAS: dict[str, pa.Schema] = {
    ARTICLES: ARTICLE_SCHEMA,
    REJECTS: REJECT_SCHEMA,
    DUPLICATES: DUPLICATE_SCHEMA,
    SIGNATURES: SIGNATURE_SCHEMA,
}
