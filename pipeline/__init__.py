"""The article-ingest pipeline: options, graph and entry points."""
