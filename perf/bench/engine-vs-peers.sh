#!/usr/bin/env bash
# engine-vs-peers.sh — end-to-end benchmark: Shardline `pull` against the peer tools a user would
# pick instead (nginx HTTPS -> curl, nginx HTTPS -> aria2c -x4 -s4), on this 2-core machine,
# over 127.0.0.1 only, from the page cache to an ext4 directory in the page cache (no fsync).
#
# WHAT it measures, per data set and tool (RUNS runs each, tools alternated run by run):
#   - throughput over the wall-clock time of the client command: median and min–max MB/s
#     (MB = 10^6 B) and Gbit/s (= MB/s * 8 / 1000); the Shardline client's time includes JVM start;
#   - CPU-seconds per GB (GB = 10^9 B) = client utime+stime (rusage of the reaped client tree, as
#     reported by GNU time %U+%S — the same counters as /proc/PID/stat) + server delta of
#     utime+stime+cutime+cstime summed over every process of the server's session, read from
#     /proc/PID/stat just before and just after the client (nginx master+workers; the Shardline
#     server's launcher + JVM). Same accounting as own_ticks() in /work/shared/bench/run-all.sh;
#   - peak RSS: client = GNU time %M (ru_maxrss of the client tree); server = max VmHWM over its
#     session's processes from /proc/PID/status, read after each run. The server is long-running,
#     so its figure is "server peak so far" (it includes the warm-up and all earlier runs);
#   - verification of the destination against the source (VERIFY=full: `diff -rq` of the whole
#     tree, i.e. every byte and no missing/extra file; VERIFY=quick: byte total + cmp of 2 files);
#     Shardline's own state dir $DST/.shardline/ is left out of the comparison and reported if left.
#   Data sets (sizes are exact):
#     large: 4 x 512 MiB incompressible random files = $SHARDS/random/rand-0{0..3}.bin, made by
#            /work/shared/bench/GenShards.java if missing (it also writes the team's bf16/ fp32/ sets).
#     small: 10,000 x 64 KiB random files in 100 dirs d00..d99 of 100 files x0000..x9999
#            (= 655,360,000 B) in $SMALL, made once: AES-128-CTR keystream of /dev/zero with a fixed
#            key/IV (openssl enc) | split -b 65536 -a 4 -d; deterministic on any machine.
#   Shardline: one warm-up pull per data set before its measured runs (not measured, logged), so
#   the server's manifest cache is warm. Rows that saw other load before a run are marked NOISY.
#
# HOW (method and configuration copied from /work/shared/bench/run-all.sh, see comments "from
# run-all.sh"; that script cannot be sourced: it runs main and sets traps at load time):
#   nginx: same config as run-all.sh (worker_processes 2, sendfile, tcp_nopush, TLSv1.3 only,
#     self-signed P-256 cert), HTTPS only on 127.0.0.1:$P_HTTPS (18543, not run-all's 18443, so the
#     two never collide); keepalive_requests raised 10000 -> 100000 so the 10,000-URL list can
#     never force a reconnect; root = $WORK/www with symlinks large -> $SHARDS/random, small -> $SMALL.
#   Commands ($DST = destination dir, emptied and re-created before every run; P = $P_HTTPS):
#     curl, large:   curl -s -k --fail --http1.1 --output-dir $DST --remote-name-all \
#                      https://127.0.0.1:P/large/rand-00.bin ... rand-03.bin          (as run-all.sh)
#     curl, small:   curl -s -k --fail --http1.1 --create-dirs -K $WORK/curl-small.cfg
#                      (one process, 10,000 `url = ...` / `output = $DST/dNN/xNNNN` pairs, no
#                      --parallel: sequential on one reused connection; checked once at setup)
#     aria2c, large: aria2c -q -j1 -x4 -s4 --file-allocation=none --allow-overwrite=true
#                      --auto-file-renaming=false --console-log-level=error --summary-interval=0
#                      --check-certificate=false -d $DST -i $WORK/aria2-large.txt  (as run-all.sh)
#     aria2c, small: the same options but -j4, -i $WORK/aria2-small.txt (each URL followed by
#                      "  dir=$DST/dNN" and "  out=xNNNN"); -x4 -s4 are kept but cannot split a
#                      64 KiB file (aria2c's min-split-size is 20M), so this is 4 files at a time.
#     shardline:     server (per data set, own session via setsid, stopped by PGID):
#                      SHARDLINE_SKIP_BUILD=1 $SHARDLINE serve --root <set dir> --listen 127.0.0.1:0
#                        --state-dir <fresh tmp dir>     -> stdout "listening on H:P fingerprint sha256:X"
#                    client: SHARDLINE_SKIP_BUILD=1 $SHARDLINE pull shardline://127.0.0.1:P/ $DST
#                        --lanes $LANES --trust sha256:X --json $EXTRA_PULL_ARGS
#                      (its JSON line — files, bytes, wireBytes, seconds, chunks, ... — is kept in the TSV)
#   Every client runs as: timeout -k 5 $TMO /usr/bin/time -f '%e %U %S %M' -o <f> <command>.
#   Order: sets outer; for each repetition r every tool runs once, the tool list rotated by r
#   (r=1: shardline curl aria2c; r=2: curl aria2c shardline; ...) so no tool always runs first.
#   Before each run: rm -rf $DST; mkdir $DST; sync; then a bounded wait for an idle machine (quiet
#   gate from run-all.sh). Every command has a time limit; every loop a fixed count.
#
# RUN:   bash perf/bench/engine-vs-peers.sh                      (RUNS=3, both sets, all tools)
#        RUNS=1 SETS=small TOOLS="curl aria2c" bash perf/bench/engine-vs-peers.sh
# A full run (RUNS=3) takes about 5–10 min here; data generation adds ~1 min the first time.
# Env knobs (defaults): RUNS=3  SETS="large small"  TOOLS="shardline curl aria2c"  LANES=4
#   EXTRA_PULL_ARGS=""  TMO=150 (s, per command)  BUDGET_S=840 (no new run starts after it)
#   OUT_DIR=/tmp/shardline-bench (results.tsv, results.md, raw client output)
#   SHARDS=/tmp/shards (as run-all.sh)  SMALL=$SHARDS/small64k  DST_DISK=/tmp/shardline-bench-dst
#   BENCH_WORK=/tmp/shardline-bench-work  P_HTTPS=18543  SHARDLINE=<repo>/bin/shardline
#   SHARDLINE_JAR=<dir of SHARDLINE>/../gateway/target/shardline.jar  SHARDLINE_JAVA_OPTS (launcher's)
#   VERIFY=full|quick  WARM_MEM=1  QUIET_CORES=0.25 QUIET_MAX_S=10 QUIET_TOTAL_S=90
# Output: progress on stderr; the Markdown report on stdout and in $OUT_DIR/results.md;
#   one TSV row per run in $OUT_DIR/results.tsv (header line names the columns).
# Needs (Debian): nginx-light curl aria2 openssl time iproute2 python3, coreutils/diffutils/
#   util-linux (always present), a JDK >= 17 (openjdk-17-jdk-headless; GenShards.java and Shardline).
#   Install: apt-get install -y nginx-light curl aria2 openssl time iproute2 python3
#   A missing package is named and the script exits 2 (it installs nothing). A missing
#   gateway/target/shardline.jar (SHARDLINE_JAR) or a CLI that does not answer `--help` -> exit 3
#   (the launcher would build a missing jar even with SHARDLINE_SKIP_BUILD=1, so it is not called).
# Safety: servers bind 127.0.0.1 only; every process started here is stopped by its PGID at exit.
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SHARED_BENCH="${SHARED_BENCH:-}"
if [ -z "$SHARED_BENCH" ]; then
  for d in "$REPO/../shared/bench" /work/shared/bench; do [ -f "$d/GenShards.java" ] && { SHARED_BENCH="$(cd "$d" && pwd)"; break; }; done
fi
SHARDS="${SHARDS:-/tmp/shards}"                 # as run-all.sh
SMALL="${SMALL:-$SHARDS/small64k}"
WORK="${BENCH_WORK:-/tmp/shardline-bench-work}"
OUT_DIR="${OUT_DIR:-/tmp/shardline-bench}"
DST="${DST_DISK:-/tmp/shardline-bench-dst}"     # ext4, page cache, no fsync (like run-all's DST_DISK)
WARM_DIR="${WARM_DIR:-/dev/shm/shardline-bench-warm}"
RUNS="${RUNS:-3}"
SETS="${SETS:-large small}"
TOOLS="${TOOLS:-shardline curl aria2c}"
LANES="${LANES:-4}"
EXTRA_PULL_ARGS="${EXTRA_PULL_ARGS:-}"
TMO="${TMO:-150}"
BUDGET_S="${BUDGET_S:-840}"
P_HTTPS="${P_HTTPS:-18543}"
SHARDLINE="${SHARDLINE:-$REPO/bin/shardline}"
SHARDLINE_JAR="${SHARDLINE_JAR:-$(dirname "$SHARDLINE")/../gateway/target/shardline.jar}"
VERIFY="${VERIFY:-full}"
WARM_MEM="${WARM_MEM:-1}"
NCPU=$(nproc)
CLK_TCK=$(getconf CLK_TCK)
T_START=$(date +%s)
LARGE_BYTES=$((4 * 512 * 1024 * 1024))
SMALL_FILES=10000 SMALL_FSIZE=65536
SMALL_BYTES=$((SMALL_FILES * SMALL_FSIZE))
SMALL_KEY=000102030405060708090a0b0c0d0e0f     # fixed AES-128 key (hex) -> deterministic small set
SMALL_IV=00000000000000000000000000000000
RESULTS="$OUT_DIR/results.tsv"
META="$OUT_DIR/meta.tsv"
OUT_MD="$OUT_DIR/results.md"

log() { printf '[%4ds] %s\n' $(( $(date +%s) - T_START )) "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
over_budget() { [ $(( $(date +%s) - T_START )) -ge "$BUDGET_S" ]; }
has() { case " $2 " in *" $1 "*) return 0;; esac; return 1; }   # has WORD "LIST"
meta() { printf '%s\t%s\n' "$1" "$2" >>"$META"; }

# ---------------------------------------------------------------- prerequisites (exit 2, no install)
check_prereqs() {
  local missing=() pkgs=() c p
  need() { command -v "$1" >/dev/null 2>&1 || { missing+=("$1"); pkgs+=("$2"); }; }
  need openssl openssl; need python3 python3; need ss iproute2; need setsid util-linux
  need timeout coreutils; need split coreutils; need diff diffutils; need cmp diffutils
  [ -x /usr/bin/time ] && /usr/bin/time --version 2>&1 | grep -q GNU || { missing+=("/usr/bin/time (GNU)"); pkgs+=("time"); }
  if has curl "$TOOLS" || has aria2c "$TOOLS"; then need nginx nginx-light; need curl curl; fi
  has aria2c "$TOOLS" && need aria2c aria2
  local need_java=0
  has shardline "$TOOLS" && need_java=1
  if has large "$SETS"; then
    for p in 0 1 2 3; do [ "$(stat -c %s "$SHARDS/random/rand-0$p.bin" 2>/dev/null)" = 536870912 ] || need_java=1; done
  fi
  [ $need_java = 1 ] && need java openjdk-17-jdk-headless
  for c in $TOOLS; do case $c in shardline|curl|aria2c) ;; *) log "unknown tool '$c' in TOOLS"; exit 2;; esac; done
  for c in $SETS; do case $c in large|small) ;; *) log "unknown set '$c' in SETS"; exit 2;; esac; done
  if [ ${#missing[@]} -gt 0 ]; then
    log "missing: ${missing[*]}"
    log "install the Debian packages: apt-get install -y $(printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' ')"
    exit 2
  fi
  if has shardline "$TOOLS"; then
    # bin/shardline builds a MISSING jar even with SHARDLINE_SKIP_BUILD=1: never call it without one.
    if [ ! -f "$SHARDLINE_JAR" ]; then
      log "Shardline jar $SHARDLINE_JAR is missing: build it first (./mvnw -B -DskipTests -pl engine -am package)"
      log "or run with TOOLS=\"curl aria2c\""
      exit 3
    fi
    if [ ! -x "$SHARDLINE" ] || ! SHARDLINE_SKIP_BUILD=1 timeout -k 5 60 "$SHARDLINE" --help >/dev/null 2>&1; then
      log "Shardline CLI '$SHARDLINE' does not answer --help; fix it or run with TOOLS=\"curl aria2c\""
      exit 3
    fi
  fi
}

# ---------------------------------------------------------------- process bookkeeping (from run-all.sh)
PIDS=()       # servers we started (each is its own session/process-group leader via setsid)
stop_group() { # stop_group PID : TERM the process group, wait <= 3 s, then KILL
  local p="$1" i
  kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$p" 2>/dev/null
  wait "$p" 2>/dev/null
  local keep=() q; for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done; PIDS=("${keep[@]}")
}
cleanup() {
  local p
  for p in "${PIDS[@]}"; do stop_group "$p"; done
  PIDS=()
  rm -rf "$DST" "$WARM_DIR" "$WORK"/state-*
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_bg() { # start_bg OUTFILE ERRFILE CMD... ; new session, records PID (= PGID = SID) in BG_PID
  local o="$1" e="$2"; shift 2
  setsid "$@" >"$o" 2>"$e" </dev/null &
  BG_PID=$!; PIDS+=("$BG_PID")
}
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
wait_port() { local i; for i in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.05; done; return 1; }

# ---------------------------------------------------------------- /proc accounting (from run-all.sh own_ticks)
# session_ticks SID: utime+stime+cutime+cstime (ticks) of every process whose session is SID.
session_ticks() {
  local sid="$1" t=0 f line rest a
  for f in /proc/[0-9]*/stat; do
    read -r line <"$f" 2>/dev/null || continue
    rest=${line##*) }; read -r -a a <<<"$rest"   # a[3]=session a[11..14]=utime stime cutime cstime
    [ "${a[3]}" = "$sid" ] && t=$(( t + a[11] + a[12] + a[13] + a[14] ))
  done
  echo "$t"
}
# session_hwm SID: max VmHWM (KiB) over the processes of session SID (the JVM for Shardline).
session_hwm() {
  local sid="$1" m=0 f line rest a h
  for f in /proc/[0-9]*/stat; do
    read -r line <"$f" 2>/dev/null || continue
    rest=${line##*) }; read -r -a a <<<"$rest"
    [ "${a[3]}" = "$sid" ] || continue
    h=$(awk '/^VmHWM:/{print $2}' "${f%/stat}/status" 2>/dev/null); [ -n "$h" ] && [ "$h" -gt "$m" ] && m=$h
  done
  echo "$m"
}

# ---------------------------------------------------------------- quiet gate (from run-all.sh)
cpu_snap() { local c u n s i w q sq st; read -r c u n s i w q sq st _ </proc/stat; echo "$((u+n+s+q+sq+st)) $((u+n+s+i+w+q+sq+st))"; }
cores_used() {
  local b0 t0 b1 t1; read -r b0 t0 <<<"$1"; read -r b1 t1 <<<"$2"
  awk -v b=$((b1-b0)) -v t=$((t1-t0)) -v n="$NCPU" 'BEGIN{ if (t>0) printf "%.2f", n*b/t; else print "?" }'
}
QUIET_CORES="${QUIET_CORES:-0.25}"; QUIET_MAX_S="${QUIET_MAX_S:-10}"; QUIET_TOTAL_S="${QUIET_TOTAL_S:-90}"
QUIET_SPENT=0
quiet_gate() { # sets BG (cores busy during the 0.3 s before the run)
  local t0 a b waited=0
  t0=$(date +%s)
  while :; do
    a=$(cpu_snap); sleep 0.3; b=$(cpu_snap); BG=$(cores_used "$a" "$b")
    awk -v x="$BG" -v y="$QUIET_CORES" 'BEGIN{exit !(x<=y)}' && break
    waited=$(( $(date +%s) - t0 ))
    [ "$waited" -ge "$QUIET_MAX_S" ] && break
    [ $(( QUIET_SPENT + waited )) -ge "$QUIET_TOTAL_S" ] && break
    sleep 0.7
  done
  QUIET_SPENT=$(( QUIET_SPENT + waited ))
}
# The VM's RAM is backed lazily by the host: touch most free memory once (from run-all.sh).
warm_memory() {
  local avail_k gib
  avail_k=$(awk '/^MemAvailable:/{print $2}' /proc/meminfo)
  gib=$(( avail_k / 1048576 - 8 )); [ "$gib" -gt 14 ] && gib=14
  [ "$gib" -lt 1 ] && return 0
  log "warming $gib GiB of RAM (first-touch cost of the VM; one-off)"
  mkdir -p "$WARM_DIR"
  timeout 120 dd if=/dev/zero of="$WARM_DIR/warm" bs=1M count=$((gib * 1024)) status=none
  rm -rf "$WARM_DIR"
}

# ---------------------------------------------------------------- data
ensure_large() {
  local need=0 f
  for f in 0 1 2 3; do [ "$(stat -c %s "$SHARDS/random/rand-0$f.bin" 2>/dev/null)" = 536870912 ] || need=1; done
  if [ $need = 1 ]; then
    [ -n "$SHARED_BENCH" ] || die "GenShards.java not found (set SHARED_BENCH=<dir of shared/bench>)"
    log "generating test data in $SHARDS ($SHARED_BENCH/GenShards.java, ~20-60 s; also writes bf16/ fp32/)"
    mkdir -p "$SHARDS"
    timeout 600 java -Xmx1g "$SHARED_BENCH/GenShards.java" "$SHARDS" 512 || die "data generation failed"
  fi
  chmod a+rX "$SHARDS" "$SHARDS/random" "$SHARDS"/random/*
}
ensure_small() {
  local marker="$SMALL.ok" want="v1 files=$SMALL_FILES size=$SMALL_FSIZE key=$SMALL_KEY"
  if [ -d "$SMALL" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ] \
     && [ "$(find "$SMALL" -type f -size "${SMALL_FSIZE}c" | wc -l)" = "$SMALL_FILES" ]; then
    return 0
  fi
  log "generating the small-file set in $SMALL (10,000 x 64 KiB, AES-128-CTR of zeros, fixed key)"
  local tmp="$SMALL.tmp" i
  rm -rf "$tmp" "$SMALL" "$marker"; mkdir -p "$tmp"
  timeout 300 bash -c "head -c $SMALL_BYTES /dev/zero \
    | openssl enc -aes-128-ctr -nosalt -K $SMALL_KEY -iv $SMALL_IV \
    | split -b $SMALL_FSIZE -a 4 -d - '$tmp/x'" || die "small set generation failed"
  for i in $(seq -w 0 99); do mkdir "$tmp/d$i" && mv "$tmp"/x"$i"[0-9][0-9] "$tmp/d$i/" || die "small set: arranging d$i failed"; done
  [ "$(find "$tmp" -type f | wc -l)" = "$SMALL_FILES" ] || die "small set: wrong file count"
  mv "$tmp" "$SMALL" && echo "$want" >"$marker"
  chmod -R a+rX "$SMALL"
}
set_dir() { case "$1" in large) echo "$SHARDS/random";; small) echo "$SMALL";; esac; }
set_bytes() { case "$1" in large) echo "$LARGE_BYTES";; small) echo "$SMALL_BYTES";; esac; }
set_files() { case "$1" in large) echo 4;; small) echo "$SMALL_FILES";; esac; }
page_in() { find "$(set_dir "$1")" -type f -print0 | xargs -0 cat >/dev/null; }

# ---------------------------------------------------------------- nginx (config from run-all.sh start_nginx)
setup_tls() {
  mkdir -p "$WORK/tls"
  [ -f "$WORK/tls/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 30 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null || die "openssl req"
}
NGINX_SID=""
start_nginx() {
  local d="$WORK/nginx"; mkdir -p "$d/tmp" "$WORK/www"
  ln -sfn "$SHARDS/random" "$WORK/www/large"; ln -sfn "$SMALL" "$WORK/www/small"
  chmod a+rX "$WORK" "$WORK/www"
  cat >"$d/nginx.conf" <<EOF
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path $d/tmp/body; proxy_temp_path $d/tmp/proxy; fastcgi_temp_path $d/tmp/fcgi;
  uwsgi_temp_path $d/tmp/uwsgi; scgi_temp_path $d/tmp/scgi;
  server {
    listen 127.0.0.1:$P_HTTPS ssl; root $WORK/www;
    ssl_certificate $WORK/tls/cert.pem; ssl_certificate_key $WORK/tls/key.pem;
    ssl_protocols TLSv1.3;
  }
}
EOF
  port_busy "$P_HTTPS" && die "port $P_HTTPS busy (set P_HTTPS)"
  start_bg "$d/stdout.log" "$d/stderr.log" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;'
  NGINX_SID=$BG_PID
  wait_port "$P_HTTPS" || die "nginx did not start: $(cat "$d/error.log" "$d/stderr.log")"
  local info
  info=$(timeout 10 curl -sk -v -o /dev/null -r 0-0 "https://127.0.0.1:$P_HTTPS/large/rand-00.bin" 2>&1 \
         | grep -oE 'SSL connection using [^ ]+ / [^ ]+' | head -1)
  [ -n "$info" ] || info=$(timeout 10 curl -sk -v -o /dev/null -r 0-0 "https://127.0.0.1:$P_HTTPS/small/d00/x0000" 2>&1 \
         | grep -oE 'SSL connection using [^ ]+ / [^ ]+' | head -1)
  log "nginx $(nginx -v 2>&1 | cut -d/ -f2) on 127.0.0.1:$P_HTTPS (session $NGINX_SID); curl<->nginx: $info"
  meta "curl<->nginx TLS" "$info"
}

# URL lists / curl config (generated once; paths are fixed, $DST is re-created before each run)
make_lists() {
  local base="https://127.0.0.1:$P_HTTPS"
  : >"$WORK/aria2-large.txt"; LARGE_URLS=()
  local f
  for f in rand-00.bin rand-01.bin rand-02.bin rand-03.bin; do
    LARGE_URLS+=("$base/large/$f"); echo "$base/large/$f" >>"$WORK/aria2-large.txt"
  done
  if has small "$SETS"; then
    (cd "$SMALL" && find . -type f | sed 's|^\./||' | sort) >"$WORK/small-files.txt"
    awk -v b="$base/small" -v d="$DST" '{ printf "url = \"%s/%s\"\noutput = \"%s/%s\"\n", b, $0, d, $0 }' \
      "$WORK/small-files.txt" >"$WORK/curl-small.cfg"
    awk -v b="$base/small" -v d="$DST" '{ n = split($0, p, "/"); printf "%s/%s\n  dir=%s/%s\n  out=%s\n", b, $0, d, p[1], p[2] }' \
      "$WORK/small-files.txt" >"$WORK/aria2-small.txt"
  fi
}
# One-off check (not measured) that the small-set curl run uses one connection for its URLs.
check_curl_reuse() {
  local probe="$WORK/curl-probe" n
  rm -rf "$probe"; mkdir -p "$probe"
  head -400 "$WORK/curl-small.cfg" | sed "s|output = \"$DST/|output = \"$probe/|" >"$WORK/curl-probe.cfg"
  n=$(timeout 60 curl -s -k --fail --http1.1 --create-dirs -w '%{num_connects}\n' -K "$WORK/curl-probe.cfg" | awk '{s+=$1} END{print s+0}')
  rm -rf "$probe"
  log "curl small-set probe: 200 URLs in one process opened $n connection(s)"
  meta "curl connection reuse probe" "200 sequential URLs in one curl process -> $n TCP/TLS connection(s)"
}

ARIA_OPTS=(-q --file-allocation=none --allow-overwrite=true --auto-file-renaming=false
           --console-log-level=error --summary-interval=0 --check-certificate=false -x4 -s4)
client_cmd() { # client_cmd TOOL SET -> CMD array
  case "$1:$2" in
    curl:large)  CMD=(curl -s -k --fail --http1.1 --output-dir "$DST" --remote-name-all "${LARGE_URLS[@]}") ;;
    curl:small)  CMD=(curl -s -k --fail --http1.1 --create-dirs -K "$WORK/curl-small.cfg") ;;
    aria2c:large) CMD=(aria2c "${ARIA_OPTS[@]}" -j1 -d "$DST" -i "$WORK/aria2-large.txt") ;;
    aria2c:small) CMD=(aria2c "${ARIA_OPTS[@]}" -j4 -d "$DST" -i "$WORK/aria2-small.txt") ;;
    shardline:*) CMD=(env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" pull "shardline://127.0.0.1:$SL_PORT/" "$DST"
                      --lanes "$LANES" --trust "sha256:$SL_FP" --json)
                 # shellcheck disable=SC2206
                 [ -n "$EXTRA_PULL_ARGS" ] && CMD+=($EXTRA_PULL_ARGS) ;;
  esac
}

# ---------------------------------------------------------------- Shardline server
SL_SID="" SL_PORT="" SL_FP=""
start_shardline() { # start_shardline SET
  local set="$1" src; src=$(set_dir "$1")
  local state; state=$(mktemp -d "$WORK/state-$set.XXXXXX")
  local o="$WORK/shardline-serve-$set.out" e="$WORK/shardline-serve-$set.err" i line=""
  start_bg "$o" "$e" env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" serve --root "$src" --listen 127.0.0.1:0 --state-dir "$state"
  SL_SID=$BG_PID
  for i in $(seq 1 600); do   # <= 60 s for JVM start + index
    line=$(grep -m1 -oE 'listening on [^ ]+ fingerprint sha256:[0-9A-Fa-f]+' "$o" 2>/dev/null) && break
    kill -0 "$SL_SID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$line" ]; then
    log "Shardline server for '$set' did not report 'listening on': $(tail -c 400 "$o" "$e" 2>/dev/null | tr '\n' ' ')"
    stop_group "$SL_SID"; SL_SID=""; return 1
  fi
  local hp; hp=$(awk '{print $3}' <<<"$line"); SL_PORT=${hp##*:}; SL_FP=${line##*sha256:}; SL_STATE=$state
  case "$hp" in 127.0.0.1:*|localhost:*) ;; *) log "Shardline server listens on $hp, not 127.0.0.1"; stop_group "$SL_SID"; SL_SID=""; return 1;; esac
  log "Shardline server for '$set': session $SL_SID, 127.0.0.1:$SL_PORT, fingerprint sha256:${SL_FP:0:16}…"
  # warm-up pull (not measured): fills the server's manifest cache
  rm -rf "$DST"; mkdir -p "$DST"
  client_cmd shardline "$set"
  local t0 t1 rc
  t0=$(date +%s%N)
  timeout -k 5 "$TMO" "${CMD[@]}" >"$WORK/warmup-$set.out" 2>"$WORK/warmup-$set.err"; rc=$?
  t1=$(date +%s%N)
  rm -rf "$DST"; sync
  local s; s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}')
  if [ $rc -ne 0 ]; then
    log "Shardline warm-up pull for '$set' FAILED (rc=$rc): $(tail -c 400 "$WORK/warmup-$set.err" | tr '\n' ' ')"
    meta "shardline warm-up $set" "FAILED rc=$rc after $s s"
  else
    log "Shardline warm-up pull for '$set' done in $s s (not measured; warms the server's manifest cache)"
    meta "shardline warm-up $set" "1 pull, not measured, $s s wall"
  fi
  return 0
}

# ---------------------------------------------------------------- verification
# A top-level .shardline/ (Shardline's resume-state dir) is not compared; if it is left behind
# after a successful pull the result is "OK, left .shardline/ (N entries)".
verify_dst() { # verify_dst SET -> prints OK[...] or a reason
  local set="$1" src; src=$(set_dir "$1")
  local want; want=$(set_bytes "$set")
  local tot; tot=$(find "$DST" -path "$DST/.shardline" -prune -o -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END{printf "%.0f", s}')
  local nf; nf=$(find "$DST" -path "$DST/.shardline" -prune -o -type f -print 2>/dev/null | wc -l)
  local left=""; [ -e "$DST/.shardline" ] && left=", left .shardline/ ($(find "$DST/.shardline" -mindepth 1 | wc -l) entries)"
  [ "$tot" = "$want" ] || { echo "bytes=$tot!=$want files=$nf"; return; }
  [ "$nf" = "$(set_files "$set")" ] || { echo "files=$nf!=$(set_files "$set")"; return; }
  if [ "$VERIFY" = full ]; then
    local rc; timeout -k 5 "$TMO" diff -rq -x .shardline "$src" "$DST" >"$WORK/diff.txt" 2>&1; rc=$?
    [ $rc = 0 ] && echo "OK$left" || echo "diff rc=$rc: $(head -3 "$WORK/diff.txt" | tr '\n' ' ')"
  else
    local f a="" b=""
    a=$(cd "$src" && find . -type f | sort | head -1); b=$(cd "$src" && find . -type f | sort | tail -1)
    for f in "$a" "$b"; do cmp -s "$src/$f" "$DST/$f" || { echo "cmp differs: $f"; return; }; done
    echo "OK$left"
  fi
}

# ---------------------------------------------------------------- one measured run
# TSV columns (header written in main):
HDR="set\ttool\trun\trc\tbytes\twall_s\tMB_s\tGbit_s\tclient_user_s\tclient_sys_s\tclient_cpu_s\tserver_cpu_s\tcpu_s_per_GB\tclient_maxrss_KiB\tserver_hwm_KiB\tverify\tbg_cores\tnote\tclient_json"
rec() { local IFS=$'\t'; echo "$*" >>"$RESULTS"; }
run_one() { # run_one TOOL SET RUN
  local tool="$1" set="$2" r="$3" bytes sid note="" json=""
  bytes=$(set_bytes "$set")
  if over_budget; then log "skip $tool/$set run $r (BUDGET_S=$BUDGET_S)"; rec "$set" "$tool" "$r" skip "$bytes" "" "" "" "" "" "" "" "" "" "" "" "" "skipped: time budget" ""; return; fi
  case $tool in shardline) sid=$SL_SID;; *) sid=$NGINX_SID;; esac
  if [ -z "$sid" ]; then rec "$set" "$tool" "$r" noserver "$bytes" "" "" "" "" "" "" "" "" "" "" "" "" "server not running" ""; return; fi
  client_cmd "$tool" "$set"
  rm -rf "$DST"; mkdir -p "$DST"; sync
  quiet_gate
  local s0 s1 t0 t1 rc tf="$WORK/time.txt" out="$OUT_DIR/raw/$set-$tool-$r.out" err="$OUT_DIR/raw/$set-$tool-$r.err"
  : >"$tf"
  s0=$(session_ticks "$sid")
  t0=$(date +%s%N)
  timeout -k 5 "$TMO" /usr/bin/time -f '%e %U %S %M' -o "$tf" "${CMD[@]}" >"$out" 2>"$err"; rc=$?
  t1=$(date +%s%N)
  s1=$(session_ticks "$sid")
  local hwm; hwm=$(session_hwm "$sid")
  local e u s m; read -r e u s m < <(tail -1 "$tf" 2>/dev/null)
  [[ "$u" =~ ^[0-9.]+$ ]] || { u=""; s=""; m=""; }
  local wall mbs gbs ccpu scpu cpg
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
  ccpu=$(awk -v u="${u:-0}" -v s="${s:-0}" 'BEGIN{printf "%.2f", u+s}')
  scpu=$(awk -v a="$s0" -v b="$s1" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/hz}')
  if [ "$tool" = shardline ]; then
    json=$(grep -E '^\s*\{' "$out" | tail -1 | tr -d '\t')
    if [ -n "$json" ]; then
      local jv; jv=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get("verified"), d.get("bytes"))' "$json" 2>/dev/null)
      case "$jv" in "True $bytes") ;; *) note="json: verified/bytes = $jv";; esac
    else note="no JSON on stdout"; fi
  fi
  local ver=""
  if [ $rc -eq 0 ]; then ver=$(verify_dst "$set"); else note="rc=$rc $(tail -c 200 "$err" | tr '\t\n' '  ') $note"; ver="not checked"; fi
  if [ $rc -eq 0 ] && [[ "$ver" == OK* ]]; then
    mbs=$(awk -v w="$wall" -v n="$bytes" 'BEGIN{printf "%.1f", n/w/1e6}')
    gbs=$(awk -v w="$wall" -v n="$bytes" 'BEGIN{printf "%.3f", n/w/1e6*8/1000}')
    cpg=$(awk -v c="$ccpu" -v s="$scpu" -v n="$bytes" 'BEGIN{printf "%.3f", (c+s)/(n/1e9)}')
  else mbs=NaN; gbs=NaN; cpg=NaN; fi
  rec "$set" "$tool" "$r" "$rc" "$bytes" "$wall" "$mbs" "$gbs" "${u:-}" "${s:-}" "$ccpu" "$scpu" "$cpg" "${m:-}" "$hwm" "$ver" "$BG" "$note" "$json"
  log "$set run $r $tool: rc=$rc ${wall}s $mbs MB/s, cpu client ${ccpu}s (${u:-?}u+${s:-?}s) + server ${scpu}s = $cpg s/GB, client RSS ${m:-?} KiB, server HWM ${hwm} KiB, verify=$ver bg=$BG ${note}"
  rm -rf "$DST"
}

# ---------------------------------------------------------------- report
report() {
  python3 - "$RESULTS" "$META" "$QUIET_CORES" <<'PY'
import csv, math, statistics, sys
res, meta, quiet = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = list(csv.DictReader(open(res), delimiter="\t", quoting=csv.QUOTE_NONE))
info = [l.rstrip("\n").split("\t", 1) for l in open(meta) if "\t" in l]
def num(x):
    try:
        v = float(x); return None if math.isnan(v) else v
    except (TypeError, ValueError):
        return None
def f(v, d=0): return "-" if v is None else f"{v:,.{d}f}"
NAMES = {"large": "A: 4 × 512 MiB random (2 GiB)", "small": "B: 10,000 × 64 KiB random (625 MiB)"}
TOOLN = {"shardline": "Shardline pull", "curl": "nginx HTTPS → curl, 1 stream", "aria2c": "nginx HTTPS → aria2c -x4 -s4"}
sets = list(dict.fromkeys(r["set"] for r in rows)); tools = list(dict.fromkeys(r["tool"] for r in rows))
out = []
P = out.append
P("### Shardline vs. peers, end to end over 127.0.0.1 (page cache → ext4 page cache, no fsync)\n")
for k, v in info: P(f"- {k}: {v}")
P("")
P("| Data set | Tool | MB/s median | MB/s min–max | Gbit/s median | CPU s/GB median: total (client + server) | Client peak RSS MiB (max) | Server peak RSS MiB (so far) | Verified | Notes |")
P("|---|---|--:|--:|--:|--:|--:|--:|---|---|")
summ = {}
for s in sets:
    for t in tools:
        rs = [r for r in rows if r["set"] == s and r["tool"] == t]
        if not rs: continue
        ok = [r for r in rs if num(r["MB_s"]) is not None]
        mb = [num(r["MB_s"]) for r in ok]
        cpg = [num(r["cpu_s_per_GB"]) for r in ok]
        gb = [num(r["bytes"]) / 1e9 for r in ok]
        cc = [num(r["client_cpu_s"]) / g for r, g in zip(ok, gb) if num(r["client_cpu_s"]) is not None]
        sc = [num(r["server_cpu_s"]) / g for r, g in zip(ok, gb) if num(r["server_cpu_s"]) is not None]
        crss = [num(r["client_maxrss_KiB"]) for r in rs if num(r["client_maxrss_KiB"])]
        shwm = [num(r["server_hwm_KiB"]) for r in rs if num(r["server_hwm_KiB"])]
        med = statistics.median(mb) if mb else None
        summ[(s, t)] = (med, statistics.median(cpg) if cpg else None)
        notes = []
        bad = [r for r in rs if r not in ok]
        if bad:
            why = {}
            for r in bad:
                w = (r["note"] or r["verify"] or r["rc"]).strip()
                if "errors" in r["client_json"]:
                    try:
                        import json; w = f"rc={r['rc']}: " + "; ".join(json.loads(r["client_json"])["errors"]) or w
                    except Exception:
                        pass
                why.setdefault(w[:160], []).append(r["run"])
            notes.append("FAILED " + "; ".join(f"run {','.join(v)}: {k}" for k, v in why.items()))
        bgm = max([num(r["bg_cores"]) or 0 for r in rs] or [0])
        if bgm > quiet: notes.append(f"NOISY: other load up to {bgm:.2f} cores before a run")
        if t == "shardline":
            wu = dict(info).get(f"shardline warm-up {s}", "")
            notes.append("after 1 warm-up pull" + (" (it FAILED)" if wu.startswith("FAILED") else ""))
            import json
            er = []
            for r in ok:
                try:
                    d = json.loads(r["client_json"]); er.append(float(d["bytes"]) / float(d["seconds"]) / 1e6)
                except Exception:
                    pass
            if er: notes.append(f"engine-reported (JSON bytes/seconds, no JVM start) median {statistics.median(er):,.0f} MB/s")
        ver = f"{sum(r['verify'].startswith('OK') for r in rs)}/{len(rs)} OK"
        lefts = sorted({r['verify'][4:] for r in rs if r['verify'].startswith('OK, ')})
        if lefts: notes.append("dst: " + "; ".join(lefts))
        P(f"| {NAMES.get(s, s)} | {TOOLN.get(t, t)} | {f(med)} | "
          f"{(f(min(mb)) + '–' + f(max(mb))) if mb else '-'} | {f(med * 8 / 1000 if med else None, 2)} | "
          f"{f(statistics.median(cpg) if cpg else None, 2)} ({f(statistics.median(cc) if cc else None, 2)} + {f(statistics.median(sc) if sc else None, 2)}) | "
          f"{f(max(crss) / 1024 if crss else None)} | {f(max(shwm) / 1024 if shwm else None)} | {ver} | {'; '.join(notes)} |")
P("")
P("| Data set | Shardline MB/s | best peer | best peer MB/s | ratio Shardline / max(curl, aria2c) | CPU s/GB Shardline / that peer |")
P("|---|--:|---|--:|--:|--:|")
for s in sets:
    sl = summ.get((s, "shardline"), (None, None))
    peers = [(summ[(s, t)][0], t) for t in ("curl", "aria2c") if (s, t) in summ and summ[(s, t)][0] is not None]
    if not peers:
        P(f"| {NAMES.get(s, s)} | {f(sl[0])} | - | - | - | - |"); continue
    bm, bt = max(peers)
    bc = summ[(s, bt)][1]
    ratio = f"{sl[0] / bm:.2f}" if sl[0] else "-"
    cr = f"{sl[1] / bc:.2f}" if sl[1] and bc else "-"
    P(f"| {NAMES.get(s, s)} | {f(sl[0])} | {bt} | {f(bm)} | {ratio} | {cr} |")
P("")
P("MB = 10^6 B, GB = 10^9 B, Gbit/s = MB/s × 8 / 1000; MB/s over the client command's wall clock (Shardline: includes JVM start). "
  "CPU = client utime+stime (GNU time) + delta of utime+stime(+cutime+cstime) over all processes of the server's session (/proc/PID/stat). "
  "Client RSS = GNU time %M; server RSS = VmHWM, cumulative since the server started (nginx: largest of master/workers). "
  "Verified = destination tree identical to the source (diff -rq, or size + cmp sample with VERIFY=quick).")
print("\n".join(out))
PY
}

# ---------------------------------------------------------------- main
main() {
  check_prereqs
  mkdir -p "$WORK" "$OUT_DIR/raw"; rm -f "$OUT_DIR"/raw/*
  printf '%b\n' "$HDR" >"$RESULTS"; : >"$META"
  has large "$SETS" && ensure_large
  has small "$SETS" && ensure_small
  chmod a+rX "$SHARDS" 2>/dev/null
  [ "$WARM_MEM" = 1 ] && warm_memory
  local cpu; cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
  meta "machine" "$NCPU cores, $cpu, $(awk '/^MemTotal:/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"
  meta "settings" "RUNS=$RUNS SETS=\"$SETS\" TOOLS=\"$TOOLS\" LANES=$LANES EXTRA_PULL_ARGS=\"$EXTRA_PULL_ARGS\" VERIFY=$VERIFY; tools alternated run by run, order rotated each repetition"
  meta "destination" "$DST on $(findmnt -n -o FSTYPE -T "$(dirname "$DST")") (page cache, no fsync), emptied before each run"
  log "machine: $NCPU cores, $cpu; settings: RUNS=$RUNS SETS=\"$SETS\" TOOLS=\"$TOOLS\" LANES=$LANES"
  if has curl "$TOOLS" || has aria2c "$TOOLS"; then
    setup_tls; make_lists; start_nginx
    meta "versions" "$(nginx -v 2>&1 | cut -d' ' -f3), $(curl --version | head -1 | cut -d' ' -f1-2,5), aria2 $(aria2c --version | head -1 | awk '{print $3}')"
    has curl "$TOOLS" && has small "$SETS" && check_curl_reuse
    meta "curl" "large: curl -s -k --fail --http1.1 --output-dir \$DST --remote-name-all URL×4; small: curl -s -k --fail --http1.1 --create-dirs -K curl-small.cfg (10,000 url/output pairs, sequential, one connection)"
    meta "aria2c" "aria2c ${ARIA_OPTS[*]} -d \$DST -i LIST with -j1 (large, as run-all.sh) / -j4 (small; LIST lines: URL + '  dir=\$DST/dNN' + '  out=xNNNN')"
  fi
  if has shardline "$TOOLS"; then
    local jar="$SHARDLINE_JAR"
    meta "shardline" "$SHARDLINE pull shardline://127.0.0.1:PORT/ \$DST --lanes $LANES --trust sha256:FP --json $EXTRA_PULL_ARGS; server: serve --root <set dir> --listen 127.0.0.1:0 --state-dir <tmp>; jar $( [ -f "$jar" ] && echo "$(stat -c '%y' "$jar" | cut -d. -f1) sha256:$(sha256sum "$jar" | cut -c1-12)" || echo 'n/a'); git $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
  fi
  local set r i tools_arr n k; read -r -a tools_arr <<<"$TOOLS"
  n=${#tools_arr[@]}
  for set in $SETS; do
    log "== data set $set: $(set_dir "$set") ($(set_files "$set") files, $(set_bytes "$set") B)"
    page_in "$set"
    SL_SID=""
    if has shardline "$TOOLS"; then start_shardline "$set" || log "Shardline runs for '$set' will be recorded as failed"; fi
    for r in $(seq 1 "$RUNS"); do
      for i in $(seq 0 $((n - 1))); do
        k=$(( (i + r - 1) % n ))
        run_one "${tools_arr[$k]}" "$set" "$r"
      done
    done
    [ -n "$SL_SID" ] && { stop_group "$SL_SID"; SL_SID=""; }
    [ -n "${SL_STATE:-}" ] && rm -rf "$SL_STATE"
  done
  cleanup
  report | tee "$OUT_MD"
  log "done in $(( $(date +%s) - T_START )) s; TSV: $RESULTS; Markdown: $OUT_MD; raw client output: $OUT_DIR/raw/"
}
main "$@"
