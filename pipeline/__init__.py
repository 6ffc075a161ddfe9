"""The article-ingest pipeline: options, graph and entry points."""


def version() -> str:
    """The installed distribution's version: `article-ingest --version`, and run.json."""
    # Imported here, not with the package: the local workers' stand-in command
    # (pipeline/workers.py) imports this package, and importlib.metadata is most of that.
    from importlib import metadata

    try:
        return metadata.version("article-ingest")
    except metadata.PackageNotFoundError:
        return "unknown"
