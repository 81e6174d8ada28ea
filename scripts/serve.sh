#!/usr/bin/env bash
# Set up and run the service on the offline simulator (config.yaml as shipped needs no edits).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/mt5bot serve "$@"
