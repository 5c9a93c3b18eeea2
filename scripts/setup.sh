#!/usr/bin/env bash
# One-step set-up on a fresh machine (Python 3.11): virtual environment, pinned packages,
# map assets from npm, the boundary cache. `--dev` adds the test packages and Chromium; `--region` (make run)
# the boundary caches and demo of every province of the region.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
REGION=0
[ "${1:-}" = "--dev" ] && DEV=1
[ "${1:-}" = "--region" ] && REGION=1
PY="${PYTHON:-python3}"
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"

apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# 1. Python packages, reinstalled only when the pinned lists or pyproject.toml change.
[ -x .venv/bin/python ] || "$PY" -m venv .venv
REQ=requirements.txt
[ "$DEV" = 1 ] && REQ=requirements-dev.txt
STAMP=".setup-stamp-$(cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | sha256sum | cut -c1-16)-$DEV"
if [ ! -f "$STAMP" ]; then
  echo "setup: installing Python packages ($REQ)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$REQ"
  # the project itself, editable: geo, ui, testsupport and bench import from this checkout
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .setup-stamp-*
  touch "$STAMP"
fi

# 2. Map assets (Leaflet, topojson-client) from npm, served by the app itself.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing Node.js and npm (Debian)"
  apt_install nodejs npm
fi
if [ ! -f node_modules/leaflet/dist/leaflet.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing map assets from npm"
  npm ci --no-audit --no-fund --loglevel=error
fi
.venv/bin/python -c "from geo.outputs import assets; assets.install()"

# 3. Boundary cache (read from ../shared/boundaries, or downloaded from the pinned commit).
.venv/bin/python -m geo boundaries
# `make run`: every province of the region and its demo too (once; about 1.5-3 minutes on 2
# cores the first time, with progress), so "Select every province" never builds on demand.
if [ "$REGION" = 1 ]; then
  .venv/bin/python scripts/prepare_region.py
fi

# 4. For the tests: Debian's Chromium, driven by Playwright (never `playwright install`), and
# Debian's PostgreSQL (the store's tests start a throwaway server with its initdb; they fail
# without it unless GEO_ALLOW_SKIP_POSTGRES is set).
if [ "$DEV" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Chromium (Debian)"
  apt_install chromium fonts-dejavu-core
fi
# Poppler (pdfinfo, pdftotext, pdftoppm) reads the PDF briefs back in the tests.
if [ "$DEV" = 1 ] && ! command -v pdftoppm >/dev/null 2>&1; then
  echo "setup: installing poppler-utils (Debian)"
  apt_install poppler-utils
fi
if [ "$DEV" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup: installing PostgreSQL (Debian)"
  apt_install postgresql
fi
# Debian's nginx for the two-process deployment test (tests/test_topology.py runs it as the
# current user with its own prefix; the package's own service is not needed).
if [ "$DEV" = 1 ] && [ ! -x /usr/sbin/nginx ]; then
  echo "setup: installing nginx (Debian)"
  apt_install nginx
fi
