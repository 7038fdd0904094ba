#!/usr/bin/env bash
# Refresh the committed OpenAPI snapshot from the api's own generator, then the TypeScript types
# generated from it. Run after the api changes; the e2e suite fails while the snapshot and the
# served document differ, and `npm run typecheck` fails where the UI reads what the api no longer sends.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$(cd .. && pwd)${PYTHONPATH:+:$PYTHONPATH}"
../.venv/bin/python - <<'PY'
import json
from pathlib import Path

from services.api.app import create_app
from services.api.openapi import app_document
from shared.settings import Settings

document = app_document(create_app(Settings()))
Path("src/api/openapi.json").write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
PY
# Defaults do not make a request field required (they would, by openapi-typescript's default).
npx openapi-typescript src/api/openapi.json -o src/api/schema.d.ts --default-non-nullable false
