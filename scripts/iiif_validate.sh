#!/usr/bin/env bash
# Runs the public IIIF Image API validator (level 2, version 3.0) against a fresh museum:
# a few demo objects, the validator's test image imported with `vitrine media import`
# while the server runs (so the server must pick it up by itself). Exit code = failures.
# Then checks the object's Presentation 3.0 manifest and the department collections
# against the IIIF JSON Schema (../shared/schemas/iiif/presentation-3.json).
# Usage: scripts/iiif_validate.sh [path/to/vitrine]   (default: target/debug/vitrine)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
ensure_iiif_validator
bin="${1:-target/debug/vitrine}"
data="$(mktemp -d /tmp/vitrine-iiif-XXXXXX)"
port=$((20000 + RANDOM % 20000))
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
"$bin" demo --data "$data" --objects 20 --images 0 --no-serve --no-simulate >/dev/null
"$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
read -r number object_id < <(curl -sf "http://127.0.0.1:$port/api/public/v1/objects?limit=1" |
  python3 -c 'import json,sys; o=json.load(sys.stdin)["items"][0]; print(o["object_number"], o["id"])')
"$bin" media import --data "$data" --object "$number" --id 67352ccc-d1b0-11e1-89ae-279075081939 \
  --rights http://creativecommons.org/publicdomain/zero/1.0/ "$IIIF_TEST_IMAGE"
for _ in $(seq 1 25); do
  curl -sf "http://127.0.0.1:$port/iiif/3/67352ccc-d1b0-11e1-89ae-279075081939/info.json" >/dev/null && break
  sleep 0.2
done
"$IIIF_VALIDATE" -s "127.0.0.1:$port" -p iiif/3 -i 67352ccc-d1b0-11e1-89ae-279075081939 --version=3.0 --level=2
"$IIIF_PYTHON" scripts/iiif_schema.py "http://127.0.0.1:$port" "$object_id"
