#!/bin/sh
# Initialise the cluster on first start (role + database from the environment), then run the server.
# A first start that fails leaves no half-made cluster behind: the next start tries again.
set -eu
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
: "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_DB:?set POSTGRES_DB}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  trap 'rm -rf "${PGDATA:?}"/*' EXIT
  "$BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=peer --auth-host=scram-sha-256
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start
  "$BIN/psql" -v ON_ERROR_STOP=1 -h /run/postgresql -p 5432 -U postgres -d postgres \
    --set=u="$POSTGRES_USER" --set=p="$POSTGRES_PASSWORD" --set=d="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"u" LOGIN PASSWORD :'p';
CREATE DATABASE :"d" OWNER :"u";
SQL
  "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop
  trap - EXIT
fi
exec "$BIN/postgres" -D "$PGDATA"
