#!/usr/bin/env bash
# push-bench.sh [RATE] — what a delta push puts on the wire (issue 13, item 3), counted on a real link.
#
# As delta-bench.sh, in the other direction: `serve --accept-push` in one network namespace, its
# folder ckpt/ holding v1 of the real BERT-base FP32 weights; `push` of a v2 (5% of the tensors
# updated in place, 5% of the bytes, one byte, the header grown by 100 bytes) from the other, over
# a veth pair shaped with tc tbf RATE on both ends (default 1gbit). Counts the bytes each veth end
# sent (/sys/class/net/DEV/statistics/tx_bytes): "from-client" is the pusher's end, the issue's
# measure. Checks the pushed file byte for byte; then a plain push into an empty folder for the
# same-run comparison. Root only (namespaces); stops what it starts by PID.
#
# Environment: SHARDLINE, WORK, RUNS as for delta-bench.sh (the same versions are reused).
set -euo pipefail
RATE="${1:-1gbit}"
HERE="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
SHARDLINE="${SHARDLINE:-$ROOT/bin/shardline}"
WORK="${WORK:-/tmp/shardline-delta-bench}"
RUNS="${RUNS:-3}"
S=slpush-s C=slpush-c
[ "$(id -u)" = 0 ] || { echo "push-bench: needs root (network namespaces)" >&2; exit 2; }

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
ip link add slp0 netns $S type veth peer name slp1 netns $C
ip -n $S addr add 10.205.0.1/30 dev slp0
ip -n $C addr add 10.205.0.2/30 dev slp1
for ns in $S $C; do ip -n $ns link set lo up; done
ip -n $S link set slp0 up
ip -n $C link set slp1 up
ip netns exec $S tc qdisc add dev slp0 root tbf rate "$RATE" burst 256kb limit 1024kb
ip netns exec $C tc qdisc add dev slp1 root tbf rate "$RATE" burst 256kb limit 1024kb

SERVED="$WORK/served"
rm -rf "$SERVED"; mkdir -p "$SERVED"
echo "push-secret-$$" >"$WORK/push.token"
ip netns exec $S env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" serve --root "$SERVED" --listen 10.205.0.1:7734 \
  --state-dir "$WORK/push-state" --accept-push --push-token-file "$WORK/push.token" >"$WORK/push-serve.log" 2>&1 &
SPID=$!
for _ in $(seq 300); do grep -q fingerprint "$WORK/push-serve.log" 2>/dev/null && break; sleep 0.1; done
FP="$(sed -n 's/.*fingerprint \(sha256:[0-9a-f]*\).*/\1/p' "$WORK/push-serve.log" | head -n 1)"
[ -n "$FP" ] || { cat "$WORK/push-serve.log" >&2; exit 1; }

field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
SIZE="$(stat -c %s "$WORK/versions/v1/model.safetensors")"
printf '%-12s %12s %12s %12s %11s %10s %10s %8s %8s %7s\n' case file-bytes from-client to-client client/file \
  fetched reused patched seconds wall
for case in v2-tensors v2-bytes5 v2-byte v2-header plain; do
  secs=() walls=()
  for run in $(seq "$RUNS"); do
    D="$SERVED/ckpt"
    rm -rf "$D"; mkdir -p "$D"
    [ "$case" = plain ] || cp "$WORK/versions/v1/model.safetensors" "$D/model.safetensors"
    src="$case"; [ "$case" = plain ] && src=v2-tensors
    sync
    a0=$(ip netns exec $S cat /sys/class/net/slp0/statistics/tx_bytes)
    b0=$(ip netns exec $C cat /sys/class/net/slp1/statistics/tx_bytes)
    t0=$(date +%s.%N)
    json="$(ip netns exec $C env SHARDLINE_SKIP_BUILD=1 "$SHARDLINE" push "$WORK/versions/$src/model.safetensors" \
      "shardline://10.205.0.1:7734/ckpt" --token-file "$WORK/push.token" --trust "$FP" --json)"
    t1=$(date +%s.%N)
    a1=$(ip netns exec $S cat /sys/class/net/slp0/statistics/tx_bytes)
    b1=$(ip netns exec $C cat /sys/class/net/slp1/statistics/tx_bytes)
    cmp -s "$D/model.safetensors" "$WORK/versions/$src/model.safetensors" || { echo "push-bench: $case: result differs from the source" >&2; exit 1; }
    up=$(( b1 - b0 )) down=$(( a1 - a0 ))
    secs+=("$(echo "$json" | field pushSeconds)")
    walls+=("$(echo "$t1 - $t0" | bc)")
  done
  med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
  printf '%-12s %12d %12d %12d %10.4f%% %10s %10s %8s %8s %7.2f\n' "$case" "$SIZE" "$up" "$down" \
    "$(echo "100 * $up / $SIZE" | bc -l)" "$(echo "$json" | field bytes)" "$(echo "$json" | field reusedBytes)" \
    "$(echo "$json" | field patchedChunks)" "$(med "${secs[@]}")" "$(med "${walls[@]}")"
done
