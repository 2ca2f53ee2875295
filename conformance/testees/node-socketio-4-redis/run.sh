#!/usr/bin/env bash
# Provision (if needed) and start the node-socketio-4-redis cluster testee: one Redis server and
# two socket.io nodes (server.mjs) sharing it through the Redis adapter, all on free loopback ports.
#
#   bash run.sh                  install what is missing, start everything, print one line
#   bash run.sh --install-only   only install what is missing (redis-server, node_modules)
#
# stdout carries exactly one line once both nodes accept connections:
#
#   listening http://127.0.0.1:<p1>/socket.io/ http://127.0.0.1:<p2>/socket.io/
#
# Everything else (apt-get, npm, what this script does) goes to stderr; Redis's log is shown only
# when it fails to start. The cluster stops, Redis included, on SIGTERM/SIGINT/SIGHUP, when stdin
# reaches end of file (when stdin is a pipe or a socket), or when any of its processes exits. A
# watchdog stops the children even when this script is killed with SIGKILL.
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

say() { echo "node-socketio-4-redis: $*" >&2; }

# shellcheck source=../../../scripts/lib/node.sh
source ../../../scripts/lib/node.sh
require_node20 "node-socketio-4-redis: "

# Serialise installs between concurrent runs of this script (apt and npm both dislike racing).
with_lock() {
  if command -v flock >/dev/null 2>&1; then
    flock "${TMPDIR:-/tmp}/socketio-conformance-node-socketio-4-redis.lock" "$@"
  else
    "$@"
  fi
}

install_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    say "redis-server is not installed and apt-get is unavailable: install Redis (redis-server) and retry"
    return 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      say "redis-server is not installed and installing it needs root: run 'apt-get install -y redis-server' as root"
      return 1
    fi
  fi
  say "redis-server is missing; installing it: apt-get update && apt-get install -y redis-server"
  if ! "${sudo[@]}" apt-get update 1>&2 ||
    ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends redis-server 1>&2; then
    say "apt-get could not install redis-server; install Redis (redis-server) and retry"
    return 1
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    say "apt-get finished but redis-server is still not on PATH"
    return 1
  fi
  say "installed $(redis-server --version | head -n 1)"
}
export -f install_redis say

install_node_modules() { npm_ci_if_stale "node-socketio-4-redis: "; }
export -f install_node_modules npm_ci_if_stale

with_lock bash -c install_redis
with_lock bash -c install_node_modules

if [ "$install_only" -eq 1 ]; then
  exit 0
fi

# ------------------------------------------------------------------------------------------------
# Start: Redis, then two nodes; stop everything on the way out.
# ------------------------------------------------------------------------------------------------

work="$(mktemp -d "${TMPDIR:-/tmp}/node-socketio-4-redis.XXXXXX")"
redis_pid=""
node_pids=()
watchdog_pid=""
stdin_pid=""

cleanup() {
  trap - EXIT INT TERM HUP
  local pids=()
  for p in "${node_pids[@]}" $redis_pid $stdin_pid; do
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null && pids+=("$p")
  done
  if [ "${#pids[@]}" -gt 0 ]; then
    say "stopping pids ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    # Bounded wait (3 s), then SIGKILL whatever is left.
    for _ in $(seq 1 30); do
      local alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  [ -n "$watchdog_pid" ] && kill "$watchdog_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM HUP

# A free loopback port: bind port 0, read it, close. Redis needs a number (the nodes use PORT=0).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# Redis may lose the race for its port to another process: retry with a new one.
redis_port=""
for attempt in 1 2 3; do
  port="$(free_port)"
  say "starting redis-server on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no \
    --protected-mode yes --loglevel warning </dev/null >>"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do
    if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    if node -e 'const c=require("net").connect(+process.argv[1],"127.0.0.1");c.on("connect",()=>{c.write("PING\r\n");});c.on("data",d=>process.exit(String(d).startsWith("+PONG")?0:1));c.on("error",()=>process.exit(1));setTimeout(()=>process.exit(1),500);' "$port" 2>/dev/null; then
      redis_port="$port"
      break
    fi
    sleep 0.1
  done
  [ -n "$redis_port" ] && break
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
  say "redis-server did not come up on port $port (attempt $attempt)"
done
if [ -z "$redis_port" ]; then
  say "could not start redis-server; its log:"
  cat "$work/redis.log" >&2 || true
  exit 1
fi
say "redis-server ready on 127.0.0.1:$redis_port (pid $redis_pid)"

# The children must not outlive this script, even if it is SIGKILLed: a watchdog polls for it and
# then stops the pids it was given.
parent=$$
watchdog() {
  while kill -0 "$parent" 2>/dev/null; do sleep 0.5; done
  kill -TERM "$@" 2>/dev/null
  sleep 1
  kill -KILL "$@" 2>/dev/null
}
watchdog "$redis_pid" </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

export REDIS_URL="redis://127.0.0.1:$redis_port"
urls=()
for i in 1 2; do
  out="$work/node$i.out"
  : >"$out"
  node server.mjs </dev/null >"$out" &
  node_pids+=($!)
  line=""
  for _ in $(seq 1 300); do
    line="$(head -n 1 "$out")"
    case "$line" in listening\ *) break ;; esac
    if ! kill -0 "${node_pids[-1]}" 2>/dev/null; then
      say "node $i exited before listening"
      exit 1
    fi
    sleep 0.1
  done
  case "$line" in
    listening\ *) urls+=("${line#listening }") ;;
    *) say "node $i did not print its listening line within 30 s"; exit 1 ;;
  esac
  say "node $i listening on ${urls[-1]} (pid ${node_pids[-1]})"
done

# Replace the watchdog with one that knows every pid.
kill "$watchdog_pid" 2>/dev/null || true
wait "$watchdog_pid" 2>/dev/null || true
watchdog "${node_pids[@]}" "$redis_pid" </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

echo "listening ${urls[*]}"

# Watch stdin for end of file when it is a pipe or a socket (a parent that goes away closes it).
if [ -p /dev/stdin ] || [ -S /dev/stdin ]; then
  cat >/dev/null <&0 &
  stdin_pid=$!
fi

# Wait until any child ends (stdin EOF, a node or Redis dying) or a signal arrives.
set +e
wait -n "${node_pids[@]}" "$redis_pid" $stdin_pid
status=$?
set -e
if [ -n "$stdin_pid" ] && ! kill -0 "$stdin_pid" 2>/dev/null; then
  say "stdin closed; stopping"
  exit 0
fi
say "a cluster process exited (status $status); stopping"
exit 1
