"""The article-ingest pipeline: options, graph and entry points."""
from importlib import metadata as _metadata


def version() -> str:
    """The installed distribution's version: `article-ingest --version`, and run.json."""
    try:
        return _metadata.version("article-ingest")
    except _metadata.PackageNotFoundError:
        return "unknown"
