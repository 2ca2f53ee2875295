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

# shellcheck source=../../scripts/lib/node.sh
source ../../scripts/lib/node.sh
require_node20

# Tests may start this script concurrently: one npm ci at a time.
npm_ci_locked interop-node

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

exec node client-check.mjs "$@"
