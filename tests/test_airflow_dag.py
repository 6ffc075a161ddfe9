"""The scheduling entry points: the Airflow DAG (when Airflow is installed) and the command it
runs, `python -m pipeline.run`, with the exit codes a scheduler acts on."""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _dumps import dump, write

ROOT = Path(__file__).resolve().parents[1]
DAG_FILE = ROOT / "scripts" / "airflow_dag.py"


def test_dag_file_parses_and_names_the_operator():
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert "BeamRunPythonPipelineOperator" in called and "DAG" in called


def test_dag_imports_with_airflow():
    pytest.importorskip("airflow")
    pytest.importorskip("airflow.providers.apache.beam.operators.beam")
    spec = importlib.util.spec_from_file_location("article_ingest_dag", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = module.dag
    assert dag.dag_id == "article_ingest_hourly" and dag.max_active_runs == 1
    [task] = dag.tasks
    assert type(task).__name__ == "BeamRunPythonPipelineOperator"
    assert task.py_file == "pipeline.run" and task.py_options == ["-m"]
    assert task.pipeline_options["incremental"] is True


def _module_run(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline.run", f"--input={tmp_path / 'in' / '*'}",
                           f"--output={tmp_path / 'out'}", "--progress=off", *flags],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_command_the_dag_runs_exits_0_then_3_over_the_reject_rate(tmp_path):
    write(tmp_path / "in", "a.txt", dump(1))
    done = _module_run(tmp_path, "--incremental", "--max_reject_rate=0.5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["articles"] == 1

    write(tmp_path / "in", "e1.txt", "")
    write(tmp_path / "in", "e2.txt", " \n")
    failed = _module_run(tmp_path, "--incremental", "--max_reject_rate=0.5")
    assert failed.returncode == 3, failed.stderr[-2000:]
    assert "max-reject-rate" in failed.stderr
    assert json.loads((tmp_path / "out" / "run.json").read_text())["articles"] == 1  # unchanged
