#!/usr/bin/env bash
# Compression measurements (issue 3), all over TLS with 4 lanes on 127.0.0.1, in one run:
#   1. wire ratio per dtype on the real BERT weights (FP32 and BF16 safetensors) for zstd and planes;
#   2. end-to-end time of the BF16 file through a 1 Gbit/s rate limit (on pull) for none, zstd,
#      planes and auto, runs alternated, median of RUNS;
#   3. unthrottled, auto vs none on incompressible data (4 x 512 MiB random), alternated.
# Usage: bash perf/bench/compression.sh            (RUNS=3; BERT=/tmp/shards/bert; SHARDS=/tmp/shards)
# Needs: a built engine (bin/shardline builds it), Maven Central for the BERT artifact, python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RUNS="${RUNS:-3}"
BERT="${BERT:-/tmp/shards/bert}"
SHARDS="${SHARDS:-/tmp/shards}"
RATE="${RATE:-1gbit}"
WORK="$(mktemp -d /tmp/shardline-compression.XXXXXX)"
SL="$ROOT/bin/shardline"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

bash "$HERE/bert/make-bert.sh" "$BERT" >&2
[ -f "$SHARDS/random/rand-00.bin" ] || timeout 600 java -Xmx1g "$ROOT/../shared/bench/GenShards.java" "$SHARDS" 512
"$SL" --version >/dev/null  # builds the jar if needed, outside any measurement

serve() { # serve DIR -> sets PORT FP
  local out="$WORK/serve-$RANDOM.out"
  setsid env SHARDLINE_SKIP_BUILD=1 "$SL" serve --root "$1" --listen 127.0.0.1:0 --state-dir "$WORK/state" >"$out" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 150); do grep -q '^listening' "$out" && break; sleep 0.1; done
  PORT=$(sed -nE 's/^listening on [^ ]+:([0-9]+) .*/\1/p' "$out"); FP=$(awk '/^listening/{print $NF}' "$out")
  [ -n "$PORT" ] || { cat "$out" >&2; exit 1; }
}
pull() { # pull PATH MODE [extra...] -> prints the JSON line
  local path="$1" mode="$2"; shift 2
  rm -rf "$WORK/dst"
  SHARDLINE_SKIP_BUILD=1 timeout 300 "$SL" pull "shardline://127.0.0.1:$PORT/$path" "$WORK/dst" --lanes 4 \
    --trust "$FP" --compression "$mode" --json "$@"
}
field() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print(d['$1'] if not isinstance(d['$1'], dict) else json.dumps(d['$1']))"; }
median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print('%.3f' % statistics.median(v), '(%.3f-%.3f)' % (min(v), max(v)))" "$@"; }

serve "$BERT"
pull bert-bf16.safetensors auto >/dev/null  # warm: manifests computed, page cache filled
pull bert-fp32.safetensors auto >/dev/null
echo "## Wire ratio on real BERT weights (TLS, 4 lanes, unthrottled)"
echo "| file | codec | ratio (raw/wire) | chunks identity/zstd/planes |"
echo "|---|---|--:|---|"
for f in bert-bf16 bert-fp32; do
  for m in zstd planes; do
    j=$(pull "$f.safetensors" "$m")
    echo "| $f | $m | $(echo "$j" | field ratio) | $(echo "$j" | field codecs) |"
  done
done

echo
echo "## BERT BF16 (220 MB) through a $RATE limit on pull, median of $RUNS (min-max), seconds"
declare -A T
for r in $(seq 1 "$RUNS"); do
  for m in none zstd planes auto; do
    j=$(pull bert-bf16.safetensors "$m" --rate-limit "$RATE")
    T[$m]="${T[$m]:-} $(echo "$j" | field seconds)"
    [ "$r" = 1 ] && eval "MIX_$m='$(echo "$j" | field codecs) ratio $(echo "$j" | field ratio)'"
  done
done
echo "| mode | seconds | speed-up vs none | codec mix, ratio (run 1) |"
echo "|---|--:|--:|---|"
nm=$(median ${T[none]} | cut -d' ' -f1)
for m in none zstd planes auto; do
  md=$(median ${T[$m]}); v=$(echo "$md" | cut -d' ' -f1)
  eval "mix=\$MIX_$m"
  echo "| $m | $md | $(python3 -c "print('%.2fx' % ($nm / $v))") | $mix |"
done

serve "$SHARDS/random"
pull "" auto >/dev/null
echo
echo "## Incompressible data (4 x 512 MiB random), unthrottled, median of $RUNS (min-max), seconds"
declare -A U
for r in $(seq 1 "$RUNS"); do
  for m in none auto; do
    j=$(pull "" "$m"); U[$m]="${U[$m]:-} $(echo "$j" | field seconds)"
  done
done
echo "| mode | seconds | vs none |"
echo "|---|--:|--:|"
un=$(median ${U[none]} | cut -d' ' -f1)
for m in none auto; do md=$(median ${U[$m]}); v=$(echo "$md" | cut -d' ' -f1); echo "| $m | $md | $(python3 -c "print('%+.1f%%' % (($v / $un - 1) * 100))") |"; done
