#!/usr/bin/env bash
# Load on the gateway's API while it transfers: wrk against GET /api/v1/jobs/{id} while a 4-lane
# job of 2 GiB runs in the same gateway, alternated with the same job alone, RUNS times.
# Reports requests/s, p99 latency, and how much the transfer slowed (engine-reported seconds of
# the job with wrk over the job alone).
#
#   bash perf/gateway/load.sh                 # RUNS=3, 4 x 512 MiB random, wrk -t2 -c16
#   RUNS=1 WRK_CONNECTIONS=8 bash perf/gateway/load.sh
#
# Needs: wrk (Debian package wrk), python3, a built jar (bin/shardline builds it).
# Every process it starts is stopped by PID on exit. Binds 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
SL="$ROOT/bin/shardline"
WORK="${WORK:-${TMPDIR:-/tmp}/shardline-gateway-load}"
RUNS="${RUNS:-3}"
WRK_THREADS="${WRK_THREADS:-2}"
WRK_CONNECTIONS="${WRK_CONNECTIONS:-16}"
DATA="${DATA:-/tmp/shards/random}"
command -v wrk >/dev/null || { echo "load.sh: needs wrk (apt-get install wrk)" >&2; exit 3; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
mkdir -p "$WORK"

if [ ! -d "$DATA" ] || [ -z "$(ls -A "$DATA" 2>/dev/null)" ]; then
  DATA="$WORK/src"
  mkdir -p "$DATA"
  for i in 0 1 2 3; do
    [ -f "$DATA/r$i.bin" ] || head -c $((512 << 20)) /dev/urandom >"$DATA/r$i.bin"
  done
fi
BYTES=$(find "$DATA" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')

"$SL" --version >/dev/null # builds the jar once, before anything is timed
export SHARDLINE_SKIP_BUILD=1
"$SL" serve --root "$DATA" --listen 127.0.0.1:0 --state-dir "$WORK/node-state" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q fingerprint "$WORK/node.log" && break; sleep 0.2; done
PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$WORK/node.log" | grep -o '[0-9]*$')
FP=$(grep -o 'sha256:[0-9a-f]*' "$WORK/node.log" | head -1)
rm -rf "$WORK/gw-data" "$WORK/dest"
cat >"$WORK/gateway.json" <<JSON
{ "listen": "127.0.0.1:0", "dataDir": "$WORK/gw-data",
  "remotes": { "src": { "url": "shardline://127.0.0.1:$PORT", "trust": "$FP" } },
  "destinations": { "dest": "$WORK/dest" },
  "tokens": [ { "token": "load-operator", "role": "operator" }, { "token": "load-viewer", "role": "viewer" } ] }
JSON
"$SL" gateway --config "$WORK/gateway.json" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
PIDS+=($GW_PID)
for _ in $(seq 1 100); do grep -q 'listening on http' "$WORK/gateway.log" && break; sleep 0.2; done
GW=$(grep -o 'http://127.0.0.1:[0-9]*/' "$WORK/gateway.log" | head -1)
[ -n "$GW" ] || { cat "$WORK/gateway.log" >&2; exit 1; }

submit() { # $1 = destination folder; prints the job id
  curl -sf -H 'Authorization: Bearer load-operator' -H 'Content-Type: application/json' \
    -d "{\"source\":\"src:\",\"destination\":\"dest:$1\",\"lanes\":4,\"compression\":\"none\"}" "${GW}api/v1/jobs" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
wait_done() { # $1 = job id; prints the engine-reported seconds of the successful attempt
  for _ in $(seq 1 1200); do
    s=$(curl -sf -H 'Authorization: Bearer load-viewer' "${GW}api/v1/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    case "$s" in
      succeeded) curl -sf -H 'Authorization: Bearer load-viewer' "${GW}api/v1/jobs/$1/log" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][-1]["data"]["seconds"])'; return 0 ;;
      failed|cancelled) echo "job $1 $s" >&2; return 1 ;;
    esac
    sleep 0.1
  done
  return 1
}

# Warm-up (JIT, manifest cache), not reported.
id=$(submit warmup); wait_done "$id" >/dev/null; rm -rf "$WORK/dest/warmup"

echo "| run | alone: s | alone: MB/s | with wrk: s | with wrk: MB/s | slowdown | wrk req/s | p50 | p99 |"
echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
for run in $(seq 1 "$RUNS"); do
  id=$(submit "alone-$run"); alone=$(wait_done "$id"); rm -rf "$WORK/dest/alone-$run"
  id=$(submit "wrk-$run")
  for _ in $(seq 1 100); do # start the load once the job runs
    curl -sf -H 'Authorization: Bearer load-viewer' "${GW}api/v1/jobs/$id" | grep -q '"state":"running"' && break; sleep 0.05
  done
  dur=$(python3 -c "import math; print(max(2, math.ceil($alone)))")
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${dur}s" --latency -H 'Authorization: Bearer load-viewer' \
    "${GW}api/v1/jobs/$id" >"$WORK/wrk-$run.txt" 2>&1
  loaded=$(wait_done "$id"); rm -rf "$WORK/dest/wrk-$run"
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$run.txt")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk-$run.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk-$run.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk-$run.txt")
  python3 - "$run" "$alone" "$loaded" "$BYTES" "$rps" "$p50" "$p99" "${non2xx:-0}" <<'PY'
import sys
run, alone, loaded, b, rps, p50, p99, non2xx = sys.argv[1:]
alone, loaded, b = float(alone), float(loaded), int(b)
print(f"| {run} | {alone:.2f} | {b/alone/1e6:.0f} | {loaded:.2f} | {b/loaded/1e6:.0f} | {100*(loaded/alone-1):+.1f}% | {float(rps):.0f} | {p50} | {p99} |"
      + ("" if non2xx == "0" else f" non-2xx: {non2xx}"))
PY
done
# The same requests with no transfer running: what the API costs on its own.
wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d5s --latency -H 'Authorization: Bearer load-viewer' \
  "${GW}api/v1/jobs/$id" >"$WORK/wrk-idle.txt" 2>&1
echo
echo "no transfer: $(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-idle.txt") req/s, p50 $(awk '$1=="50%" {print $2}' "$WORK/wrk-idle.txt"), p99 $(awk '$1=="99%" {print $2}' "$WORK/wrk-idle.txt")"
echo "data: $BYTES bytes in $DATA; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS; gateway $GW (pid $GW_PID); $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
