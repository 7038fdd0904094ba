#!/usr/bin/env bash
# make bench: a separate venv with the peers (bench/.venv), Debian's nginx, then every measurement.
# Sizes and parts come from the environment (see bench/config.py), e.g. BENCH_PAGES=2000 make bench;
# BENCH_SETUP_ONLY=1 only prepares the venv.
# Writes bench/results/latest.json, bench/results/details.json and the table in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=bench/.venv
STAMP=$VENV/.installed

bash scripts/install-system-deps.sh
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "bench: nginx is missing and could not be installed (scripts/install-system-deps.sh needs root)" >&2
  exit 1
fi

# The peers and the project in their own venv, never in the product's dependencies.
if [ ! -f "$STAMP" ] || [ bench/requirements.txt -nt "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "bench: installing the peers and the project into $VENV" >&2
  test -x $VENV/bin/python || "${PYTHON:-python3}" -m venv $VENV
  $VENV/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt -e '.[embedded,render]'
  touch "$STAMP"
fi
if [ -n "${BENCH_SETUP_ONLY:-}" ]; then
  exit 0
fi

export BENCH_PEERS_PYTHON="${BENCH_PEERS_PYTHON:-$PWD/$VENV/bin/python}"
export BENCH_OURS_PYTHON="${BENCH_OURS_PYTHON:-$PWD/$VENV/bin/python}"
exec $VENV/bin/python -m bench.main "$@"
