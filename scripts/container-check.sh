#!/usr/bin/env bash
# Build the image and run compose.yaml (mt5bot on the simulator + PostgreSQL), check /health and an
# authenticated call, stop mt5bot (SIGTERM: it must exit 0 after its clean shutdown), then remove it all.
# Needs podman + podman-compose (Debian: apt-get install podman podman-compose). Extra podman build options
# (a local package index, a proxy's CA) go in BUILD_OPTS, e.g.
#   BUILD_OPTS='-v /etc/ssl/certs/ca-certificates.crt:/host-ca.crt:ro --build-arg PIP_ARGS=--cert=/host-ca.crt'
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT=mt5bot-check
export MT5BOT_PORT=${MT5BOT_PORT:-18080}
export MT5BOT_DB_PASSWORD=check-db-$RANDOM$RANDOM
export MT5BOT_SECURITY__TOKEN=check-token-$RANDOM$RANDOM$RANDOM
# shellcheck disable=SC2086  # BUILD_OPTS is a list of options
podman build --network host ${BUILD_OPTS:-} -t localhost/mt5bot:latest .
podman build --network host -t localhost/mt5bot-postgres:15 docker/postgres
cleanup() { podman-compose -p "$PROJECT" down -v >/dev/null 2>&1 || true; }
trap cleanup EXIT
podman-compose -p "$PROJECT" up -d
url="http://127.0.0.1:$MT5BOT_PORT/api/v1"
for _ in $(seq 120); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$url/health"; echo
curl -fsS -H "Authorization: Bearer $MT5BOT_SECURITY__TOKEN" "$url/account" >/dev/null
podman exec "${PROJECT}_db_1" /usr/lib/postgresql/15/bin/psql -h /run/postgresql -U postgres -d mt5bot \
  -tAc "select count(*) from alembic_version" | grep -qx 1   # mt5bot's schema is in PostgreSQL
podman stop -t 45 "${PROJECT}_mt5bot_1" >/dev/null
code=$(podman inspect "${PROJECT}_mt5bot_1" --format '{{.State.ExitCode}}')
podman logs "${PROJECT}_mt5bot_1" 2>&1 | tail -n 1 | grep -q "stopped"
[ "$code" = 0 ] || { echo "container-check: mt5bot exited $code on SIGTERM" >&2; exit 1; }
echo "container-check: ok (health, auth, PostgreSQL schema, clean stop)"
