#!/usr/bin/env bash
# Set up and run the whole test suite (and the project's own checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check graph_builder maillage app tests
.venv/bin/maillage templates --check
# One worker per core and one more (many tests wait on servers and browsers: with 2 cores, 3 workers took 6 min 38 s
# against 7 min 53 s for 2); each test file on one worker (its module fixtures built once) but for the files that
# tests/conftest.py splits (its scheduler), the costliest handed out first in the order conftest.py sorts them (not by
# number of tests, xdist's default); the slowest listed.
.venv/bin/python -m pytest -n "$(( $(nproc) + 1 ))" --dist loadfile --no-loadscope-reorder --durations=15 "$@"
