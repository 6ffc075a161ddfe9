"""Record schemas and rule data shipped with article-ingest."""
from schemas.record import (  # noqa: F401
    ARTICLE_SCHEMA,
    REJECT_SCHEMA,
    SCHEMA_VERSION,
    Article,
    Reject,
    Removed,
)
