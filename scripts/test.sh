#!/usr/bin/env bash
# The whole test suite from a fresh clone: set up, lint, type-check, test.
# PostgreSQL tests run when TEST_DATABASE_URL is set (.ci/run starts a server and sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
