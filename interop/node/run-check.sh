#!/usr/bin/env bash
# Provision (if needed) and run the socket.io-client check against a server URL.
#
#   bash run-check.sh http://127.0.0.1:<port>/socket.io/
#
# stdout carries only the check lines; everything npm prints goes to stderr.
set -euo pipefail

script="${BASH_SOURCE[0]}"
case "$script" in
  */*) cd "${script%/*}" ;;
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
# Tests may start this script concurrently: one npm ci at a time.
if command -v flock >/dev/null 2>&1; then
  (
    flock 9
    install
  ) 9>"${TMPDIR:-/tmp}/socketio-conformance-interop-node.lock"
else
  install
fi

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

exec node client-check.mjs "$@"
