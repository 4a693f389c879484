#!/usr/bin/env bash
# Set up a fresh machine for Maillage: system packages, a virtual environment, the project.
# Idempotent: a second run only checks. Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# rapper (Debian's raptor2-utils) is the independent Turtle parser the tests use.
if [ "$extras" = "test" ] && ! command -v rapper >/dev/null 2>&1; then
    echo "==> installing raptor2-utils (rapper)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq raptor2-utils >/dev/null
fi

# The viewer's browser test (tests/test_e2e_browser.py): Debian's chromium, driven by Playwright through
# its executable path (no browser download), and npm for axe-core (tests/e2e/package-lock.json).
browser_packages=""
command -v chromium >/dev/null 2>&1 || browser_packages="$browser_packages chromium"
command -v npm >/dev/null 2>&1 || browser_packages="$browser_packages npm"
if [ "$extras" = "test" ] && [ -n "$browser_packages" ]; then
    echo "==> installing$browser_packages"
    as_root apt-get update -qq
    # shellcheck disable=SC2086  # one word per package
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $browser_packages >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    python3 -m venv .venv
fi
echo "==> installing maillage${extras:+ [$extras]}"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"

# The official territorial referential, pinned and integrity-checked, fetched once into the cache.
.venv/bin/maillage referential fetch >/dev/null
# The viewer's maps (viewer and test extras): places' points and outlines, pinned and checked, fetched and
# prepared once into the cache.
if [ -n "$extras" ]; then
    .venv/bin/maillage geometry fetch >/dev/null
fi

if [ "$extras" = "test" ] && [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ]; then
    echo "==> installing axe-core (npm ci)"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
