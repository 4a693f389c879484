#!/usr/bin/env bash
# Set up and run the whole test suite (and the project's own checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check graph_builder maillage app tests
.venv/bin/maillage templates --check
# Bytecode written, whatever the environment says (PYTHONDONTWRITEBYTECODE): else every process the suite starts
# (the workers, and each `maillage`, server and benchmark child they run) compiles the project's modules again,
# 0.5 CPU s per `maillage` start, and each worker rewrites every test module's asserts again (8 CPU s per worker
# once pytest keeps them). Compiled once here, before the workers start together.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m compileall -q graph_builder maillage app
# One worker per core and one more (many tests wait on servers and browsers: with 2 cores, 3 workers took 6 min 38 s
# against 7 min 53 s for 2); each test file on one worker (its module fixtures built once) but for the files that
# tests/conftest.py splits (its scheduler), the costliest handed out first in the order conftest.py sorts them (not by
# number of tests, xdist's default); the slowest listed.
.venv/bin/python -m pytest -n "$(( $(nproc) + 1 ))" --dist loadfile --no-loadscope-reorder --durations=15 "$@"
