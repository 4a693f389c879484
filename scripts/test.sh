#!/usr/bin/env bash
# Set up and run the whole test suite (and the project's own checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check graph_builder maillage app tests
.venv/bin/maillage templates --check
# One worker per core, each test file on one worker (its module fixtures built once); the slowest tests listed.
.venv/bin/python -m pytest -n auto --dist loadfile --durations=15 "$@"
