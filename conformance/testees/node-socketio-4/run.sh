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

# shellcheck source=../../../scripts/lib/node.sh
source ../../../scripts/lib/node.sh
require_node20

# Concurrent starts (tests run in parallel) must not run npm ci in the same folder at once: the
# install runs under a lock, released before the server starts.
npm_ci_locked node-socketio-4

if [ "$install_only" -eq 1 ]; then
  exit 0
fi

exec node server.mjs
