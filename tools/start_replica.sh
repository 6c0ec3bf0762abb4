#!/bin/sh
# Start a local PostgreSQL primary and a streaming replica of it (pg_basebackup), for the
# replica router's test. Both clusters live under $DIR (default /tmp/bahali-replica) and
# listen on 127.0.0.1 only: the primary on $PRIMARY_PORT (5441), the replica on
# $REPLICA_PORT (5442). Run as root (the clusters run as the postgres user) or as a user
# who may run initdb. Prints the two URLs to export; `tools/start_replica.sh stop` stops both.
#
#   eval "$(tools/start_replica.sh)"     # then bahali migrate, bahali serve ... on the pair
#   tools/start_replica.sh stop && rm -rf /tmp/bahali-replica
# tools/replica_check.py uses it to prove the replica router (BAHALI_TEST_REAL_REPLICA=1 runs
# that in the test suite).
set -eu
DIR=${DIR:-/tmp/bahali-replica}
PRIMARY_PORT=${PRIMARY_PORT:-5441}
REPLICA_PORT=${REPLICA_PORT:-5442}
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$BIN/pg_basebackup" ] || BIN=$(dirname "$(command -v pg_basebackup)")

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-start}" = stop ]; then
  as_pg "$BIN/pg_ctl" -D "$DIR/replica" -m fast stop >/dev/null 2>&1 || true
  as_pg "$BIN/pg_ctl" -D "$DIR/primary" -m fast stop >/dev/null 2>&1 || true
  echo "stopped" >&2
  exit 0
fi

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
if [ ! -f "$DIR/primary/PG_VERSION" ]; then
  as_pg "$BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust >/dev/null
  cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
wal_level = replica
max_wal_senders = 4
hot_standby = on
unix_socket_directories = '$DIR'
CONF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/primary/pg_hba.conf"
fi
as_pg "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w status >/dev/null 2>&1 ||
  as_pg "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null
if [ ! -f "$DIR/replica/PG_VERSION" ]; then
  # -R writes standby.signal and primary_conninfo: the copy follows the primary's WAL.
  as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/replica" \
    -R -X stream -c fast
  sed -i "s/^port = .*/port = $REPLICA_PORT/" "$DIR/replica/postgresql.conf"
fi
as_pg "$BIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w status >/dev/null 2>&1 ||
  as_pg "$BIN/pg_ctl" -D "$DIR/replica" -l "$DIR/replica.log" -w start >/dev/null
in_recovery=$(as_pg "$BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc "SELECT pg_is_in_recovery()")
[ "$in_recovery" = t ] || { echo "the replica is not in recovery" >&2; exit 1; }
echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/bahali"
echo "export DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/bahali"
