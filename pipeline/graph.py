"""The pipeline graph, separate from running it, so tests can build it without the CLI."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam

from pipeline.options import IngestOptions
from transforms.beam import ARTICLES, REJECTS, IngestDumps, WriteRecords

__all__ = ["build_pipeline", "articles_dir", "rejects_dir"]


def articles_dir(output: str) -> str:
    return f"{output.rstrip('/')}/articles"


def rejects_dir(output: str) -> str:
    return f"{output.rstrip('/')}/rejects"


def build_pipeline(p: beam.Pipeline, options: IngestOptions, ingested_at: dt.datetime):
    """Adds the ingest graph to `p`: match -> split -> write articles and rejects.

    Returns the DoOutputsTuple of article and reject rows (before writing).
    """
    outputs = p | "IngestDumps" >> IngestDumps(
        options.input,
        rules_path=options.rules,
        markup=options.markup,
        max_file_bytes=options.max_file_bytes,
        ingested_at=ingested_at,
    )
    codec = options.parquet_codec
    outputs[ARTICLES] | "WriteArticles" >> WriteRecords(articles_dir(options.output), ARTICLES, codec=codec)
    outputs[REJECTS] | "WriteRejects" >> WriteRecords(rejects_dir(options.output), REJECTS, codec=codec)
    return outputs
