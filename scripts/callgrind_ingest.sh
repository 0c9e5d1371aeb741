#!/usr/bin/env bash
# Instructions of the line-protocol ingest path, for one binary: callgrind on `vitrine serve`
# (SQLite), once idle (start, healthz, stop) and once taking LINES lines from
# `vitrine bench-ingest` over one connection; prints both totals and their difference.
# Instruction counts do not depend on what else the machine does, so two binaries can be
# compared on a noisy machine (docs/benchmarks.md). Needs valgrind (Debian package).
#
#   bash scripts/callgrind_ingest.sh target/release/vitrine [LINES=100000] [PORT=18555]
set -euo pipefail
command -v valgrind >/dev/null || { source "$(dirname "$0")/services.sh"; apt_install valgrind; }
BIN=$1; LINES=${2:-100000}; PORT=${3:-18555}
D=$(mktemp -d /tmp/cg-ingest-XXXX)
export VITRINE_LOG=warn
$BIN migrate --data $D >/dev/null
echo cg-password-1 | $BIN user add bench --role admin --data $D >/dev/null
$BIN serve --data $D --listen 127.0.0.1:$PORT >/dev/null 2>&1 & P=$!
until curl -sf http://127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.2; done
B=$(curl -sf -H 'content-type: application/json' -d '{"username":"bench","password":"cg-password-1"}' http://127.0.0.1:$PORT/api/v1/session | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
T=$(curl -sf -H 'content-type: application/json' -H "authorization: Bearer $B" -d '{"name":"cg"}' http://127.0.0.1:$PORT/api/v1/ingest-tokens | python3 -c 'import json,sys;print(json.load(sys.stdin)["secret"])')
kill $P; wait $P || true
run() {  # $1 = lines (0: idle)
  valgrind --tool=callgrind --callgrind-out-file=$D/cg.$1 $BIN serve --data $D --listen 127.0.0.1:$PORT >/dev/null 2>&1 & P=$!
  until curl -sf http://127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.5; done
  if [ "$1" != 0 ]; then $BIN bench-ingest --url "http://127.0.0.1:$PORT/api/v2/write?precision=ns" --auth "Token $T" --lines $1 --connections 1 >/dev/null; fi
  sleep 3; kill $P; wait $P || true
  grep -m1 '^summary:' $D/cg.$1 | awk '{print $2}'
}
idle=$(run 0); busy=$(run $LINES)
echo "$(basename $BIN) idle=$idle with_${LINES}_lines=$busy ingest=$((busy-idle))"
rm -rf $D
