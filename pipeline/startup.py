"""Importing Apache Beam the quick way, for the command line and the local runner's workers.

Importing Beam is most of a small run's start-up (about 0.8 CPU-seconds), and parts of it
are not needed here:

- Beam's type hints import pandas whenever it is installed, only to register converters for
  Beam DataFrames, which this pipeline does not use: a third of the import. So does
  pyarrow, the first time it converts a Python list (to tell pandas objects apart), and it
  remembers the answer. pandas is kept out while Beam is imported and pyarrow makes that
  first conversion; code that imports pandas later gets it as usual (and pyarrow's
  `to_pandas` still works).
- Beam's I/O package imports the MongoDB and BigQuery connectors, guarded so that Beam works
  without them; they are kept out the same way (_NOT_NEEDED).
- Two native libraries are set up for this workload, unless the environment already says
  otherwise (_NATIVE_DEFAULTS): Arrow allocates with the C library's malloc rather than its
  bundled mimalloc, and OpenBLAS (numpy's, which Beam imports) starts no thread pool. On a
  2-core Linux VM, mimalloc's memory came back as freshly zeroed huge pages after every row
  group (a fifth of a run's CPU time, in the kernel), and OpenBLAS's idle threads spun for
  a tenth of a CPU-second; this pipeline does no linear algebra. Records are unchanged.
- Beam's stager (which uploads a job's packages to a remote runner) imports Beam's HTTP
  client module, and with it httplib2 and pyparsing, a tenth of the import's CPU time, for
  downloads only a remote launch makes. That module is a lazy stand-in until it is used
  (_DEFERRED): the first call or lookup imports the real one, which takes its place.
- The garbage collector runs dozens of times while the import creates its objects, none of
  which are garbage: it is paused during the import, and the objects are then frozen
  (gc.freeze), so that no collection during the run walks them again.

`run_worker` is Beam's SDK worker (apache_beam.runners.worker.sdk_worker_main) started this
way, for the local runner's `multi_processing` workers (pipeline/workers.py). Such a worker
logs only errors when the command line that started the run is not verbose (it sets
QUIET_WORKERS in the environment the workers inherit): Beam's workers otherwise print a few
dozen INFO lines each.
"""
from __future__ import annotations

import contextlib
import gc
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
import types
from collections.abc import Iterator

__all__ = ["QUIET_WORKERS", "import_beam", "import_pyarrow", "run_worker"]

# Set to "1" in the environment: the local runner's workers log errors only.
QUIET_WORKERS = "ARTICLE_INGEST_QUIET_WORKERS"

# Modules Beam imports when they are installed, that this pipeline never uses, each behind a
# guard in Beam that carries on without it: pandas (above); MongoDB's client, for
# apache_beam.io.mongodbio; and BigQuery's connector (apache_beam.io imports it, Pub/Sub's and
# GCS's in the same guarded block). About a tenth of a second in all. An explicit import
# after start-up (streaming's ReadFromPubSub, a Dataflow launch) works as usual.
_NOT_NEEDED = ("pandas", "bson", "pymongo", "apache_beam.io.gcp.bigquery")
# The one warning a left-out module makes Beam log at import ("Could not find a compatible
# bson package"), silenced during the import.
_QUIET_DURING_IMPORT = "apache_beam.io.mongodbio"


# Beam modules imported with Beam but used only by a remote launch, by name: the functions
# other modules import from them. Each is a _Deferred module until used.
_DEFERRED = {"apache_beam.internal.http_client": ("get_new_http",)}


# Environment read once, when the library loads: set before Beam imports numpy and pyarrow, and
# inherited by the local runner's workers. A value the user set is kept.
_NATIVE_DEFAULTS = {"ARROW_DEFAULT_MEMORY_POOL": "system", "OPENBLAS_NUM_THREADS": "1"}


class _Absent(importlib.abc.MetaPathFinder):
    """Makes the given modules (and their submodules) fail to import, as if they were not
    installed."""

    def __init__(self, modules: tuple[str, ...]):
        self._modules = modules

    def find_spec(self, name, path=None, target=None):
        if any(name == module or name.startswith(module + ".") for module in self._modules):
            raise ModuleNotFoundError(f"{name} is left out while Apache Beam is imported", name=name)
        return None


class _Deferred(types.ModuleType):
    """Stands in for a module until it is used. Calling one of `functions` (which importers
    may have bound already) or looking up any other attribute imports the real module, which
    then replaces the stand-in in sys.modules and on its package."""

    def __init__(self, name: str, functions: tuple[str, ...]):
        super().__init__(name)
        self._real: types.ModuleType | None = None
        for function in functions:
            setattr(self, function, self._deferred(function))

    def _deferred(self, function: str):
        def call(*args, **kwargs):
            return getattr(self._load(), function)(*args, **kwargs)

        call.__name__ = call.__qualname__ = function
        return call

    def __getattr__(self, name: str):  # attributes the stand-in does not have
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._load(), name)

    def _load(self) -> types.ModuleType:
        if self._real is None:
            package, _, child = self.__name__.rpartition(".")
            importlib.import_module(package)
            spec = importlib.machinery.PathFinder.find_spec(self.__name__, sys.modules[package].__path__)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {self.__name__!r}", name=self.__name__)
            real = importlib.util.module_from_spec(spec)
            sys.modules[self.__name__] = real
            try:
                spec.loader.exec_module(real)
            except BaseException:
                sys.modules[self.__name__] = self
                raise
            setattr(sys.modules[package], child, real)
            self._real = real
        return self._real


@contextlib.contextmanager
def _left_out(modules: tuple[str, ...]) -> Iterator[None]:
    """Within the block, `modules` fail to import as if not installed; one the caller has
    already imported (pandas, say) is left alone, submodules included."""
    finder = _Absent(tuple(module for module in modules if module not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_beam() -> None:
    """Imports Apache Beam and the local runner, without the _NOT_NEEDED modules and without
    the garbage collector's passes. Does nothing when Beam is already imported."""
    if "apache_beam" in sys.modules:
        return
    _native_defaults()
    quiet = logging.getLogger(_QUIET_DURING_IMPORT)
    was_quiet, quiet.disabled = quiet.disabled, True
    enabled = gc.isenabled()
    gc.disable()
    for name, functions in _DEFERRED.items():
        sys.modules.setdefault(name, _Deferred(name, functions))
    try:
        with _left_out(_NOT_NEEDED):
            import apache_beam  # noqa: F401 - the import is the point
            from apache_beam.runners.portability.fn_api_runner import FnApiRunner  # noqa: F401

            import_pyarrow()
        _sample_more_often()
    finally:
        quiet.disabled = was_quiet
        gc.freeze()
        if enabled:
            gc.enable()


def import_pyarrow() -> None:
    """pyarrow, with _NATIVE_DEFAULTS (where it is not imported yet) and its one check for
    pandas (at its first conversion of a Python list) made while pandas is left out: also for
    Parquet written without Beam (scripts/bench.py's bare loop, timed as the CLI's)."""
    _native_defaults()
    with _left_out(("pandas",)):
        import pyarrow

        pyarrow.array([], type=pyarrow.string())


def _native_defaults() -> None:
    """_NATIVE_DEFAULTS, where the environment sets nothing and before the libraries load."""
    for name, value in _NATIVE_DEFAULTS.items():
        os.environ.setdefault(name, value)


# Beam's state sampler (a thread per bundle that notes which step is running, for its
# msecs counters) sleeps up to 200 ms between samples, and the end of each bundle waits for
# that sleep to finish: on average a tenth of a second of every run spent waiting. It
# samples every 20 ms at most here; each sample is a few microseconds.
_SAMPLING_PERIOD_MS = 20


def _sample_more_often() -> None:
    from apache_beam.runners.worker import statesampler

    init = statesampler.StateSampler.__init__
    if init.__defaults__ == (statesampler.DEFAULT_SAMPLING_PERIOD_MS,):  # as in Beam 2.x
        init.__defaults__ = (_SAMPLING_PERIOD_MS,)


def run_worker(argv: list[str]) -> None:
    """Beam's SDK worker, in this process: logging errors only when QUIET_WORKERS is set."""
    if os.environ.get(QUIET_WORKERS) == "1":
        logging.disable(logging.WARNING)  # Beam's harness resets log levels; this it keeps
    import_beam()
    from apache_beam.runners.worker import sdk_worker_main

    sdk_worker_main.main(argv)
