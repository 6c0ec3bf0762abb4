#!/bin/sh
# Point-in-time recovery, tried end to end on this machine (issue 19, item 3; the procedure
# is docs/operations.md, "Point-in-time recovery").
#
# 1. starts a scratch PostgreSQL cluster with WAL archiving (127.0.0.1:$PRIMARY_PORT),
# 2. migrates Bahali into it and registers a first batch of participants (`bahali seed`),
# 3. takes a base backup (pg_basebackup), registers a second batch, notes the moment T,
#    then registers a third batch: the mistake to undo,
# 4. recovers a second cluster (127.0.0.1:$RECOVERED_PORT) from the base backup and the
#    archived WAL to T (recovery_target_time, promote),
# 5. checks that the recovered database holds the first two batches and not the third,
#    that `bahali audit verify` passes on it and that every sealed value opens (a
#    `bahali restore-drill` of it), then stops both clusters and removes them.
#
# Run as root (the clusters run as the postgres user) or as a user who may run initdb:
#   tools/pitr_drill.sh            # prints each step and "PITR drill passed"
# Scratch files live under $DIR (default /tmp/bahali-pitr); keys under $DIR/var.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BAHALI=${BAHALI:-$ROOT/.venv/bin/bahali}
DIR=${DIR:-/tmp/bahali-pitr}
PRIMARY_PORT=${PRIMARY_PORT:-5451}
RECOVERED_PORT=${RECOVERED_PORT:-5452}
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$BIN/pg_basebackup" ] || BIN=$(dirname "$(command -v pg_basebackup)")

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
step() { echo "== $*"; }
stop_all() {
  as_pg "$BIN/pg_ctl" -D "$DIR/recovered" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$BIN/pg_ctl" -D "$DIR/primary" -m immediate stop >/dev/null 2>&1 || true
}
trap stop_all EXIT
psql_at() { as_pg "$BIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d bahali -Atc "$2"; }

stop_all
rm -rf "$DIR"
mkdir -p "$DIR/wal" "$DIR/var"
[ "$(id -u)" = 0 ] && chown -R postgres "$DIR" && chown root "$DIR/var"
export BAHALI_VAR_DIR="$DIR/var"
export DJANGO_SETTINGS_MODULE=bahali.settings

step "a primary with WAL archiving on 127.0.0.1:$PRIMARY_PORT"
as_pg "$BIN/initdb" -D "$DIR/primary" -U postgres --auth=trust >/dev/null
cat >>"$DIR/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$DIR'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $DIR/wal/%f && cp %p $DIR/wal/%f'
max_wal_senders = 4
CONF
echo "host replication postgres 127.0.0.1/32 trust" >>"$DIR/primary/pg_hba.conf"
as_pg "$BIN/pg_ctl" -D "$DIR/primary" -l "$DIR/primary.log" -w start >/dev/null
as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres bahali
export DATABASE_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/bahali"

step "migrate, and a first batch of participants"
"$BAHALI" migrate --verbosity 0
"$BAHALI" shell -c "
from bahali.core.context import SYSTEM, acting_as
from bahali.organisations.services import register_organisation
with acting_as(SYSTEM):
    register_organisation(actor=SYSTEM, name='Drill centre', kind='rehabilitation_centre')
"
"$BAHALI" seed --participants 40 --seed 1 >/dev/null
first=$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM registry_participant")

step "base backup"
as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/base" -X fetch -c fast

step "a second batch, then the moment T to recover to"
"$BAHALI" seed --participants 30 --seed 2 >/dev/null
second=$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM registry_participant")
events=$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM audit_auditevent")
sleep 1.5
target=$(psql_at "$PRIMARY_PORT" "SELECT now()")
sleep 1.5

step "a third batch after T (the mistake to undo)"
"$BAHALI" seed --participants 25 --seed 3 >/dev/null
third=$(psql_at "$PRIMARY_PORT" "SELECT count(*) FROM registry_participant")
# Close the current WAL segment so that everything up to now is archived.
psql_at "$PRIMARY_PORT" "SELECT pg_switch_wal()" >/dev/null
for _ in $(seq 1 60); do
  ready=$(psql_at "$PRIMARY_PORT" "SELECT last_archived_wal IS NOT NULL AND last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver")
  [ "$ready" = t ] && break
  sleep 0.5
done
as_pg "$BIN/pg_ctl" -D "$DIR/primary" -m fast stop >/dev/null
echo "   participants: $first after the first batch, $second at T ($target), $third after"

step "recover a copy of the base backup to T on 127.0.0.1:$RECOVERED_PORT"
cp -a "$DIR/base" "$DIR/recovered"
rm -f "$DIR/recovered/postmaster.pid"
cat >>"$DIR/recovered/postgresql.conf" <<CONF
port = $RECOVERED_PORT
archive_mode = off
restore_command = 'cp $DIR/wal/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
CONF
as_pg touch "$DIR/recovered/recovery.signal"
as_pg "$BIN/pg_ctl" -D "$DIR/recovered" -l "$DIR/recovered.log" -w -t 120 start >/dev/null
for _ in $(seq 1 120); do
  [ "$(psql_at "$RECOVERED_PORT" "SELECT pg_is_in_recovery()")" = f ] && break
  sleep 0.5
done

step "check the recovered database"
export DATABASE_URL="postgres://postgres@127.0.0.1:$RECOVERED_PORT/bahali"
recovered=$(psql_at "$RECOVERED_PORT" "SELECT count(*) FROM registry_participant")
recovered_events=$(psql_at "$RECOVERED_PORT" "SELECT count(*) FROM audit_auditevent")
echo "   participants recovered: $recovered (expected $second); audit events $recovered_events (expected $events)"
[ "$recovered" = "$second" ] || { echo "PITR drill FAILED: participant count" >&2; exit 1; }
[ "$recovered_events" = "$events" ] || { echo "PITR drill FAILED: audit event count" >&2; exit 1; }
"$BAHALI" audit verify
"$BAHALI" keys status
# Every sealed value opens: a backup of the recovered database, restored and verified.
"$BAHALI" restore-drill
echo "PITR drill passed: recovered to $target, $recovered participants, the chain verifies"
stop_all
trap - EXIT
rm -rf "$DIR"
