"""The same pipeline on three engines gives the same records: Beam's in-process runner, the
DirectRunner in multi_processing mode with 2 workers, and the Dask runner on a local
dask.distributed cluster started here. Plus the packaging remote workers get (--setup_file)."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from _dumps import content, dump, long_dump, rows, write

from pipeline.options import IngestOptions
from pipeline.run import run

ROOT = Path(__file__).resolve().parents[1]
PUBLISHERS = ["Pier Bulletin", "Coast Weekly", "Shore Times"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Forty dumps, two syndicated copies of one of them, one empty file and a near-duplicate pair."""
    d = tmp_path_factory.mktemp("landing")
    for n in range(40):
        write(d, f"a{n:03d}.txt", dump(n, publisher=PUBLISHERS[n % 3]))
    write(d, "copy-1.txt", dump(7, publisher="Late Gazette"))
    write(d, "copy-2.txt", dump(7, publisher="Other Gazette"))
    write(d, "empty.txt", "")
    write(d, "long-a.txt", long_dump(90))
    write(d, "long-b.txt", long_dump(90).replace("told reporters", "told a reporter"))
    return d


def _records(landing: Path, out: Path, *flags: str) -> tuple[dict, dict]:
    summary = run(IngestOptions(["--input", str(landing / "*"), "--output", str(out),
                                 "--partition-by", "publisher", *flags]))
    datasets = {}
    for name, key in (("articles", "source_uri"), ("rejects", "source_uri"), ("duplicates", "source_uri")):
        found = [content({k: v for k, v in r.items() if k not in ("rejected_at", "detected_at")})
                 for r in rows(out / name)]
        datasets[name] = sorted(found, key=lambda r: r[key])
    return summary, datasets


@pytest.fixture(scope="module")
def in_process(landing, tmp_path_factory):
    return _records(landing, tmp_path_factory.mktemp("in_process"))


@pytest.fixture(scope="module")
def dask_scheduler():
    """A local dask.distributed cluster: a scheduler and two worker processes."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("apache_beam.runners.dask.dask_runner")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


DASK = ("--runner", "apache_beam.runners.dask.dask_runner.DaskRunner", "--dask_client_address")


def _check_same(in_process, other) -> None:
    summary, datasets = other
    ref_summary, ref = in_process
    assert len(ref["articles"]) == 42 and len(ref["duplicates"]) == 2 and len(ref["rejects"]) == 1
    assert datasets == ref
    for key in ("articles", "duplicates", "rejects", "inputs", "reconciled"):
        assert summary[key] == ref_summary[key], key


def test_multi_processing_direct_runner_gives_the_same_records(landing, in_process, tmp_path):
    _check_same(in_process, _records(landing, tmp_path / "out", "--direct_running_mode", "multi_processing",
                                     "--direct_num_workers", "2"))


def test_dask_runner_gives_the_same_records(landing, in_process, tmp_path, dask_scheduler):
    result = _records(landing, tmp_path / "out", *DASK, dask_scheduler)
    assert result[0]["runner"].endswith("DaskRunner") and result[0]["metrics_available"] is False
    _check_same(in_process, result)


def test_near_dup_gives_the_same_marks_on_dask(landing, tmp_path, dask_scheduler):
    local = _records(landing, tmp_path / "local", "--near-dup")[1]
    dask = _records(landing, tmp_path / "dask", "--near-dup", *DASK, dask_scheduler)[1]
    assert [r["source_uri"].rsplit("/", 1)[-1] for r in local["articles"] if r["near_dup_of"]] in (
        ["long-a.txt"], ["long-b.txt"])
    assert dask == local


@pytest.mark.parametrize(("flags", "spread"), [
    ((), False),
    (("--runner", "DirectRunner"), False),
    (("--direct_num_workers", "2"), True),
    (("--direct_running_mode", "multi_processing", "--direct_num_workers", "2"), True),
    (("--direct_num_workers", "0"), True),  # 0: one worker per core
    (DASK + ("tcp://127.0.0.1:1",), True),
])
def test_chunks_are_spread_over_workers_unless_there_is_one(tmp_path, flags, spread):
    """One in-process worker reads the chunks where they are listed; any other runner
    redistributes them first, so that every worker gets a share."""
    import datetime as dt

    import apache_beam as beam

    from pipeline.graph import build_pipeline
    from pipeline.options import one_local_worker

    options = IngestOptions(["--input", str(tmp_path / "*"), "--output", str(tmp_path / "o"), *flags])
    assert one_local_worker(options) is not spread
    pipeline = beam.Pipeline(runner="DirectRunner", options=options)
    build_pipeline(pipeline, options, dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), run_id="r1",
                   target=str(tmp_path / "o"), chunks=[(str(tmp_path / "list.jsonl"), 0, 10)])
    labels = {t.unique_name for t in pipeline.to_runner_api().components.transforms.values()}
    assert ("IngestDumps/SpreadChunks" in labels) is spread


def test_setup_file_sdist_ships_code_and_rules(tmp_path):
    """What --setup_file ./setup.py sends to Dataflow/Flink/Spark workers: an sdist of the project."""
    # egg_info into tmp_path too: the test leaves nothing in the checkout.
    subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", str(tmp_path),
                    "sdist", "--dist-dir", str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    [sdist] = list(tmp_path.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in ("setup.py", "pipeline/run/__init__.py", "pipeline/run/__main__.py", "pipeline/graph.py",
                   "transforms/beam.py", "transforms/formats/text.py", "transforms/metadata.py",
                   "pipeline/dedupe.py", "transforms/formats/__init__.py", "schemas/record.py",
                   "schemas/rules/default.toml"):
        assert needed in names, needed


def test_the_local_runner_starts_its_multi_processing_workers_through_the_stand_in(monkeypatch):
    """Beam's own worker command becomes the stand-in (`python -I -S .../pipeline/standin.py`);
    other environments (a user's own worker command, the in-process one) are left as they are."""
    from apache_beam.portability import python_urns
    from apache_beam.portability.api import beam_runner_api_pb2
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from pipeline import standin
    from pipeline.run import _LocalRunner

    beams = f"{sys.executable} -m apache_beam.runners.worker.sdk_worker_main".encode()
    proto = beam_runner_api_pb2.Pipeline()
    envs = proto.components.environments
    envs["beam"].urn, envs["beam"].payload = python_urns.SUBPROCESS_SDK, beams
    envs["own"].urn, envs["own"].payload = python_urns.SUBPROCESS_SDK, b"/opt/py -m my_worker"
    envs["embedded"].urn = python_urns.EMBEDDED_PYTHON
    seen = {}
    # Beam's runner itself only records what it is given here.
    monkeypatch.setattr(FnApiRunner, "run_via_runner_api", lambda self, p, o: seen.update(
        {k: (v.urn, v.payload) for k, v in p.components.environments.items()}))
    _LocalRunner().run_via_runner_api(proto, None)
    stand_in = f"trap '' INT; exec {sys.executable} -I -S {standin.__file__}".encode()  # Ctrl-C ignored
    assert seen["beam"] == (python_urns.SUBPROCESS_SDK, stand_in)
    assert seen["own"] == (python_urns.SUBPROCESS_SDK, b"/opt/py -m my_worker")
    assert seen["embedded"] == (python_urns.EMBEDDED_PYTHON, b"")


def test_beam_is_imported_without_pandas_and_pandas_still_works_afterwards():
    pytest.importorskip("pandas")
    code = ("import sys\n"
            "from pipeline.startup import import_beam\n"
            "import_beam()\n"
            "import pyarrow as pa\n"
            "pa.array(['x'], type=pa.string())\n"
            "assert 'apache_beam' in sys.modules and 'pandas' not in sys.modules\n"
            "import pandas\n"
            "assert pa.table({'a': [1, 2]}).to_pandas()['a'].sum() == 3\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_beams_optional_connectors_are_left_out_at_start_up_and_import_later():
    """MongoDB's and BigQuery's connectors are not imported with Beam, without Beam's warning
    about them, and an explicit import afterwards (streaming's ReadFromPubSub) still works."""
    code = ("import logging, sys\n"
            "logging.basicConfig(level=logging.INFO)\n"
            "from pipeline.startup import import_beam\n"
            "import_beam()\n"
            "left = ('pymongo', 'bson', 'apache_beam.io.gcp.bigquery')\n"
            "print(sorted(m for m in left if m in sys.modules))\n"
            "import apache_beam.io.gcp.bigquery, pymongo\n"
            "from apache_beam.io.gcp.pubsub import ReadFromPubSub\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["[]", "ok"], done.stderr[-2000:]
    assert "bson" not in done.stderr, done.stderr[-2000:]


def test_beams_http_client_is_imported_only_when_a_remote_launch_uses_it():
    """Beam's stager imports its HTTP client (httplib2, pyparsing) for downloads only a remote
    launch makes: at start-up it is a stand-in, and the first use imports the real module,
    which takes the stand-in's place."""
    name = "apache_beam.internal.http_client"
    code = ("import sys\n"
            "from pipeline.startup import import_beam\n"
            "import_beam()\n"
            "print(sorted(m for m in ('httplib2', 'pyparsing') if m in sys.modules))\n"
            "from apache_beam.runners.portability import stager\n"
            "import httplib2\n"
            "print(isinstance(stager.get_new_http(timeout_secs=5), httplib2.Http))\n"
            f"real = sys.modules[{name!r}]\n"
            "import apache_beam.internal as package\n"
            "print(real.__file__.endswith('http_client.py'), package.http_client is real,\n"
            "      stager.get_new_http().timeout == 60)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["[]", "True", "True", "True", "True"], done.stderr[-2000:]
    # Looking up anything else on the stand-in imports the real module too.
    code = ("import sys\n"
            "from pipeline.startup import import_beam\n"
            "import_beam()\n"
            f"print(sys.modules[{name!r}].DEFAULT_HTTP_TIMEOUT_SECONDS, 'httplib2' in sys.modules,\n"
            f"      hasattr(sys.modules[{name!r}], '__file__'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["60", "True", "True"], done.stderr[-2000:]


def test_a_deferred_module_that_cannot_be_found_says_so_when_used():
    from pipeline.startup import _Deferred

    deferred = _Deferred("json.no_such_module", ("load",))
    with pytest.raises(ModuleNotFoundError, match="json.no_such_module"):
        deferred.load()
    assert "json.no_such_module" not in sys.modules


def test_beams_state_sampler_wakes_often_enough_not_to_hold_up_the_end_of_a_bundle():
    """A bundle's end waits for the sampler's sleep: at most 20 ms after start-up, not 200."""
    code = ("from pipeline.startup import import_beam\n"
            "import_beam()\n"
            "from apache_beam.runners.worker.statesampler import StateSampler\n"
            "from apache_beam.utils.counters import CounterFactory\n"
            "print(StateSampler('stage', CounterFactory()).sampling_period_ms)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.split() == ["20"], done.stderr[-2000:]


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("user_set", [{}, {"ARROW_DEFAULT_MEMORY_POOL": "mimalloc", "OPENBLAS_NUM_THREADS": "2"}])
@pytest.mark.parametrize("start", ["import_beam", "import_pyarrow"])
def test_arrow_allocates_with_malloc_and_openblas_starts_no_threads_unless_the_user_says(user_set, start):
    """After start-up Arrow's default pool is the C library's and OpenBLAS has no thread pool
    (one thread in the process besides Arrow's jemalloc helper); a value the user set wins.
    The same for pyarrow alone, as the benchmark's bare loop imports it."""
    code = ("import os\n"
            f"from pipeline.startup import {start}\n"
            f"{start}()\n"
            "import pyarrow as pa\n"
            "tasks = [open(f'/proc/self/task/{t}/comm').read().strip() for t in os.listdir('/proc/self/task')]\n"
            "print(pa.default_memory_pool().backend_name, os.environ['OPENBLAS_NUM_THREADS'],\n"
            "      len([t for t in tasks if t != 'jemalloc_bg_thd']))\n")
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "OPENBLAS_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**env, **user_set})
    if user_set:
        assert done.stdout.split() == ["mimalloc", "2", "2"], done.stderr[-2000:]
    else:
        assert done.stdout.split() == ["system", "1", "1"], done.stderr[-2000:]


def test_multi_processing_workers_are_quiet_unless_the_run_is_verbose(landing, tmp_path):
    """Beam's worker processes print a few dozen INFO lines each; the command line's quiet
    default reaches them too, and -v shows them."""
    def stderr_of(*flags: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--input", str(landing / "a00*"),
             "--output", str(tmp_path / f"out{len(flags)}"), "--progress", "off",
             "--direct_running_mode", "multi_processing", "--direct_num_workers", "2", *flags],
            capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stderr

    quiet = stderr_of()
    assert "INFO" not in quiet and "sdk_worker" not in quiet, quiet
    assert "Python sdk harness starting" in stderr_of("-v")
