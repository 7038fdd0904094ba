#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh, replacing what the database holds now.
#
#   ./scripts/restore.sh backups/seo-....dump          # the compose stack (postgres container)
#   DATABASE_URL=postgresql://... ./scripts/restore.sh FILE   # any reachable Postgres, local pg_restore
#
# Stop the services first so nothing writes during the restore:
#   docker compose stop api worker scheduler && ./scripts/restore.sh FILE && docker compose up -d
# It asks before overwriting unless -y is given. PG_RESTORE overrides the pg_restore binary.
# The restore runs in one transaction: on any error the database is left as it was.
set -euo pipefail

usage() {
  echo "usage: $0 [-y] BACKUP_FILE" >&2
  exit 2
}

assume_yes=0
while [ $# -gt 0 ]; do
  case "$1" in
    -y | --yes) assume_yes=1 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
  shift
done
[ $# -eq 1 ] || usage
file="$1"
if [ ! -f "$file" ]; then
  echo "restore: no such file: $file" >&2
  exit 2
fi
# Resolve before changing directory, so relative paths mean what the caller meant.
file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
cd "$(dirname "$0")/.."
pg_restore_bin="${PG_RESTORE:-pg_restore}"

if [ -n "${DATABASE_URL:-}" ]; then
  target="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')"
  where="the database at DATABASE_URL"
else
  target=""
  where="the compose postgres service's database"
fi

if [ "$assume_yes" -ne 1 ]; then
  if [ ! -t 0 ]; then
    echo "restore: refusing to overwrite $where without -y (no terminal to ask on)" >&2
    exit 2
  fi
  read -r -p "Replace the contents of $where with $file? [y/N] " answer
  case "$answer" in
    y | Y | yes | YES) ;;
    *)
      echo "restore: cancelled" >&2
      exit 1
      ;;
  esac
fi

# --clean --if-exists drops each object before recreating it, so the same dump restores into an
# empty database and over an existing one; --no-owner makes the connecting user own everything.
options=(--clean --if-exists --no-owner --single-transaction --exit-on-error)
if [ -n "$target" ]; then
  "$pg_restore_bin" "${options[@]}" --dbname="$target" "$file"
else
  docker compose exec -T postgres sh -c \
    'exec pg_restore "$@" -U "$POSTGRES_USER" -d "$POSTGRES_DB"' sh "${options[@]}" <"$file"
fi
echo "restore: $file restored into $where" >&2
