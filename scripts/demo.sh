#!/usr/bin/env bash
# The README's first command: the demo museum on a fresh machine. Installs what the build
# needs and the machine may lack (cmake and nasm, which the turbojpeg crate needs to build
# libjpeg-turbo; Debian/Ubuntu packages, as root or with sudo), then builds and runs the
# release binary: `vitrine demo` with the arguments given (see `vitrine demo --help`).
# The build itself fetches the browser libraries the binary embeds with npm.
#
#   bash scripts/demo.sh [--objects 100000] [--listen 127.0.0.1:8080] ...
#   bash scripts/demo.sh --setup-only    # install the build tools, build nothing
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

if ! command -v cargo >/dev/null; then
  echo "Vitrine builds with the Rust toolchain: install it from https://rustup.rs" >&2
  exit 1
fi
if ! command -v npm >/dev/null; then
  echo "Vitrine embeds browser libraries from npm: install Node.js (with npm)" >&2
  exit 1
fi
ensure_build_tools
if [ "${1:-}" = "--setup-only" ]; then
  echo "build tools ready: $(command -v cmake), $(command -v nasm)"
  exit 0
fi
exec cargo run --release --locked -p vitrine -- demo "$@"
