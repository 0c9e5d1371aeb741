#!/usr/bin/env bash
# Runs schemathesis (property-based API fuzzing from /api/openapi.json) against a fresh,
# throw-away demo museum: every operation, data-destroying ones included, with the checks
# not_a_server_error, status_code_conformance, content_type_conformance and
# response_schema_conformance. Exit code = schemathesis's (0 = zero failures).
# It signs in as the admin and fuzzes with an API token, not a session token, so that
# `DELETE /api/v1/session` (sign out) cannot end the run's own credentials.
# Usage: scripts/api_fuzz.sh [path/to/vitrine] [examples per operation, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
ensure_schemathesis
bin="${1:-target/debug/vitrine}"
examples="${2:-20}"
data="$(mktemp -d /tmp/vitrine-fuzz-XXXXXX)"
port=$((20000 + RANDOM % 20000))
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
"$bin" demo --data "$data" --objects 40 --images 2 --no-serve --no-simulate --backfill 1d >/dev/null
"$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
session=$(curl -sf "$base/api/v1/session" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"vitrine-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
token=$(curl -sf "$base/api/v1/tokens" -H "authorization: Bearer $session" -H 'content-type: application/json' \
  -d '{"name":"schemathesis"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
status=0
"$SCHEMATHESIS" run "$base/api/openapi.json" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" --seed 1 --no-color --suppress-health-check all || status=$?
if [ "$status" -ne 0 ]; then
  echo "== server log (last 40 lines)"; tail -40 "$data/serve.log"
fi
exit "$status"
