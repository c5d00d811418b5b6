#!/bin/sh
# Starts Postgres for the vault replicas; on the first start, makes the cluster in the volume and
# the database `nanoclaw`. `ready` instead answers the healthcheck. Connections are trusted: only
# the vault replicas share the compose file's internal `store` network with it, and the vault
# seals every value before it reaches the database (what Postgres holds is ciphertext and hashes).
set -eu
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k4 -n | tail -n 1)
if [ "${1:-}" = ready ]; then
  exec "$BIN/pg_isready" -q -h 127.0.0.1 -U nanoclaw -d nanoclaw
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  "$BIN/initdb" -D "$PGDATA" -U nanoclaw --auth=trust --encoding=UTF8 --no-locale >/dev/null
  echo 'host all all all trust' >> "$PGDATA/pg_hba.conf"
  echo 'CREATE DATABASE nanoclaw' | "$BIN/postgres" --single -D "$PGDATA" postgres >/dev/null
fi
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
