#!/usr/bin/env bash
# Every test of Vitrine: unit and property tests, store tests on SQLite and PostgreSQL,
# HTTP tests on the real router, and the browser journeys in headless Chromium.
# Installs or starts what is missing (see scripts/services.sh). Under CI=true nothing
# that could not be reached is skipped: it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

ensure_build_tools
ensure_postgres
ensure_mosquitto
ensure_chromium
ensure_npm
ensure_standardwebhooks

echo "== cargo test (SQLite and PostgreSQL at ${VITRINE_TEST_PG%%@*}@...)"
cargo test --workspace --locked

echo "== the binary the next steps run"
cargo build --locked -p vitrine

echo "== API fuzzing (schemathesis, every operation, zero failures)"
scripts/api_fuzz.sh target/debug/vitrine 20

echo "== IIIF Image API validator (level 2)"
scripts/iiif_validate.sh target/debug/vitrine

echo "== browser journeys (headless Chromium)"
node --test --test-concurrency=1 tests/e2e/
