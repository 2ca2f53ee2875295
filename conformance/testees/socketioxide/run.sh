#!/usr/bin/env bash
# Build (if needed) and start the socketioxide testee.
#
#   bash run.sh                  build the release binary when needed, then exec it
#   bash run.sh --install-only   only build when needed (and install the smoke test's npm deps)
#
# The binary is rebuilt with `cargo build --release --locked` when it is missing or older than
# Cargo.toml, Cargo.lock or any file under src/. Configuration is read by the binary from the
# environment (PORT, HOST, PING_INTERVAL, ...; see README.md). stdout is reserved for the server's
# single "listening ..." line, so everything cargo prints goes to stderr.
set -euo pipefail

script="${BASH_SOURCE[0]}"
case "$script" in
  */*) cd "${script%/*}" ;;
esac

install_only=0
case "${1:-}" in
  --install-only) install_only=1 ;;
  "") ;;
  *) echo "usage: run.sh [--install-only]" >&2; exit 2 ;;
esac

bin="target/release/socketioxide-testee"

needs_build=0
if [ ! -x "$bin" ]; then
  needs_build=1
elif [ Cargo.toml -nt "$bin" ] || [ Cargo.lock -nt "$bin" ]; then
  needs_build=1
elif [ -n "$(find src -type f -newer "$bin" -print -quit)" ]; then
  needs_build=1
fi

if [ "$needs_build" -eq 1 ]; then
  if ! command -v cargo >/dev/null 2>&1; then
    echo "install Rust 1.94 or later (cargo not found)" >&2
    exit 1
  fi
  cargo build --release --locked 1>&2
  # cargo leaves the binary untouched when nothing changed; make it newer than the sources so
  # that the next start does not call cargo again.
  touch "$bin"
fi

if [ "$install_only" -eq 1 ]; then
  # The smoke test (node --test) uses socket.io-client 4.8 from package-lock.json.
  if command -v npm >/dev/null 2>&1; then
    # shellcheck source=../../../scripts/lib/node.sh
    source ../../../scripts/lib/node.sh
    npm_ci_locked socketioxide
  else
    echo "npm not found: the smoke test (node --test) needs Node.js 20 and npm" >&2
  fi
  exit 0
fi

exec "./$bin"
