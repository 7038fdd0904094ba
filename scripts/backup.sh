#!/usr/bin/env bash
# Back up the database with pg_dump (custom format, compressed) and keep the newest BACKUP_KEEP dumps.
#
#   ./scripts/backup.sh                 # the compose stack: runs pg_dump inside the postgres container
#   DATABASE_URL=postgresql://... ./scripts/backup.sh   # any reachable Postgres, with a local pg_dump
#
# Settings (environment): BACKUP_DIR (default ./backups), BACKUP_KEEP (default 14, 0 keeps all),
# PG_DUMP (the pg_dump binary, default: pg_dump on PATH; its major version must be >= the server's).
# Output: BACKUP_DIR/seo-<UTC time>.dump; the path is printed on stdout. Restore: scripts/restore.sh.
set -euo pipefail

cd "$(dirname "$0")/.."
backup_dir="${BACKUP_DIR:-./backups}"
keep="${BACKUP_KEEP:-14}"
pg_dump_bin="${PG_DUMP:-pg_dump}"

case "$keep" in
  '' | *[!0-9]*)
    echo "backup: BACKUP_KEEP must be a whole number, got '$keep'" >&2
    exit 2
    ;;
esac

mkdir -p "$backup_dir"
# UTC time with nanoseconds: names sort in the order the dumps were taken, even several a second.
nanos="$(date -u +%N)"
case "$nanos" in *N*) nanos="000000000" ;; esac # date without %N (BSD): seconds are enough
stamp="$(date -u +%Y%m%dT%H%M%S).${nanos}Z"
target="$backup_dir/seo-$stamp.dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

if [ -n "${DATABASE_URL:-}" ]; then
  # libpq does not know the SQLAlchemy-style driver suffix (postgresql+psycopg2://).
  url="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')"
  "$pg_dump_bin" --format=custom --compress=6 --file="$partial" --dbname="$url"
else
  # Inside the container pg_dump connects over the local socket as the image's superuser, so no
  # password is needed; the container's own POSTGRES_USER/POSTGRES_DB name the database.
  docker compose exec -T postgres sh -c \
    'exec pg_dump --format=custom --compress=6 -U "$POSTGRES_USER" -d "$POSTGRES_DB"' >"$partial"
fi

if [ ! -s "$partial" ]; then
  echo "backup: pg_dump produced an empty file; nothing kept" >&2
  exit 1
fi
# Rename only a complete dump, so a failed run never leaves a file that looks like a backup.
mv "$partial" "$target"
trap - EXIT
echo "$target"

if [ "$keep" -gt 0 ]; then
  # Names sort chronologically; delete all but the newest $keep.
  mapfile -t old < <(find "$backup_dir" -maxdepth 1 -type f -name 'seo-*.dump' | LC_ALL=C sort -r | tail -n +"$((keep + 1))")
  if [ "${#old[@]}" -gt 0 ]; then
    rm -f -- "${old[@]}"
    echo "backup: removed ${#old[@]} old dump(s), kept the newest $keep" >&2
  fi
fi
