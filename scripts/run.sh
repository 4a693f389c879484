#!/usr/bin/env bash
# Main job: set up, build and validate the graph from data/ into build/, then open the viewer on it
# (embedded Oxigraph store) at http://127.0.0.1:8501 until Ctrl-C. Arguments go to `maillage build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh viewer
.venv/bin/maillage build "$@"
echo "==> viewer: http://127.0.0.1:${MAILLAGE_PORT:-8501} (Ctrl-C to stop)"
# maillage-viewer (app/viewer/launch.py) starts opening the graph, then runs `streamlit run app/server.py` with
# the offline settings (no usage statistics), whatever the working directory.
exec .venv/bin/maillage-viewer --server.address 127.0.0.1 --server.port "${MAILLAGE_PORT:-8501}"
