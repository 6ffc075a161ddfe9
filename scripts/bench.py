#!/usr/bin/env python3
"""Benchmark harness: the same as `article-ingest bench` (see pipeline/bench.py).

    scripts/bench.py -n 10000 --repeat 3 --json bench.json
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.bench import main

if __name__ == "__main__":
    sys.exit(main())
