"""The pipeline graph, separate from running it, so tests can build it without the CLI."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import apache_beam as beam

from pipeline import version
from pipeline.options import IngestOptions, jsonl_field_map, one_local_worker
from schemas.datasets import ARTICLES, REJECTS, SIGNATURES
from transforms.beam import IngestDumps, WriteRecords

__all__ = ["build_pipeline", "dataset_dir", "side_partition"]


def dataset_dir(output: str, dataset: str) -> str:
    """The directory of a dataset (schemas.datasets) under an output or staging directory."""
    return f"{output.rstrip('/')}/{dataset}"


# A field only rows of that dataset have. Beam's Dask runner (2.77) hands every output of a
# multi-output ParDo to each consumer (its bag per transform mixes main and tagged outputs),
# so each dataset keeps only its own rows: a no-op on runners that route tags correctly.
_OWN_FIELD = {ARTICLES: "body", REJECTS: "reason"}


def _is_kind(row: dict, kind: str) -> bool:
    """True when `row` is a row of dataset `kind` (articles or rejects)."""
    return _OWN_FIELD[kind] in row


def build_pipeline(
    p: beam.Pipeline,
    options: IngestOptions,
    ingested_at: dt.datetime,
    *,
    run_id: str | None = None,
    target: str | None = None,
    chunks: list[tuple[str, int, int]] | None = None,
    on_count: Callable[[str, int], None] | None = None,
):
    """Adds the ingest graph to `p`: match -> split -> write the articles and rejects (and,
    with --near-dup, each article's signature).

    Article rows are written as they come, duplicates included; once the pipeline has run,
    the launcher removes the duplicates (pipeline/dedupe.py) before it commits.

    Args:
      target: the directory the datasets are written under (a run's staging directory);
        default OPTIONS.output.
      chunks: (list file, offset, length) chunks of a file list the launcher wrote
        (pipeline/storage/inputs.py), instead of matching --input.
      on_count: called on the workers with every counter increment (name, n), besides
        Beam's counters: the command line's live progress (pipeline/cli/progress.note).

    Returns a dict of the article and reject rows (before writing) and, under "files", the
    paths of the Parquet files written.
    """
    target = target or options.output
    ingest_date = ingested_at.astimezone(dt.timezone.utc).date().isoformat()
    write = {"codec": options.parquet_codec, "ingest_date": ingest_date, "file_tag": run_id or ""}

    outputs = p | "IngestDumps" >> IngestDumps(
        options.input,
        rules_path=options.rules,
        markup=options.markup,
        max_file_bytes=options.max_file_bytes,
        ingested_at=ingested_at,
        chunks=chunks,
        max_member_bytes=options.max_member_bytes,
        jsonl_fields=jsonl_field_map(options.jsonl_field),
        run_id=run_id,
        pipeline_version=version(),
        spread=not one_local_worker(options),
        on_count=on_count,
    )
    # Declared element types spare Beam inferring them from the code (a tenth of a second).
    articles = outputs[ARTICLES] | "OnlyArticles" >> _rows_of(ARTICLES)
    rejects = outputs[REJECTS] | "OnlyRejects" >> _rows_of(REJECTS)
    written = (
        articles | "WriteArticles" >> WriteRecords(
            dataset_dir(target, ARTICLES), ARTICLES, partition_by=options.partition_by, **write),
        rejects | "WriteRejects" >> WriteRecords(
            dataset_dir(target, REJECTS), REJECTS, partition_by=side_partition(options), **write),
    )
    if options.near_dup:
        # Each article's MinHash signature, computed on the workers; the launcher finds the
        # clusters from these files once the pipeline has run (pipeline/near_dup.py).
        from transforms.near_dup import signature_row

        written += (articles
                    | "NearDupSignatures" >> beam.Map(signature_row).with_input_types(dict).with_output_types(dict)
                    | "WriteSignatures" >> WriteRecords(dataset_dir(target, SIGNATURES), SIGNATURES,
                                                        partition_by="none", **write),)
    # One last step that depends on every write: Beam's Dask runner (2.77) computes only the
    # graph behind the last transform applied, so both writes must lead to it.
    files = written | "AllWritten" >> beam.Flatten()
    return {ARTICLES: articles, REJECTS: rejects, "files": files}


def _rows_of(kind: str) -> beam.PTransform:
    return beam.Filter(_is_kind, kind).with_input_types(dict, str).with_output_types(dict)


def side_partition(options: IngestOptions) -> str:
    """How rejects and duplicates are partitioned: by ingest date unless --partition-by none."""
    return "none" if options.partition_by == "none" else "ingest_date"
