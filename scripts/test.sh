#!/usr/bin/env bash
# Set up and run the whole test suite (and the project's own checks).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check graph_builder maillage app tests
.venv/bin/maillage templates --check
.venv/bin/python -m pytest "$@"
