#!/usr/bin/env bash
# Provision (if needed) and start the node-socketio-4-tls testee: the reference application over
# https/wss with a certificate from a private test CA.
#
#   bash run.sh                  install / generate what is missing, then exec node server.mjs
#   bash run.sh --install-only   only install node_modules and generate the certificates
#
# Certificates (git-ignored, generated with openssl when missing or expiring within a day):
#   certs/ca.pem     the test CA: give it to the runner with --ca (run --testee does it itself)
#   certs/cert.pem   the leaf for DNS:localhost and IP:127.0.0.1, signed by the CA
#   certs/key.pem    the leaf's key
#
# stdout carries exactly one line, `listening https://127.0.0.1:<port>/socket.io/`; everything else
# (npm, openssl, where the CA is) goes to stderr. The server stops on SIGTERM/SIGINT/SIGHUP and when
# its stdin (a pipe or a socket) reaches end of file.
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

say() { echo "node-socketio-4-tls: $*" >&2; }

# shellcheck source=../../../scripts/lib/node.sh
source ../../../scripts/lib/node.sh
require_node20 "node-socketio-4-tls: "
if ! command -v openssl >/dev/null 2>&1; then
  say "install openssl (needed to generate the test certificates)"
  exit 1
fi

# Serialise provisioning between concurrent runs of this script.
lock="${TMPDIR:-/tmp}/socketio-conformance-node-socketio-4-tls.lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lock"
  flock 9
fi

npm_ci_if_stale "node-socketio-4-tls: "

# rustls refuses a self-signed leaf (it is marked as a CA), so make a CA and a leaf it signs.
certs_valid() {
  [ -f certs/ca.pem ] && [ -f certs/cert.pem ] && [ -f certs/key.pem ] &&
    openssl x509 -checkend 86400 -noout -in certs/ca.pem >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in certs/cert.pem >/dev/null 2>&1
}
if ! certs_valid; then
  say "generating a test CA and a leaf for localhost/127.0.0.1 in certs/"
  rm -rf certs.tmp
  mkdir -p certs.tmp
  (
    cd certs.tmp
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
      -subj '/CN=socketio-conformance test CA' 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout key.pem -out leaf.csr -subj '/CN=localhost' 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 30 \
      -extfile leaf.ext 2>/dev/null
    rm -f leaf.csr leaf.ext ca.srl
  ) 1>&2
  rm -rf certs
  mv certs.tmp certs
fi
say "the test CA is $(pwd)/certs/ca.pem (pass it with --ca)"

if [ "$install_only" -eq 1 ]; then
  exit 0
fi
if command -v flock >/dev/null 2>&1; then
  exec 9>&-
fi

exec node server.mjs
