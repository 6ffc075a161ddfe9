"""`python -m pipeline.run --input … --output …` is `article-ingest run …`: the form Airflow's
BeamRunPythonPipelineOperator launches (py_file="pipeline.run", py_options=["-m"]).

The one module of pipeline.run that imports the command line (pipeline.cli), which imports
pipeline.run: an entry point, never imported itself.
"""
import sys

from pipeline.cli import exit_fast, main

exit_fast(main(["run", *sys.argv[1:]]))
