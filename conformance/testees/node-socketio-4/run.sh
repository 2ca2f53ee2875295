#!/usr/bin/env bash
# Provision (if needed) and start the node-socketio-4 testee.
#
#   bash run.sh                  install dependencies when needed, then exec node server.mjs
#   bash run.sh --install-only   only install dependencies when needed
#
# Configuration is read by server.mjs from the environment (PORT, HOST, PING_INTERVAL, ...; see
# README.md). stdout is reserved for the server's single "listening ..." line, so everything npm
# prints goes to stderr.
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

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install Node.js 20 and npm" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "install Node.js 20 and npm (found node $(node --version))" >&2
  exit 1
fi

# npm ci writes node_modules/.package-lock.json; reinstall when it is missing or older than the
# lockfile (i.e. the lockfile changed since the last install).
marker="node_modules/.package-lock.json"
install() {
  if [ ! -d node_modules ] || [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
    npm ci --no-audit --no-fund 1>&2
  fi
}
# Concurrent starts (tests run in parallel) must not run npm ci in the same folder at once: the
# install runs under a lock, released before the server starts.
if command -v flock >/dev/null 2>&1; then
  (
    flock 9
    install
  ) 9>"${TMPDIR:-/tmp}/socketio-conformance-node-socketio-4.lock"
else
  install
fi

if [ "$install_only" -eq 1 ]; then
  exit 0
fi

exec node server.mjs
