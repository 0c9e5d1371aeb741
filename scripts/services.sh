#!/usr/bin/env bash
# Makes sure what the tests talk to is there: PostgreSQL on 127.0.0.1:5432, Mosquitto on
# 127.0.0.1:1883, Debian's Chromium for the browser journeys, and the npm packages. Installs and starts what is
# missing (Debian/Ubuntu, as root), so a fresh machine needs only Rust and Node.js.
# Sourced by scripts/test.sh; exports VITRINE_TEST_PG and VITRINE_TEST_MQTT.
set -euo pipefail

apt_install() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo=(sudo); else
      echo "need root (or sudo) to install Debian packages: apt-get install $*" >&2; return 1
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "no apt-get here: install $* with this system's package manager" >&2; return 1
  fi
  echo "installing Debian packages: $*" >&2
  if [ -z "${VITRINE_APT_UPDATED:-}" ]; then "${sudo[@]}" apt-get update -qq; export VITRINE_APT_UPDATED=1; fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  export VITRINE_TEST_PG="${VITRINE_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
  if ! command -v pg_isready >/dev/null; then apt_install postgresql postgresql-client; fi
  if ! pg_up; then
    for v in $(ls /etc/postgresql 2>/dev/null); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
    done
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  if ! pg_up; then echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started" >&2; return 1; fi
  # A fresh Debian PostgreSQL asks for a password on TCP: give postgres one the tests know.
  if ! psql "$VITRINE_TEST_PG" -Atqc 'select 1' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
      runuser -u postgres -- psql -qc "ALTER USER postgres PASSWORD 'vitrine-test'" >/dev/null
      export VITRINE_TEST_PG="postgres://postgres:vitrine-test@127.0.0.1:5432/postgres"
    fi
  fi
  psql "$VITRINE_TEST_PG" -Atqc 'select 1' >/dev/null
}

mqtt_up() { (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; }

ensure_mosquitto() {
  export VITRINE_TEST_MQTT="${VITRINE_TEST_MQTT:-127.0.0.1:1883}"
  if mqtt_up; then return 0; fi
  if ! command -v mosquitto >/dev/null; then apt_install mosquitto; fi
  if [ -f /etc/mosquitto/mosquitto.conf ]; then mosquitto -d -c /etc/mosquitto/mosquitto.conf; else mosquitto -d; fi
  for _ in $(seq 1 30); do mqtt_up && return 0; sleep 0.5; done
  echo "Mosquitto is not running on 127.0.0.1:1883 and could not be started" >&2
  return 1
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
}

ensure_npm() {
  if [ ! -d web/node_modules/playwright-core ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    npm ci --prefix web --no-audit --no-fund --ignore-scripts --loglevel=error
  fi
}

# libjpeg-turbo is built from source by the turbojpeg crate: it needs cmake and nasm.
ensure_build_tools() {
  local missing=()
  command -v cmake >/dev/null || missing+=(cmake)
  command -v nasm >/dev/null || missing+=(nasm)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# The IIIF Image API validator (PyPI iiif-validator 1.0.5) in its own virtualenv, and its
# test image (shipped in iiif-validator-ng, CC0). Exports IIIF_VALIDATE and IIIF_TEST_IMAGE.
# schemathesis (PyPI), the property-based API fuzzer scripts/api_fuzz.sh runs.
ensure_schemathesis() {
  local venv=target/api-venv
  if ! command -v python3 >/dev/null; then apt_install python3 python3-venv python3-pip; fi
  if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
  fi
  export SCHEMATHESIS="$PWD/$venv/bin/st"
}

# Python with the `standardwebhooks` package, for the webhook tests' receiver
# (scripts/webhook_receiver.py); exported as VITRINE_TEST_WEBHOOK_PYTHON.
ensure_standardwebhooks() {
  local venv=target/webhooks-venv
  if ! command -v python3 >/dev/null; then apt_install python3 python3-venv python3-pip; fi
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null; then
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check standardwebhooks==1.3.0
  fi
  export VITRINE_TEST_WEBHOOK_PYTHON="$PWD/$venv/bin/python"
}

ensure_iiif_validator() {
  local venv=target/iiif-venv
  if ! command -v python3 >/dev/null; then apt_install python3 python3-venv python3-pip; fi
  if [ ! -x "$venv/bin/iiif-validate.py" ]; then
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q --disable-pip-version-check iiif-validator==1.0.5
  fi
  if ! "$venv/bin/python" -c 'import jsonschema' 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check 'jsonschema>=4.20,<5'
  fi
  if [ ! -f "$venv/validation_image.png" ]; then
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$venv/ng" iiif-validator-ng
    "$venv/bin/python" - "$venv" <<'PY'
import glob, sys, zipfile
venv = sys.argv[1]
wheel = glob.glob(f"{venv}/ng/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    open(f"{venv}/validation_image.png", "wb").write(z.read("iiif_validator/validation_image.png"))
PY
  fi
  export IIIF_VALIDATE="$PWD/$venv/bin/iiif-validate.py"
  export IIIF_TEST_IMAGE="$PWD/$venv/validation_image.png"
  export IIIF_PYTHON="$PWD/$venv/bin/python"
}
