#!/usr/bin/env bash
# Every test suite, in order: lint and static checks, Python (unit, integration), frontend, end to end.
# Exit 0 only when all pass; pytest's "no tests ran" (exit 5) counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv

# Debian packages the checks need (nginx for `nginx -t`, chromium for e2e); a no-op when present.
bash scripts/install-system-deps.sh

echo "== lint"
$VENV/bin/ruff check .
$VENV/bin/ruff format --check .
$VENV/bin/lint-imports
$VENV/bin/mypy

echo "== python tests"
$VENV/bin/python -m pytest -q -p no:cacheprovider tests

echo "== frontend (eslint, tsc, vitest, build)"
# npm ci from the committed lock file whenever it is newer than the installed tree.
if [ ! -f frontend/node_modules/.installed ] || [ frontend/package-lock.json -nt frontend/node_modules/.installed ]; then
  (cd frontend && npm ci --no-audit --no-fund) && touch frontend/node_modules/.installed
fi
(cd frontend && npm run --silent lint && npm run --silent typecheck && npx vitest run && npx vite build --logLevel warn)

echo "== end to end (real stack, headless Chromium; screenshots in e2e-screenshots/)"
node --test --test-reporter=spec tests/e2e/
