#!/usr/bin/env bash
# Set up a fresh machine for Maillage: system packages, a virtual environment, the project.
# Idempotent: a second run only checks (nothing is installed again while pyproject.toml is unchanged).
# Used by scripts/run.sh and scripts/test.sh.
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

# Virtuoso 7, the third engine tests/test_engines.py runs the library on (a private server per test session).
# Only Debian's server binaries (virtuoso-opensource-7-bin: virtuoso-t, isql-vt), not the virtuoso-opensource
# package: that one also installs a system service, started at once where services start, whose dba password
# stays "dba" unless one is typed at install time.
if [ "$extras" = "test" ] && ! command -v virtuoso-t >/dev/null 2>&1; then
    echo "==> installing virtuoso-opensource-7-bin (Virtuoso 7)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        virtuoso-opensource-7-bin >/dev/null
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
    echo "==> création de l'environnement .venv / creating .venv"
    python3 -m venv .venv
fi
# Installed again only when pyproject.toml changed (or the venv is new): a stamp per set of extras holds the
# sha256 of the pyproject.toml it was installed from (an install with extras also serves one without).
stamp=".venv/.maillage-installed-${extras:-none}"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -z "$extras" ]; then stamps=(.venv/.maillage-installed-*); else stamps=("$stamp"); fi
if [ -x .venv/bin/maillage ] && grep -qsx "$wanted" "${stamps[@]}"; then
    echo "==> maillage${extras:+ [$extras]} déjà installé, pyproject.toml inchangé / already installed"
else
    echo "==> installation de maillage${extras:+ [$extras]} (pip, quelques minutes la première fois) / installing"
    .venv/bin/python -m pip install --quiet --upgrade pip
    # setuptools' notice about editable installs (InformationOnly, nothing to act on) is a wall of asterisks.
    PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    echo "$wanted" > "$stamp"
fi

# The official territorial referential, pinned and integrity-checked, fetched once into the cache, and its
# SHACL validation, once per version (each long step says what it does; nothing to do when cached).
.venv/bin/maillage referential fetch >/dev/null
# The viewer's maps (viewer and test extras): places' points and outlines, pinned and checked, fetched and
# prepared once into the cache.
if [ -n "$extras" ]; then
    .venv/bin/maillage geometry fetch >/dev/null
fi

if [ "$extras" = "test" ] && [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ]; then
    echo "==> installation d'axe-core pour le test du navigateur (npm ci) / installing axe-core"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
