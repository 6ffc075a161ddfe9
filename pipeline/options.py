"""The pipeline's options: a PipelineOptions subclass, so they travel with the job to any runner."""
from __future__ import annotations

from importlib import resources

from apache_beam.options.pipeline_options import PipelineOptions

__all__ = ["IngestOptions", "DEFAULT_OUTPUT", "default_input", "MARKUPS"]

DEFAULT_OUTPUT = "out"
MARKUPS = ("auto", "text", "markdown")


def default_input() -> str:
    """The sample dumps shipped in the package: what a run with no --input reads."""
    return str(resources.files("pipeline").joinpath("samples")) + "/*"


class IngestOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument(
            "--input",
            default=None,
            help="Glob of dump files, one article per file, on any Beam filesystem "
            "(e.g. 'dumps/*.txt', 'gs://bucket/dumps/**'). Default: the sample dumps shipped "
            "with the package.",
        )
        parser.add_argument(
            "--output",
            default=DEFAULT_OUTPUT,
            help="Output directory; the run writes OUTPUT/articles/, OUTPUT/rejects/ and "
            "OUTPUT/run.json, replacing what an earlier run wrote there. Default: ./out",
        )
        parser.add_argument(
            "--rules",
            default=None,
            help="A TOML rules file layered over the default boilerplate and credit rules "
            "(see README, 'Writing a rules file').",
        )
        parser.add_argument(
            "--format",
            dest="markup",
            default="auto",
            choices=MARKUPS,
            help="How to read the dumps: 'auto' sniffs each file's content (markdown images, "
            "headings or links make it markdown); 'text' or 'markdown' force one.",
        )
        parser.add_argument(
            "--max_file_bytes",
            "--max-file-bytes",
            type=int,
            default=50 * 1024 * 1024,
            help="Files larger than this are rejected with reason 'too_large' without being "
            "read. Default: 52428800 (50 MiB).",
        )
        parser.add_argument(
            "--parquet_codec",
            "--parquet-codec",
            default="zstd",
            choices=("zstd", "snappy", "gzip", "none"),
            help="Compression of the Parquet files. Default: zstd.",
        )
