#!/bin/sh
# Restore a dump made by deploy/backup/backup.sh into a new, empty database.
#
#   deploy/backup/restore.sh DUMP TARGET_URL
#
# TARGET_URL is a libpq URI of an existing, EMPTY database (create it first, e.g.
# `createdb geo_restored`); the script refuses a database that already has tables, so it never
# mixes a dump with live data. The restore runs in one transaction: all of it, or nothing.
# Then point the app's GEO_DATABASE_URL at the restored database and start it: if the dump
# is from an older release, the app's migrations bring it to the current schema at start.
set -eu

dump="${1:?usage: restore.sh DUMP TARGET_URL}"
url="${2:?usage: restore.sh DUMP TARGET_URL}"
[ -f "$dump" ] || { echo "restore: no such dump: $dump" >&2; exit 2; }
pg_restore --list "$dump" > /dev/null || { echo "restore: $dump is not a pg_dump archive" >&2; exit 2; }

tables="$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
  -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
if [ "$tables" != "0" ]; then
  echo "restore: the target database is not empty ($tables tables); restore into a new database" >&2
  exit 1
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "restore: $dump restored"
