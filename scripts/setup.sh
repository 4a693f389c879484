#!/usr/bin/env bash
# Set up a fresh machine for Maillage: system packages, a virtual environment, the project.
# Idempotent: a second run only checks (nothing is installed again while pyproject.toml is unchanged).
# Used by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# What the tests need of Debian's packages, installed in one apt-get run (each command looked for first):
# - rapper (raptor2-utils), the independent RDF parser the tests check the dumps with;
# - java (default-jre-headless), for HermiT, the DL reasoner of tests/test_ontology_reasoner.py (owlready2);
# - virtuoso-t (virtuoso-opensource-7-bin), the third engine of tests/test_engines.py (a private server per run).
#   Only Debian's server binaries, not the virtuoso-opensource package: that one also installs a system service,
#   started at once where services start, whose dba password stays "dba" unless one is typed at install time;
# - chromium, driven by Playwright through its executable path for tests/test_e2e_browser.py (no browser
#   download), and npm for axe-core (tests/e2e/package-lock.json).
if [ "$extras" = "test" ]; then
    packages=""
    for wanted in rapper:raptor2-utils java:default-jre-headless chromium:chromium npm:npm; do
        command -v "${wanted%%:*}" >/dev/null 2>&1 || packages="$packages ${wanted#*:}"
    done
    bare=""  # installed without their recommended packages
    command -v virtuoso-t >/dev/null 2>&1 || bare="virtuoso-opensource-7-bin"
    if [ -n "$packages$bare" ]; then
        echo "==> installation de paquets Debian / installing Debian packages:$packages $bare"
        as_root apt-get update -qq
        # shellcheck disable=SC2086  # one word per package
        [ -z "$packages" ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
        # shellcheck disable=SC2086
        [ -z "$bare" ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            $bare >/dev/null
    fi
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
    echo "==> installation de maillage${extras:+ [$extras]} (une minute ou deux la première fois) / installing"
    # uv (PyPI) fetches and installs in parallel: a fresh install took 26 s against 2 min 29 s with pip alone.
    # Compiled at install, as pip does: left to the first imports, several test processes compiled at once.
    # pip stays the fallback when uv cannot be had (a registry that only pip is configured for, say).
    # A package index configured for pip through the environment is uv's too.
    if [ -n "${PIP_INDEX_URL:-}" ]; then export UV_INDEX_URL="${UV_INDEX_URL:-$PIP_INDEX_URL}"; fi
    if .venv/bin/python -m pip install --quiet uv 2>/dev/null \
        && .venv/bin/python -m uv pip install --quiet --compile-bytecode --python .venv/bin/python -e ".${extras:+[$extras]}"; then
        :
    else
        echo "==> uv indisponible : installation par pip / uv unavailable: installing with pip"
        .venv/bin/python -m pip install --quiet --upgrade pip
        # setuptools' notice about editable installs (InformationOnly, nothing to act on) is a wall of asterisks.
        PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
    fi
    echo "$wanted" > "$stamp"
fi

# The official territorial referential, pinned and integrity-checked, fetched once into the cache, and its
# SHACL validation, once per version (each long step says what it does; nothing to do when cached).
# The viewer's maps (viewer and test extras): places' points and outlines, pinned and checked, fetched and
# prepared once into the cache. The two run side by side (on a new machine, 23 s and 30 s of one core each; both
# may fetch the referential's package, each into a folder of its own, moved into place whole).
if [ -n "$extras" ]; then
    .venv/bin/maillage geometry fetch >/dev/null &
    maps=$!
fi
.venv/bin/maillage referential fetch >/dev/null
if [ -n "$extras" ]; then
    wait "$maps"
fi

if [ "$extras" = "test" ] && [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ]; then
    echo "==> installation d'axe-core pour le test du navigateur (npm ci) / installing axe-core"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
