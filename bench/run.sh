#!/usr/bin/env bash
# The issue #2 benchmark: ldap-server beside OpenLDAP slapd (back_mdb), same data, same load
# generator, same machine. Prints searches/s for the phone's query at 1 and 64 connections and phone
# boots/s (connect, bind, search, unbind) at 64 connections, against 10,000 users; LDIF load time
# and peak memory for 10,000 users (and 1,000,000 with BENCH_MILLION=1). Each load line is followed by
# the server's own CPU time per operation (from /proc/PID/stat over the measured window). Then the
# same phone boots over LDAPS (issue #10): ours with the certificate it issues itself, slapd with one
# from openssl, both checked by the client against their CA, with the client resuming TLS sessions
# and without (every boot a full handshake, as after a power cut). Last, server CPU per boot (plain,
# LDAPS, LDAPS without resumption) as medians of PAIRED_ROUNDS (default 5) alternating runs, their
# ratio, and each pair's ratio with the median of those (issue #13).
#
# usage: bash bench/run.sh            (needs slapd, ldap-utils, openssl; run as root on loopback)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
USERS=${USERS:-10000}
work=$(mktemp -d /tmp/ldap-bench.XXXX)
cleanup() { [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null; [ -f "$work/slapd.pid" ] && kill "$(cat "$work/slapd.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release -q -p ldap-server --bin ldap-server --example load
bin=target/release/ldap-server
load=target/release/examples/load

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Bench Root CA" -days 30 \
  -keyout "$work/key.pem" -outform DER -out "$work/root.der" 2>/dev/null
hash=$(slappasswd -s 'User!Passw0rd')
python3 bench/gen_ldif.py ad "$USERS" "$work/root.der" "$hash" > "$work/ad.ldif"
python3 bench/gen_ldif.py rfc "$USERS" "$work/root.der" "$hash" > "$work/rfc.ldif"

echo "== LDIF load ($USERS users): ldap-server check (build the forest, load the file)"
/usr/bin/time -f "   %e s wall, %M KiB peak RSS" "$bin" check --ldif "$work/ad.ldif" 2>&1 | grep -v INFO || true

"$bin" serve --listen 127.0.0.1:0 --admin-password 'Passw0rd!' --ldif "$work/ad.ldif" \
  --ldaps-listen 127.0.0.1:0 --tls-name 127.0.0.1 --tls-ca-out "$work/dc-ca.pem" > "$work/server.out" 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/server.out" ] && break; sleep 0.1; done
ours=ldap://$(head -1 "$work/server.out")
ours_ldaps=$(sed -n 's/^# LDAPS on //p' "$work/server.out")

mkdir -p "$work/slapd.d" "$work/db"
cat > "$work/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $work/slapd.pid
olcLogLevel: 0
olcTLSCACertificateFile: $work/slapd-ca.pem
olcTLSCertificateFile: $work/slapd.pem
olcTLSCertificateKeyFile: $work/slapd.key

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $work/db
olcSuffix: dc=example,dc=test
olcRootDN: cn=admin,dc=example,dc=test
olcRootPW: secret
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcDbMaxSize: 4294967296
olcAccess: to * by * read
LDIF
# slapd's certificate: a CA and a leaf for 127.0.0.1, as an administrator would make them.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=slapd bench CA" -days 30 \
  -keyout "$work/slapd-ca.key" -out "$work/slapd-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$work/slapd.key" -out "$work/slapd.csr" 2>/dev/null
openssl x509 -req -in "$work/slapd.csr" -CA "$work/slapd-ca.pem" -CAkey "$work/slapd-ca.key" -CAcreateserial \
  -days 30 -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out "$work/slapd.pem" 2>/dev/null
slapadd -n0 -F "$work/slapd.d" -l "$work/config.ldif" >/dev/null
echo "== LDIF load ($USERS users): slapd (slapadd -q)"
/usr/bin/time -f "   %e s wall, %M KiB peak RSS" slapadd -q -n1 -F "$work/slapd.d" -l "$work/rfc.ldif" 2>&1 | tail -1
port=$((20000 + RANDOM % 20000))
slapd -F "$work/slapd.d" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$((port + 1))/"
for _ in $(seq 100); do LDAPNOINIT=1 ldapsearch -x -H "ldap://127.0.0.1:$port" -b '' -s base >/dev/null 2>&1 && break; sleep 0.1; done
theirs=ldap://127.0.0.1:$port
theirs_ldaps=ldaps://127.0.0.1:$((port + 1))
slapd_pid=$(cat "$work/slapd.pid")

ours_args=(--url "$ours" --bind 'user1@example.test' --password 'User!Passw0rd' --base 'CN=Configuration,DC=example,DC=test' --filter '(objectCategory=certificationAuthority)' --attribute cACertificate --seconds "$SECONDS_PER_RUN" --label ldap-server --server-pid "$server_pid")
theirs_args=(--url "$theirs" --bind 'uid=user1,cn=Users,dc=example,dc=test' --password 'User!Passw0rd' --base 'cn=Configuration,dc=example,dc=test' --filter '(objectClass=pkiCA)' --attribute 'cACertificate;binary' --seconds "$SECONDS_PER_RUN" --label slapd --server-pid "$slapd_pid")

echo "== the phone's query and phone boots, $USERS users (load generator on the same 2 cores)"
echo "   raw: pre-encoded requests, replies framed not decoded (server-bound); ldap3: the ldap3 crate (client-bound)"
for client in raw ldap3; do
  for args in ours_args theirs_args; do
    declare -n a=$args
    "$load" "${a[@]}" --client $client --connections 1 --mode search
    "$load" "${a[@]}" --client $client --connections 64 --mode search
    "$load" "${a[@]}" --client $client --connections 64 --mode boot
  done
done

echo "== phone boots over LDAPS (connect, TLS handshake, bind, search, unbind), 64 connections, ldap3 client"
ours_tls=("${ours_args[@]}"); ours_tls[1]=$ours_ldaps
theirs_tls=("${theirs_args[@]}"); theirs_tls[1]=$theirs_ldaps
echo "   first with the client resuming TLS sessions, then without: a storm after a power cut (no phone keeps a session across a reboot)"
for sessions in resume cold; do
  "$load" "${ours_tls[@]}" --client ldap3 --tls-sessions $sessions --connections 64 --mode boot --ca-file "$work/dc-ca.pem"
  "$load" "${theirs_tls[@]}" --client ldap3 --tls-sessions $sessions --connections 64 --mode boot --ca-file "$work/slapd-ca.pem"
done

# Issue #13's figure. Server CPU per boot moves with the machine's load (slapd's own by ±30 %
# between runs), so it is also taken as the median of PAIRED_ROUNDS alternating runs (ours, then
# slapd's), and as the ratio of the two medians.
cpu_per_op() {
  local out
  out=$("$load" "$@")
  printf '%s\n' "$out" >&2
  sed -n 's/.*server CPU \([0-9.]*\) µs\/op.*/\1/p' <<<"$out"
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
rounds=${PAIRED_ROUNDS:-5}
if [ "$rounds" -gt 0 ]; then
  echo "== server CPU per phone boot, $rounds alternating pairs each (64 connections)"
  for kind in plain ldaps ldaps-cold; do
    ours_cpu=(); theirs_cpu=()
    for _ in $(seq "$rounds"); do
      if [ $kind = plain ]; then
        ours_cpu+=("$(cpu_per_op "${ours_args[@]}" --client raw --connections 64 --mode boot)")
        theirs_cpu+=("$(cpu_per_op "${theirs_args[@]}" --client raw --connections 64 --mode boot)")
      else
        sessions=resume; [ $kind = ldaps-cold ] && sessions=cold
        ours_cpu+=("$(cpu_per_op "${ours_tls[@]}" --client ldap3 --tls-sessions $sessions --connections 64 --mode boot --ca-file "$work/dc-ca.pem")")
        theirs_cpu+=("$(cpu_per_op "${theirs_tls[@]}" --client ldap3 --tls-sessions $sessions --connections 64 --mode boot --ca-file "$work/slapd-ca.pem")")
      fi
    done
    ours_median=$(median "${ours_cpu[@]}"); theirs_median=$(median "${theirs_cpu[@]}")
    # Each pair's own ratio too: the two runs of a pair are next to each other in time, so a
    # drift of the machine's speed over the whole measure moves both alike.
    pair_ratios=()
    for i in "${!ours_cpu[@]}"; do
      pair_ratios+=("$(awk -v a="${ours_cpu[$i]}" -v b="${theirs_cpu[$i]}" 'BEGIN {printf "%.1f", 100 * a / b}')")
    done
    echo "$kind: ldap-server ${ours_cpu[*]} µs (median $ours_median), slapd ${theirs_cpu[*]} µs (median $theirs_median): $(awk -v a="$ours_median" -v b="$theirs_median" 'BEGIN {printf "%.0f %%", 100 * a / b}') of slapd's; pair by pair ${pair_ratios[*]} % (median $(median "${pair_ratios[@]}") %)"
  done
fi

if [ "${BENCH_MILLION:-0}" = 1 ]; then
  kill "$server_pid"; server_pid=
  python3 bench/gen_ldif.py ad 1000000 "$work/root.der" "$hash" > "$work/million.ldif"
  echo "== LDIF load (1,000,000 users): ldap-server check"
  /usr/bin/time -f "   %e s wall, %M KiB peak RSS" "$bin" check --ldif "$work/million.ldif" 2>&1 | grep -v INFO || true
  : > "$work/server.out"
  "$bin" serve --listen 127.0.0.1:0 --admin-password 'Passw0rd!' --ldif "$work/million.ldif" > "$work/server.out" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 600); do [ -s "$work/server.out" ] && break; sleep 0.1; done
  ours=ldap://$(head -1 "$work/server.out")
  ours_args[1]=$ours
  ours_args[${#ours_args[@]}-1]=$server_pid
  echo "== the phone's query with 1,000,000 users"
  "$load" "${ours_args[@]}" --client raw --connections 1 --mode search
  "$load" "${ours_args[@]}" --client raw --connections 64 --mode search
  "$load" "${ours_args[@]}" --client raw --connections 64 --mode boot
fi
