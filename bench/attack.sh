#!/usr/bin/env bash
# The issue #12 benchmark: 64 phones booting beside the worst requests a bound user can send
# (examples/attack.rs), against ldap-server with 10,000 users. Prints the phones' p50/p99 boot
# latency alone and under attack (target: p99 at most 2x), and how each attack was answered.
# Then acknowledged adds per second with `--data` (group commit) at 1 and 64 connections.
#
# usage: bash bench/attack.sh   (needs openssl and slappasswd; loopback only)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-10000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
work=$(mktemp -d /tmp/ldap-attack.XXXX)
cleanup() { [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p ldap-server --bin ldap-server --example attack --example load
bin=target/release/ldap-server

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Bench Root CA" -days 30 \
  -keyout "$work/key.pem" -outform DER -out "$work/root.der" 2>/dev/null
hash=$(slappasswd -s 'User!Passw0rd')
python3 bench/gen_ldif.py ad "$USERS" "$work/root.der" "$hash" > "$work/ad.ldif"

start() {
  "$bin" serve --listen 127.0.0.1:0 --admin-password 'Passw0rd!' "$@" > "$work/server.out" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 300); do [ -s "$work/server.out" ] && break; sleep 0.1; done
  url=ldap://$(head -1 "$work/server.out")
}

echo "== 64 phones alone, then beside 4 connections of attack requests ($USERS users, ${SECONDS_PER_RUN} s each)"
start --ldif "$work/ad.ldif"
target/release/examples/attack --url "$url" --bind 'user1@example.test' --password 'User!Passw0rd' \
  --seconds "$SECONDS_PER_RUN"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

echo "== acknowledged adds per second with --data (each add fsynced before its answer)"
for connections in 1 64; do
  rm -rf "$work/data"
  start --data "$work/data"
  target/release/examples/load --url "$url" --bind 'Administrator@example.test' --password 'Passw0rd!' \
    --base 'CN=Users,DC=example,DC=test' --mode add --connections "$connections" --seconds 5 \
    --label "add x$connections" --server-pid "$server_pid"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
done
