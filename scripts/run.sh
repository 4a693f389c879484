#!/usr/bin/env bash
# Main job: set up, build and validate the graph from data/, write it to build/ and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/maillage build "$@"
