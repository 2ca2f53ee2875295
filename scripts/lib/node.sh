# Node.js helpers for the scripts that install and start Node code (the testees' run.sh,
# interop/node/run-check.sh). Source it; it defines functions and runs nothing.
#
#   require_node20 [PREFIX]   exit 1 with "install Node.js 20 and npm" unless node >= 20 and npm
#   npm_ci_if_stale [PREFIX]  npm ci (output to stderr) when node_modules is missing or older than
#                             package-lock.json; says "PREFIXnpm ci" first when PREFIX is given
#   npm_ci_locked NAME        npm_ci_if_stale under the lock socketio-conformance-NAME.lock, so
#                             concurrent starts never run npm ci in one folder at once
#
# PREFIX starts each message (e.g. "node-socketio-4-tls: "). Both work in the current folder.

require_node20() {
  local prefix="${1:-}"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "${prefix}install Node.js 20 and npm" >&2
    exit 1
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then
    echo "${prefix}install Node.js 20 and npm (found node $(node --version))" >&2
    exit 1
  fi
}

# npm ci writes node_modules/.package-lock.json; reinstall when it is missing or older than the
# lockfile (i.e. the lockfile changed since the last install).
npm_ci_if_stale() {
  local marker="node_modules/.package-lock.json"
  if [ ! -d node_modules ] || [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
    if [ -n "${1:-}" ]; then
      echo "${1}npm ci" >&2
    fi
    npm ci --no-audit --no-fund 1>&2
  fi
}

npm_ci_locked() {
  if command -v flock >/dev/null 2>&1; then
    (
      flock 9
      npm_ci_if_stale
    ) 9>"${TMPDIR:-/tmp}/socketio-conformance-$1.lock"
  else
    npm_ci_if_stale
  fi
}
