#!/usr/bin/env bash
# Load on one member of a gateway cluster: wrk against GET /api/v1/jobs/{id} on gw-a of a
# 3-member cluster (3 gateway JVMs on 127.0.0.1) while every member runs a rate-limited job, for
#   local:     a job gw-a holds (answered by gw-a itself), and
#   forwarded: a job gw-b holds (gw-a forwards each request to gw-b's API and pipes the answer back),
# alternated RUNS times. Prints each run's requests/s, p50 and p99, then the medians.
#
#   bash perf/gateway/wrk-job.sh                      # RUNS=3, wrk -t2 -c32 -d20s --latency
#   RUNS=1 DURATION=5 bash perf/gateway/wrk-job.sh
#
# Environment: RUNS (3), DURATION (s, 20), WRK_THREADS (2), WRK_CONNECTIONS (32), JOB_RATE (the
# running jobs' rate limit, "16mbit"), DATA_MIB (the file each job pulls, 512: with the rate, long enough for the whole measurement), KEEP=1 keeps the
# work folder. Needs: wrk (Debian package wrk), curl, python3, a built jar (bin/shardline builds it).
# Everything runs in its own temporary folder, binds 127.0.0.1 only, and every process it starts
# (a source node, three gateways) is stopped by PID when it exits.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
SL="$ROOT/bin/shardline"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-20}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-32}"
JOB_RATE="${JOB_RATE:-16mbit}"
DATA_MIB="${DATA_MIB:-512}"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "wrk-job.sh: needs $tool" >&2; exit 3; }
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shardline-wrk-job.XXXXXX")"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { # $1 = file, $2 = pattern, $3 = seconds
  for _ in $(seq 1 $(($3 * 5))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "wrk-job.sh: '$2' never appeared in $1:" >&2; tail -n 40 "$1" >&2; return 1
}

mkdir -p "$WORK/src"
head -c $((DATA_MIB << 20)) /dev/urandom >"$WORK/src/big.bin"

"$SL" --version >/dev/null # builds the jar once, before anything is timed
export SHARDLINE_SKIP_BUILD=1
"$SL" serve --root "$WORK/src" --listen 127.0.0.1:0 --state-dir "$WORK/node-state" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/node.log" fingerprint 60
NODE_PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/node.log" | grep -o '[0-9]*$')
FP=$(grep -o 'sha256:[0-9a-f]*' "$WORK/node.log" | head -1)

NODES=(gw-a gw-b gw-c)
CPORTS=("$(free_port)" "$(free_port)" "$(free_port)")
MEMBERS=$(printf '"127.0.0.1:%s",' "${CPORTS[@]}")
MEMBERS="[${MEMBERS%,}]"
declare -A API
for i in 0 1 2; do
  n=${NODES[$i]}
  cat >"$WORK/$n.json" <<JSON
{ "listen": "127.0.0.1:0", "dataDir": "$WORK/$n-data",
  "remotes": { "src": { "url": "shardline://127.0.0.1:$NODE_PORT", "trust": "$FP" } },
  "destinations": { "d-$n": "$WORK/$n-dest" },
  "tokens": [ { "token": "wrk-operator", "role": "operator", "name": "wrk" }, { "token": "wrk-viewer", "role": "viewer", "name": "wrk" } ],
  "cluster": { "node": "$n", "host": "127.0.0.1", "port": ${CPORTS[$i]}, "members": $MEMBERS } }
JSON
  "$SL" gateway --config "$WORK/$n.json" >"$WORK/$n.log" 2>&1 &
  PIDS+=($!)
  # one after the other: members that start at the same moment take Hazelcast's join phase (~20 s)
  wait_for "$WORK/$n.log" 'listening on http' 120
  API[$n]=$(grep -o 'http://127.0.0.1:[0-9]*/' "$WORK/$n.log" | head -1)
done
GW="${API[gw-a]}"
for _ in $(seq 1 300); do
  up=$(curl -sf -H 'Authorization: Bearer wrk-viewer' "${GW}api/v1/cluster" |
    python3 -c 'import json,sys; print(sum(m["state"] == "up" for m in json.load(sys.stdin)["members"]))' || echo 0)
  [ "$up" = 3 ] && break
  sleep 0.2
done
[ "$up" = 3 ] || { echo "wrk-job.sh: gw-a never saw 3 members up" >&2; exit 1; }

job_state() { curl -sf -H 'Authorization: Bearer wrk-viewer' "${GW}api/v1/jobs/$1" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j.get("node"))'; }
submit() { # $1 = member whose destination the job writes, $2 = folder; prints the job id (always sent to gw-a)
  curl -sf -H 'Authorization: Bearer wrk-operator' -H 'Content-Type: application/json' \
    -d "{\"source\":\"src:big.bin\",\"destination\":\"d-$1:$2\",\"lanes\":2,\"compression\":\"none\",\"rateLimit\":\"$JOB_RATE\"}" \
    "${GW}api/v1/jobs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
declare -A JOB
declare -A SERIAL
ensure_running() { # every member runs a job; a finished one is replaced
  for n in "${NODES[@]}"; do
    if [ -z "${JOB[$n]:-}" ] || [ "$(job_state "${JOB[$n]}" | cut -d' ' -f1)" != running ]; then
      SERIAL[$n]=$((${SERIAL[$n]:-0} + 1))
      JOB[$n]=$(submit "$n" "copy-${SERIAL[$n]}")
      for _ in $(seq 1 200); do [ "$(job_state "${JOB[$n]}" | cut -d' ' -f1)" = running ] && break; sleep 0.1; done
      read -r s held < <(job_state "${JOB[$n]}")
      [ "$s" = running ] && [ "$held" = "$n" ] || { echo "wrk-job.sh: job ${JOB[$n]} is $s on $held, not running on $n" >&2; exit 1; }
    fi
  done
}

# Warm-up (JIT on both paths, connections between members), not reported.
ensure_running
for n in gw-a gw-b; do
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d5s -H 'Authorization: Bearer wrk-viewer' "${GW}api/v1/jobs/${JOB[$n]}" >/dev/null
done

echo "| run | job | req/s | p50 | p99 | non-2xx | load before |"
echo "|--:|---|--:|--:|--:|--:|--:|"
for run in $(seq 1 "$RUNS"); do
  for kind in local forwarded; do
    ensure_running
    [ "$kind" = local ] && holder=gw-a || holder=gw-b
    id=${JOB[$holder]}
    load=$(cut -d' ' -f1 /proc/loadavg)
    out="$WORK/wrk-$run-$kind.txt"
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${DURATION}s" --latency -H 'Authorization: Bearer wrk-viewer' \
      "${GW}api/v1/jobs/$id" >"$out" 2>&1
    after=$(job_state "$id" | cut -d' ' -f1)
    python3 - "$run" "$kind" "$out" "$load" "$after" <<'PY' | tee -a "$WORK/rows.txt"
import re, sys
run, kind, path, load, after = sys.argv[1:]
text = open(path).read()
def ms(v):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
note = "" if after == "running" else f" (job {after} by the end)"
print(f"| {run} | {kind} | {rps:.0f} | {p50:.2f} ms | {p99:.2f} ms | {non2xx.group(1) if non2xx else 0} | {load} |"
      + (f" {errors.group(0)}" if errors else "") + note)
PY
  done
done
python3 - "$WORK/rows.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c = [x.strip() for x in line.strip().strip("|").split("|")]
    rows.setdefault(c[1], []).append((float(c[2]), float(c[3].split()[0]), float(c[4].split()[0])))
print()
print("| job | median req/s | median p50 | median p99 | runs |")
print("|---|--:|--:|--:|--:|")
for kind, r in rows.items():
    print(f"| {kind} | {statistics.median(x[0] for x in r):.0f} | {statistics.median(x[1] for x in r):.2f} ms"
          f" | {statistics.median(x[2] for x in r):.2f} ms | {len(r)} |")
PY
echo
echo "wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s --latency against ${GW}api/v1/jobs/{id} (gw-a);" \
  "3 gateways + 1 source node on 127.0.0.1, each gateway running a $JOB_RATE job; $(nproc) cores; load now: $(cut -d' ' -f1-3 /proc/loadavg)"
