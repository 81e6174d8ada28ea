#!/usr/bin/env bash
# Start a local PostgreSQL for the tests (CI on Debian 12 as root, no systemd needed).
# Prints exactly one line on stdout, `export TEST_DATABASE_URL=...`, so `eval "$(scripts/start-postgres.sh)"`
# works; everything else goes to stderr. Safe to run again: it only does what is missing.
# When PostgreSQL cannot be installed (not root, no apt-get) it warns and prints nothing: the PG tests skip.
set -euo pipefail
exec 3>&1 1>&2

PG_USER=${MT5BOT_PG_USER:-mt5bot_test}
PG_PASSWORD=${MT5BOT_PG_PASSWORD:-mt5bot_test}
PG_DB=${MT5BOT_PG_DB:-mt5bot_test}
PG_PORT=5432
PG_CLUSTER=main

warn() { echo "start-postgres: $*" >&2; }
die() { warn "$*"; exit 1; }

newest_version() {
  # The highest installed major version, from Debian's layout /usr/lib/postgresql/<major>/bin.
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -t/ -k5 -n | tail -n 1) || true
  [ -n "$dir" ] && basename "$(dirname "$(dirname "$dir")")"
}

without_inherited_fds() {
  # The server daemonizes but keeps every descriptor it inherits: fd 3 (the `$(...)` pipe of the caller's
  # eval) held open by postgres made `eval "$(scripts/start-postgres.sh)"` wait forever. Close all but 0-2.
  python3 -c 'import os, sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

install_postgres() {
  if [ "$(id -u)" -ne 0 ]; then
    warn "PostgreSQL is not installed and this is not root: skipping, PostgreSQL tests will be skipped"
    return 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    warn "PostgreSQL is not installed and apt-get is missing: skipping, PostgreSQL tests will be skipped"
    return 1
  fi
  warn "installing PostgreSQL from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  if ! { without_inherited_fds apt-get update -qq && without_inherited_fds apt-get install -y -qq postgresql; } </dev/null >&2; then
    warn "apt-get could not install postgresql: skipping, PostgreSQL tests will be skipped"
    return 1
  fi
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

psql_admin() {
  as_postgres psql --no-psqlrc -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -tA "$@"
}

VERSION=$(newest_version || true)
if [ -z "$VERSION" ]; then
  install_postgres || exit 0
  VERSION=$(newest_version || true)
  [ -n "$VERSION" ] || die "postgresql installed but no server binaries under /usr/lib/postgresql"
fi
can_login() {
  PGPASSWORD="$PG_PASSWORD" psql --no-psqlrc -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
    -tAc "SELECT 1" >/dev/null 2>&1
}
print_url() {
  echo "export TEST_DATABASE_URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" >&3
}

if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != postgres ]; then
  # Not allowed to manage the cluster, but a server someone else started is just as good.
  if can_login; then print_url; exit 0; fi
  warn "not root: cannot manage the cluster; PostgreSQL tests will be skipped"
  exit 0
fi

if ! pg_lsclusters -h 2>/dev/null | awk -v v="$VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c' | grep -q .; then
  warn "creating cluster $VERSION/$PG_CLUSTER"
  pg_createcluster "$VERSION" "$PG_CLUSTER" -p "$PG_PORT" >&2
fi
status=$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $3, $4}')
port=${status%% *}
state=${status##* }
if [ "$port" != "$PG_PORT" ]; then
  [ "$state" = online ] && die "cluster $VERSION/$PG_CLUSTER is running on port $port, not $PG_PORT"
  warn "moving cluster $VERSION/$PG_CLUSTER to port $PG_PORT"
  pg_conftool "$VERSION" "$PG_CLUSTER" set port "$PG_PORT"
fi
if [ "$state" != online ]; then
  warn "starting cluster $VERSION/$PG_CLUSTER"
  without_inherited_fds pg_ctlcluster "$VERSION" "$PG_CLUSTER" start </dev/null >&2 || die "pg_ctlcluster could not start $VERSION/$PG_CLUSTER"
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then break; fi
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not accept connections on 127.0.0.1:$PG_PORT"

# CREATEDB: a test of several services sharing one database (tests/front) makes and drops its own.
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
  psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
else
  psql_admin -c "ALTER ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
  psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
fi

# Prove that the URL we are about to print works over TCP with the password.
can_login || die "cannot log in as $PG_USER on 127.0.0.1:$PG_PORT"
print_url
