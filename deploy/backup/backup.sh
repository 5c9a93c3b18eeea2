#!/bin/sh
# Backups of the app's PostgreSQL database: pg_dump (custom format) every BACKUP_INTERVAL_S
# seconds, dumps older than BACKUP_KEEP_DAYS days deleted. The Compose file runs it as the
# `backup` service; `backup.sh --once` makes one dump and exits (cron, or by hand).
#
#   BACKUP_DATABASE_URL  the database, as a libpq URI (postgresql://user:password@host:5432/db)
#   BACKUP_DIR           where dumps go (default /backups): geo-YYYYMMDDTHHMMSSZ.dump
#   BACKUP_KEEP_DAYS     days a dump is kept (default 14)
#   BACKUP_INTERVAL_S    seconds between dumps (default 86400: daily, the first at start)
#
# A dump is written under a temporary name and renamed when complete, so a file named
# geo-*.dump is always a whole dump. Restore one with deploy/backup/restore.sh.
set -eu

dir="${BACKUP_DIR:-/backups}"
keep="${BACKUP_KEEP_DAYS:-14}"
interval="${BACKUP_INTERVAL_S:-86400}"
url="${BACKUP_DATABASE_URL:?set BACKUP_DATABASE_URL (postgresql://user:password@host:port/database)}"

case "$keep" in ''|*[!0-9]*) echo "backup: BACKUP_KEEP_DAYS must be a whole number of days" >&2; exit 2;; esac
case "$interval" in ''|*[!0-9]*) echo "backup: BACKUP_INTERVAL_S must be a whole number of seconds" >&2; exit 2;; esac
mkdir -p "$dir"

one() {
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  part="$dir/.geo-$stamp.dump.part"
  if pg_dump --format=custom --no-owner --no-privileges --file="$part" --dbname="$url"; then
    mv "$part" "$dir/geo-$stamp.dump"
    echo "backup: wrote $dir/geo-$stamp.dump ($(wc -c < "$dir/geo-$stamp.dump") bytes)"
  else
    rm -f "$part"
    echo "backup: pg_dump failed; the earlier dumps are kept" >&2
    return 1
  fi
  # older than BACKUP_KEEP_DAYS days (in minutes: find's -mtime rounds days down)
  find "$dir" -maxdepth 1 -type f -name 'geo-*.dump' -mmin "+$((keep * 1440))" -print -delete \
    | sed 's/^/backup: deleted (older than '"$keep"' days) /'
  find "$dir" -maxdepth 1 -type f -name '.geo-*.dump.part' -mmin +1440 -delete
}

if [ "${1:-}" = "--once" ]; then
  one
  exit $?
fi
while true; do
  one || true  # a failed dump is reported; the next one is tried at the next interval
  sleep "$interval"
done
