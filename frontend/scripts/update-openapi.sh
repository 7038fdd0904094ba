#!/usr/bin/env bash
# Refresh the committed OpenAPI snapshot from the api's own generator, then the TypeScript types
# generated from it. Run after the api changes; the e2e suite fails while the snapshot and the
# served document differ, and `npm run typecheck` fails where the UI reads what the api no longer sends.
set -euo pipefail
cd "$(dirname "$0")/.."
# The api's own command prints the document (sorted keys, as the snapshot is kept).
(cd .. && .venv/bin/python -m cli admin openapi) > src/api/openapi.json
# Defaults do not make a request field required (they would, by openapi-typescript's default).
npx openapi-typescript src/api/openapi.json -o src/api/schema.d.ts --default-non-nullable false
# The page record's fields and sortable columns, for the pages table and the page view.
node scripts/page-fields.mjs
