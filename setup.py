"""A shim for Beam's --setup_file: remote workers (Dataflow, Flink, Spark) install the project
from the sdist Beam builds with `python setup.py sdist`. Everything (packages, the rules file,
dependencies) is declared in pyproject.toml; this file only lets that command run."""
from setuptools import setup

setup()
