#!/usr/bin/env bash
# Scans `shardline serve` with testssl.sh and fails on any HIGH or CRITICAL finding that is not an
# expected certificate-trust finding.
#
#   bash perf/security/testssl.sh
#   SHARDLINE_SKIP_BUILD=1 bash perf/security/testssl.sh     # use gateway/target/shardline.jar as is
#   MTLS=1 bash perf/security/testssl.sh                      # serve with --client-ca (mutual TLS)
#
# What it does:
#   1. checks that the Debian package `testssl.sh` is installed (it installs nothing; exit 2 if not:
#      `apt-get install testssl.sh`);
#   2. starts `shardline serve` on 127.0.0.1, port 0, in its own process group (setsid), with a
#      scratch root holding one file and a scratch state dir (so a fresh self-signed certificate),
#      and reads the port from its banner `listening on HOST:PORT fingerprint sha256:HEX`;
#   3. runs testssl.sh against 127.0.0.1:PORT, offline and bounded: no DNS lookups (--nodns none,
#      --ip 127.0.0.1), no CRL/OCSP fetches (no --phone-out), connect/openssl timeouts, and the whole
#      scan under `timeout` (SCAN_TIMEOUT, 600 s). Checks: protocols (-p), cipher categories (-s),
#      ciphers per protocol (-E), forward secrecy (-f), server preferences (-P), server defaults and
#      certificate (-S), vulnerabilities (-U);
#   4. stops the server (and the scan, if interrupted) by process group, and prints a summary:
#      protocols, cipher suites, every HIGH/CRITICAL finding, MEDIUM/LOW counts.
#
# Pass/fail (exit 1 on fail):
#   * any HIGH or CRITICAL finding whose id is not in ALLOWED below;
#   * any WARN finding (the scan could not complete a check, so it proves nothing);
#   * TLS 1.3 not offered, or any protocol other than TLS 1.3 and TLS 1.2 offered, or a TLS 1.2
#     cipher suite that is not AEAD (GCM, CCM, ChaCha20-Poly1305).
# Expected, allowed findings: the certificate is self-signed and clients pin its SHA-256
# fingerprint (`pull --trust sha256:HEX`, PinningTrustManager), so there is no CA chain, no CRL or
# OCSP, no CT, and the validity dates are not what clients check. See docs/security.md.
#
# With MTLS=1 the server runs with `--client-ca` (a CA made by mtls-certs.sh in the scratch dir).
# Before the scan, openssl s_client checks that a handshake without a client certificate gets the
# TLS alert "certificate required" and one with a certificate from the CA is accepted (exit 1 if
# not). testssl.sh 3.0.x cannot present a client certificate (no --mtls), so the scan itself runs
# without one: it sees the same protocols, suites and groups (all in the ServerHello, before the
# client certificate is checked), and every scanned handshake is refused at the certificate step.
#
# Exit codes: 0 pass, 1 a finding or policy failure, 2 testssl.sh not installed or bad usage,
# 3 the server or the scan could not run (no banner, testssl error or timeout).
#
# Environment:
#   OUT_DIR        where testssl's JSON, CSV and log go (default: a new temp dir; kept and printed)
#   SCAN_TIMEOUT   seconds for the whole testssl run (default 600)
#   MTLS           1: serve with --client-ca and check client certificates (default 0)
#   SHARDLINE_SKIP_BUILD, SHARDLINE_JAVA_OPTS   passed to bin/shardline
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARDLINE="$ROOT/bin/shardline"
SCAN_TIMEOUT="${SCAN_TIMEOUT:-600}"
MTLS="${MTLS:-0}"
BANNER_TIMEOUT_S=90 # the first JVM start may be slow on a busy machine

# Findings that are expected for a self-signed, fingerprint-pinned certificate.
declare -A ALLOWED=(
  [cert_chain_of_trust]="self-signed, no CA chain: clients pin the SHA-256 fingerprint instead"
  [cert_trust]="host name trust: pinned clients check the fingerprint, not the name"
  [cert_revocation]="no CRL or OCSP URI: a pinned certificate is revoked by changing the pin"
  [cert_crlDistributionPoints]="no CRL: revocation is by changing the pin"
  [cert_ocspURL]="no OCSP responder: revocation is by changing the pin"
  [cert_ocspRevoked]="OCSP: not used, revocation is by changing the pin"
  [cert_crlRevoked]="CRL: not used, revocation is by changing the pin"
  [cert_mustStapleExtension]="OCSP must-staple: not used with pinning"
  [OCSP_stapling]="OCSP stapling: not used with pinning"
  [certificate_transparency]="CT: a private, pinned certificate is not logged"
  [cert_caIssuers]="issuer is the certificate itself (self-signed)"
  [cert_validityPeriod]="10-year self-signed certificate: pinned clients check the fingerprint, not the dates; rotate by replacing the state dir's certificate and the pin"
)

die() { # code message...
  local code="$1"
  shift
  echo "testssl.sh check: $*" >&2
  exit "$code"
}

[ $# -eq 0 ] || die 2 "takes no arguments (see the header of $0)"
[[ "$SCAN_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die 2 "SCAN_TIMEOUT must be a positive number of seconds"
[[ "$MTLS" =~ ^[01]$ ]] || die 2 "MTLS must be 0 or 1"

# 1. The Debian package testssl.sh (binary `testssl`; upstream installs call it `testssl.sh`).
if ! dpkg-query -W -f='${Status}' testssl.sh 2>/dev/null | grep -q 'install ok installed'; then
  die 2 "needs the Debian package testssl.sh, which is not installed (apt-get install testssl.sh)"
fi
TESTSSL="$(command -v testssl || command -v testssl.sh || true)"
[ -n "$TESTSSL" ] || die 2 "the Debian package testssl.sh is installed but neither 'testssl' nor 'testssl.sh' is on PATH"
for tool in setsid timeout; do
  command -v "$tool" >/dev/null || die 2 "needs '$tool' (util-linux / coreutils)"
done
[ -x "$SHARDLINE" ] || die 3 "$SHARDLINE not found"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shardline-testssl.XXXXXX")"
OUT_DIR="${OUT_DIR:-$WORK/report}"
mkdir -p "$WORK/root" "$WORK/state" "$OUT_DIR"
SERVER_PGID=""
SCAN_PGID=""

stop_group() { # pgid: TERM, wait up to 10 s, then KILL
  local pgid="$1" i
  [ -n "$pgid" ] || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 -- "-$pgid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  stop_group "$SCAN_PGID"
  stop_group "$SERVER_PGID"
  SCAN_PGID=""
  SERVER_PGID=""
  # Remove the server's scratch files; keep the report (under $WORK/report unless OUT_DIR is set).
  if [ "$OUT_DIR" = "$WORK/report" ]; then
    rm -rf "$WORK/root" "$WORK/state" "$WORK/pki" "$WORK/server.out" "$WORK/server.err"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 2. A server on loopback, port 0, in its own session and process group.
head -c 1048576 /dev/urandom >"$WORK/root/sample.bin"
serve_args=(serve --root "$WORK/root" --listen 127.0.0.1:0 --state-dir "$WORK/state")
if [ "$MTLS" = 1 ]; then
  command -v openssl >/dev/null || die 2 "MTLS=1 needs openssl"
  bash "$ROOT/perf/security/mtls-certs.sh" ca "$WORK/pki" >/dev/null
  bash "$ROOT/perf/security/mtls-certs.sh" client "$WORK/pki" scanner >/dev/null
  serve_args+=(--client-ca "$WORK/pki/ca.pem")
fi
setsid "$SHARDLINE" "${serve_args[@]}" >"$WORK/server.out" 2>"$WORK/server.err" </dev/null &
server_pid=$!
# A background job of a non-interactive shell is not a group leader, so setsid execs in place:
# its pid is the new session's and process group's id. Check rather than assume.
# (Until setsid has run, the child is still in our group: poll, bounded.)
pgid=""
for ((i = 0; i < 50; i++)); do
  pgid="$(ps -o pgid= -p "$server_pid" 2>/dev/null | tr -d ' ' || true)"
  [ "$pgid" != "$server_pid" ] || break
  sleep 0.1
done
if [ "$pgid" != "$server_pid" ]; then
  kill -TERM "$server_pid" 2>/dev/null || true
  die 3 "could not start the server in its own process group (pid $server_pid, pgid '${pgid:-?}')"
fi
SERVER_PGID="$server_pid"

banner_re='^listening on (127\.0\.0\.1):([0-9]+) fingerprint sha256:([0-9a-f]{64})$'
PORT=""
FINGERPRINT=""
for ((i = 0; i < BANNER_TIMEOUT_S * 4; i++)); do
  if line="$(grep -m1 '^listening on ' "$WORK/server.out" 2>/dev/null)" && [[ "$line" =~ $banner_re ]]; then
    PORT="${BASH_REMATCH[2]}"
    FINGERPRINT="${BASH_REMATCH[3]}"
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.25
done
if [ -z "$PORT" ]; then
  echo "--- server stdout:" >&2
  tail -n 20 "$WORK/server.out" >&2 || true
  echo "--- server stderr:" >&2
  tail -n 40 "$WORK/server.err" >&2 || true
  die 3 "no 'listening on 127.0.0.1:PORT fingerprint sha256:HEX' line from shardline serve within ${BANNER_TIMEOUT_S}s"
fi
echo "shardline serve: 127.0.0.1:$PORT fingerprint sha256:$FINGERPRINT (pgid $SERVER_PGID)" >&2

# 2b. With MTLS=1: no client certificate is refused, a certificate from the CA is accepted.
mtls_line=""
if [ "$MTLS" = 1 ]; then
  handshake() { # extra s_client args...; the server's answer within 2 s of the handshake
    (sleep 2) | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 -verify_quiet "$@" 2>&1 || true
  }
  without="$(handshake)"
  with="$(handshake -cert "$WORK/pki/scanner.pem" -key "$WORK/pki/scanner-key.pem")"
  if ! grep -qi 'alert certificate required' <<<"$without"; then
    echo "$without" | tail -n 15 >&2
    die 1 "MTLS=1: a handshake without a client certificate was not refused with 'certificate required'"
  fi
  if grep -qi 'alert' <<<"$with" || ! grep -q 'TLSv1.3' <<<"$with"; then
    echo "$with" | tail -n 15 >&2
    die 1 "MTLS=1: a handshake with a client certificate from --client-ca was not accepted"
  fi
  mtls_line="mutual TLS:            --client-ca set; no client certificate: refused (alert certificate required); certificate from the CA: accepted"
  echo "$mtls_line" >&2
fi

# 3. The scan: loopback only, no DNS, no phone-out, bounded.
JSON="$OUT_DIR/testssl.json"
CSV="$OUT_DIR/testssl.csv"
LOG="$OUT_DIR/testssl.log"
rm -f "$JSON" "$CSV" "$LOG"
echo "testssl.sh: scanning 127.0.0.1:$PORT (at most ${SCAN_TIMEOUT}s; full output in $LOG)" >&2
started=$SECONDS
setsid timeout -k 10 "$SCAN_TIMEOUT" "$TESTSSL" \
  --quiet --color 0 --warnings batch \
  --nodns none --ip 127.0.0.1 \
  --connect-timeout 10 --openssl-timeout 10 \
  -p -s -E -f -P -S -U \
  --jsonfile "$JSON" --csvfile "$CSV" \
  "127.0.0.1:$PORT" >"$LOG" 2>&1 </dev/null &
SCAN_PGID=$!
set +e
wait "$SCAN_PGID"
scan_rc=$?
set -e
SCAN_PGID=""
scan_s=$((SECONDS - started))

# 4. Stop the server now; the trap would too.
stop_group "$SERVER_PGID"
SERVER_PGID=""

# testssl's exit code is a sum of per-check results; >= 240 are its own errors, 124/137 timeout.
if [ "$scan_rc" -eq 124 ] || [ "$scan_rc" -eq 137 ]; then
  die 3 "testssl.sh did not finish within ${SCAN_TIMEOUT}s (see $LOG)"
fi
if [ "$scan_rc" -ge 240 ] || [ ! -s "$CSV" ]; then
  tail -n 20 "$LOG" >&2 || true
  die 3 "testssl.sh failed (exit $scan_rc; see $LOG)"
fi

# The CSV: "id","fqdn/ip","port","severity","finding","cve","cwe" with quotes stripped from the
# values by testssl itself, so '","' separates fields. Emit id<TAB>severity<TAB>finding.
findings="$(awk -F'","' 'NR > 1 {
    id = $1; sub(/^"/, "", id); sub(/[ \t]*<[^>]*>$/, "", id)   # drop " <hostCert#1>" suffixes
    sev = $4; finding = $5
    gsub(/[ \t]+/, " ", finding)
    printf "%s\t%s\t%s\n", id, sev, finding
  }' "$CSV")"

field() { # id -> finding text (first match)
  awk -F'\t' -v id="$1" '$1 == id { print $3; exit }' <<<"$findings"
}

fail=0
reasons=()

proto_offered=()
proto_not=()
for p in SSLv2 SSLv3 TLS1 TLS1_1 TLS1_2 TLS1_3; do
  f="$(field "$p")"
  case "$f" in
    "not offered"*) proto_not+=("$p") ;;
    "offered"*) proto_offered+=("$p") ;;
    "") reasons+=("protocol $p was not tested") ;;
    *) reasons+=("protocol $p: unclear result '$f'") ;;
  esac
done
case " ${proto_offered[*]} " in *" TLS1_3 "*) ;; *) reasons+=("TLS 1.3 is not offered") ;; esac
for p in "${proto_offered[@]}"; do
  case "$p" in TLS1_2 | TLS1_3) ;; *) reasons+=("obsolete protocol offered: $p") ;; esac
done

# Cipher suites per protocol (-E): id cipher-tls1_3_x1302, finding "TLS 1.3 x1302 OPENSSL-NAME KX ... IANA-NAME".
ciphers="$(awk -F'\t' '$1 ~ /^cipher-/ {
    proto = $1; sub(/^cipher-/, "", proto); sub(/_x[0-9a-fA-F]+$/, "", proto)
    n = split($3, w, " "); printf "%s\t%s\t%s\n", proto, w[3], w[n]
  }' <<<"$findings")"
[ -n "$ciphers" ] || reasons+=("no cipher suites were listed (-E)")
while IFS=$'\t' read -r proto hex name; do
  [ -n "$proto" ] || continue
  if [ "$proto" = tls1_2 ] && ! [[ "$name" =~ (GCM|CCM|CHACHA20_POLY1305) ]]; then
    reasons+=("TLS 1.2 cipher suite without AEAD: $name ($hex)")
  fi
done <<<"$ciphers"

high="$(awk -F'\t' '$2 == "HIGH" || $2 == "CRITICAL"' <<<"$findings")"
warn="$(awk -F'\t' '$2 == "WARN" || $2 == "FATAL"' <<<"$findings")"
medium="$(awk -F'\t' '$2 == "MEDIUM"' <<<"$findings")"
low="$(awk -F'\t' '$2 == "LOW"' <<<"$findings")"
count() { if [ -z "$1" ]; then echo 0; else wc -l <<<"$1" | tr -d " "; fi; }

unexpected=0
high_lines=()
while IFS=$'\t' read -r id sev finding; do
  [ -n "$id" ] || continue
  if [ -n "${ALLOWED[$id]+x}" ]; then
    high_lines+=("$(printf '  %-8s %-26s %s\n      expected: %s' "$sev" "$id" "$finding" "${ALLOWED[$id]}")")
  else
    unexpected=$((unexpected + 1))
    high_lines+=("$(printf '  %-8s %-26s %s\n      NOT EXPECTED' "$sev" "$id" "$finding")")
  fi
done <<<"$high"
[ "$unexpected" -eq 0 ] || reasons+=("$unexpected HIGH/CRITICAL finding(s) not in the allow-list")
[ -z "$warn" ] || reasons+=("$(count "$warn") WARN finding(s): the scan was incomplete")
[ ${#reasons[@]} -eq 0 ] || fail=1

testssl_version="$(sed -n 's/^ *testssl *\([0-9][^ ]*\).*/\1/p' < <("$TESTSSL" --version 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g') | head -n1)"
openssl_version="$(openssl version 2>/dev/null | awk '{print $1, $2}')"

# 5. The summary (stdout).
mode=""
[ "$MTLS" = 0 ] || mode=" --client-ca"
echo "== testssl.sh ${testssl_version:-?} ($openssl_version) against shardline serve$mode, 127.0.0.1:$PORT, ${scan_s}s =="
[ -z "$mtls_line" ] || echo "$mtls_line"
echo "protocols offered:     ${proto_offered[*]:-none}"
echo "protocols not offered: ${proto_not[*]:-none}"
echo "cipher suites:"
while IFS=$'\t' read -r proto hex name; do
  [ -n "$proto" ] && printf '  %-7s %-6s %s\n' "$proto" "$hex" "$name"
done <<<"$ciphers"
f="$(field PFS_ECDHE_curves)"; [ -z "$f" ] || echo "key exchange groups:   $f"
f="$(field cert_signatureAlgorithm)"; k="$(field cert_keySize)"
[ -z "$f$k" ] || echo "certificate:           $f, $k, $(field cert_validityPeriod) validity, SAN: $(field cert_subjectAltName)"
vulns="$(awk -F'\t' '$1 ~ /^(heartbleed|CCS|ticketbleed|ROBOT|secure_renego|secure_client_renego|CRIME_TLS|BREACH|POODLE_SSL|fallback_SCSV|SWEET32|FREAK|DROWN|LOGJAM|BEAST|LUCKY13|RC4)$/ {
    if (!seen[$1]++) n++; if ($2 != "OK" && $2 != "INFO") bad = bad "\n  " $2 " " $1 ": " $3
  } END { printf "%d checked%s", n, (bad == "" ? ", none vulnerable" : ":" bad) }' <<<"$findings")"
echo "vulnerabilities:       $vulns"
echo "HIGH/CRITICAL findings: $(count "$high") ($unexpected not expected)"
for l in "${high_lines[@]}"; do echo "$l"; done
echo "MEDIUM findings: $(count "$medium")"
[ -z "$medium" ] || awk -F'\t' '{ printf "  %-26s %s\n", $1, $3 }' <<<"$medium"
echo "LOW findings:    $(count "$low")"
[ -z "$low" ] || awk -F'\t' '{ printf "  %-26s %s\n", $1, $3 }' <<<"$low"
if [ -n "$warn" ]; then
  echo "WARN findings:   $(count "$warn")"
  awk -F'\t' '{ printf "  %-26s %s\n", $1, $3 }' <<<"$warn"
fi
echo "reports: $JSON, $CSV, $LOG"
if [ "$fail" -eq 0 ]; then
  echo "result: PASS"
else
  echo "result: FAIL"
  for r in "${reasons[@]}"; do echo "  - $r"; done
fi
exit "$fail"
