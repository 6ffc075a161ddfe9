"""Airflow DAG: ingest the landing area every hour, incrementally, with a reject-rate gate.

Copy this file into the DAGs folder of an Airflow 2.x deployment that has
`apache-airflow-providers-apache-beam` and this project installed (the workers run
`python -m pipeline.run`, which is `article-ingest run`). Settings come from Airflow
Variables so one file serves every environment:

  article_ingest_input    glob of the landing area       default /data/landing/**
  article_ingest_output   output directory                default /data/ingested
  article_ingest_runner   Beam runner                     default DirectRunner (local, offline)

The job is idempotent and commits atomically, so Airflow's retries are safe: a failed or
killed attempt commits nothing and the retry processes the same new inputs. Exit code 3
(too many rejects) fails the task; nothing is committed, the run is recorded in
OUTPUT/_runs/. `max_active_runs=1`: one writer per output directory at a time.
"""
from __future__ import annotations

import datetime as dt

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator

DAG_ID = "article_ingest_hourly"


def pipeline_options() -> dict:
    """Flags for `python -m pipeline.run` (True means a bare flag)."""
    return {
        "input": Variable.get("article_ingest_input", default_var="/data/landing/**"),
        "output": Variable.get("article_ingest_output", default_var="/data/ingested"),
        "incremental": True,
        "partition_by": "ingest_date",
        "max_reject_rate": 0.2,
        "progress": "log",
    }


with DAG(
    dag_id=DAG_ID,
    description="Raw news-article dumps -> normalized Parquet, new inputs only",
    schedule="15 * * * *",
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=5)},
    tags=["article-ingest"],
) as dag:
    ingest = BeamRunPythonPipelineOperator(
        task_id="ingest",
        py_file="pipeline.run",
        py_options=["-m"],
        runner=Variable.get("article_ingest_runner", default_var="DirectRunner"),
        pipeline_options=pipeline_options(),
        # For Dataflow, set the runner Variable to DataflowRunner and add
        # dataflow_config={"project_id": ..., "location": ..., "job_name": "article-ingest"}
        # plus pipeline_options {"temp_location": "gs://…/tmp", "setup_file": "./setup.py"}.
    )
