#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up, lint, type-check, test.
# PostgreSQL tests run when TEST_DATABASE_URL is set (.ci/run starts a server and sets it).
# The browser tests (tests/web) need Chromium: scripts/install-browser.sh installs it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install-browser.sh  # Chromium for tests/web: as root on Debian it installs it, else it says how
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
