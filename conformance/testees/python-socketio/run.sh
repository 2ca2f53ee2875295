#!/usr/bin/env bash
# Provision (if needed) and start the python-socketio testee.
#
#   bash run.sh                  create the venv when needed, then exec .venv/bin/python server.py
#   bash run.sh --install-only   only create the venv when needed (and the smoke test's npm deps)
#
# Configuration is read by server.py from the environment (PORT, HOST, PING_INTERVAL, ...; see
# README.md). stdout is reserved for the server's single "listening ..." line, so everything pip and
# npm print goes to stderr.
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

if ! command -v python3 >/dev/null 2>&1; then
  echo "install Python 3.11 or later (python3 with the venv module)" >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "install Python 3.11 or later (found $(python3 --version 2>&1))" >&2
  exit 1
fi

# The venv is (re)created when it is missing, broken, or older than requirements.txt (i.e. the pins
# changed since the last install). The marker is written only after a successful install.
marker=".venv/.requirements-installed"
if [ ! -x .venv/bin/python ] || [ ! -f "$marker" ] || [ requirements.txt -nt "$marker" ]; then
  rm -rf .venv
  python3 -m venv .venv 1>&2
  .venv/bin/pip install --disable-pip-version-check --no-input -q -r requirements.txt 1>&2
  touch "$marker"
fi

if [ "$install_only" -eq 1 ]; then
  # The smoke test (node --test) uses socket.io-client 4.8 from package-lock.json.
  if command -v npm >/dev/null 2>&1; then
    # shellcheck source=../../../scripts/lib/node.sh
    source ../../../scripts/lib/node.sh
    npm_ci_locked python-socketio
  else
    echo "npm not found: the smoke test (node --test) needs Node.js 20 and npm" >&2
  fi
  exit 0
fi

exec .venv/bin/python server.py
