#!/usr/bin/env bash
# delta-bench.sh [RATE] — what a delta pull puts on the wire (issue 13), counted on a real link.
#
# Two network namespaces joined by a veth pair (tc tbf RATE on both ends, default 1gbit); `serve`
# in one, `pull` in the other. The versions come from the real BERT-base FP32 weights
# (perf/bench/bert/make-bert.sh, then perf/bench/delta/MakeVersions.java): v1 under BERT's 204
# tensors, and v2 with 5% of the tensors updated in place, 5% of the bytes updated, one byte
# changed, or the header grown by 100 bytes. Each case pulls v2 into a destination that holds
# v1, counts the bytes both veth ends sent (their /sys/class/net/DEV/statistics/tx_bytes), checks
# the result byte for byte against v2, and prints one line; then a plain pull (no older version)
# for the same-run comparison. Root only (namespaces); stops what it starts by PID.
#
# Environment: SHARDLINE  the launcher (default: bin/shardline of this checkout)
#              WORK       scratch folder (default: /tmp/shardline-delta-bench), BERT in $WORK/bert
#              RUNS       runs per case (default 3; medians of the seconds, wire bytes of the last)
set -euo pipefail
RATE="${1:-1gbit}"
HERE="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
SHARDLINE="${SHARDLINE:-$ROOT/bin/shardline}"
WORK="${WORK:-/tmp/shardline-delta-bench}"
RUNS="${RUNS:-3}"
S=sldelta-s C=sldelta-c
[ "$(id -u)" = 0 ] || { echo "delta-bench: needs root (network namespaces)" >&2; exit 2; }

mkdir -p "$WORK"
bash "$ROOT/perf/bench/bert/make-bert.sh" "$WORK/bert" >&2
[ -f "$WORK/versions/v2-header/model.safetensors" ] ||
  java -Xmx3g "$HERE/MakeVersions.java" "$WORK/bert/bert-fp32.safetensors" "$WORK/versions" >&2

cleanup() {
  [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
  ip netns del $S 2>/dev/null || true
  ip netns del $C 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $S
ip netns add $C
ip link add sld0 netns $S type veth peer name sld1 netns $C
ip -n $S addr add 10.204.0.1/30 dev sld0
ip -n $C addr add 10.204.0.2/30 dev sld1
for ns in $S $C; do ip -n $ns link set lo up; done
ip -n $S link set sld0 up
ip -n $C link set sld1 up
ip netns exec $S tc qdisc add dev sld0 root tbf rate "$RATE" burst 256kb limit 1024kb
ip netns exec $C tc qdisc add dev sld1 root tbf rate "$RATE" burst 256kb limit 1024kb

ip netns exec $S env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" serve --root "$WORK/versions" --listen 10.204.0.1:7733 \
  --state-dir "$WORK/state" >"$WORK/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 300); do grep -q fingerprint "$WORK/serve.log" 2>/dev/null && break; sleep 0.1; done
FP="$(sed -n 's/.*fingerprint \(sha256:[0-9a-f]*\).*/\1/p' "$WORK/serve.log" | head -n 1)"
[ -n "$FP" ] || { cat "$WORK/serve.log" >&2; exit 1; }

tx() { cat "/sys/class/net/$2/statistics/tx_bytes" 2>/dev/null || ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_bytes"; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
SIZE="$(stat -c %s "$WORK/versions/v1/model.safetensors")"
printf '%-12s %12s %12s %9s %10s %10s %8s %8s %7s\n' case file-bytes wire-bytes wire/file fetched reused patched seconds wall
for case in v2-tensors v2-bytes5 v2-byte v2-header plain; do
  secs=() walls=()
  for run in $(seq "$RUNS"); do
    D="$WORK/dest"
    rm -rf "$D"; mkdir -p "$D"
    [ "$case" = plain ] || cp "$WORK/versions/v1/model.safetensors" "$D/model.safetensors"
    src="$case"; [ "$case" = plain ] && src=v2-tensors
    sync
    a0=$(ip netns exec $S cat /sys/class/net/sld0/statistics/tx_bytes)
    b0=$(ip netns exec $C cat /sys/class/net/sld1/statistics/tx_bytes)
    t0=$(date +%s.%N)
    json="$(ip netns exec $C env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" pull "shardline://10.204.0.1:7733/$src/model.safetensors" \
      "$D" --trust "$FP" --json)"
    t1=$(date +%s.%N)
    a1=$(ip netns exec $S cat /sys/class/net/sld0/statistics/tx_bytes)
    b1=$(ip netns exec $C cat /sys/class/net/sld1/statistics/tx_bytes)
    cmp -s "$D/model.safetensors" "$WORK/versions/$src/model.safetensors" || { echo "delta-bench: $case: result differs from the source" >&2; exit 1; }
    wire=$(( (a1 - a0) + (b1 - b0) ))
    secs+=("$(echo "$json" | field seconds)")
    walls+=("$(echo "$t1 - $t0" | bc)")
  done
  med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
  printf '%-12s %12d %12d %8.4f%% %10s %10s %8s %8s %7.2f\n' "$case" "$SIZE" "$wire" \
    "$(echo "100 * $wire / $SIZE" | bc -l)" "$(echo "$json" | field bytes)" "$(echo "$json" | field reusedBytes)" \
    "$(echo "$json" | field patchedChunks)" "$(med "${secs[@]}")" "$(med "${walls[@]}")"
done
