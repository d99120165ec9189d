#!/usr/bin/env bash
# The deployment check: builds the image and runs docker/compose.yaml for real with Podman.
#
#   sudo docker/test.sh          (root; Debian 12 with a Debian mirror and Maven Central reachable)
#
# 1. apt-installs what is missing: podman runc golang-github-containernetworking-plugin-dnsname (container names resolve on the compose network) debootstrap podman-compose openssl curl jq;
# 2. makes the local base images (docker/local-bases.sh: debootstrap, cached between runs);
# 3. builds docker/Dockerfile, the default multi-stage path, on those bases; checks the image runs
#    as uid 10001;
# 4. writes BF16 safetensors shards into a source directory and the secrets (docker/certs.sh);
# 5. `podman-compose up -d` (project $SHARDLINE_TEST_PROJECT, default shardline-test): source,
#    trainer-a, trainer-b and the gateways gw-a, gw-b, gw-c; checks that the source prints the
#    fingerprint certs.sh pinned and that the three gateways form one cluster;
# 6. submits one job per trainer through gw-a's HTTPS API (operator token) and times `up` to the
#    first verified shard on a trainer; waits until both jobs succeed (viewer token);
# 7. checks with `shardline verify` that each trainer's copy equals the source and the two copies
#    equal each other, and compares SHA-256 sums;
# 8. checks every node's health check and that the JVMs run as uid 10001, that a frozen gateway
#    fails its check; pulls from trainer-a over mutual TLS (its pinned fingerprint, a client
#    certificate), and checks that a wrong pin and a missing client certificate are refused;
# 9. freezes a serve node's JVM (SIGSTOP): its health check (`shardline probe`) fails within the
#    probe's timeout, and passes again after SIGCONT;
# 10. failover: submits a rate-limited job to gw-b, SIGKILLs the container of the member that runs
#    it mid-job, and checks that another member takes it over, resumes it and ends it `succeeded`
#    exactly once with a verified, identical copy (times the takeover and the completion);
# 11. tears the stack down (containers with their anonymous volumes, named volumes, network of the
#    project, the work dir), also on failure, and fails if a volume is left behind. The image and
#    the bases stay cached.
#
# Podman runs with runc and cgroupfs and with ulimits within the host's hard limits (a
# containers.conf in the work dir, through CONTAINERS_CONF): crun fails on this machine kind with
# "cgroups in hybrid mode", and Podman's default ulimits exceed the host's, which setrlimit refuses.
#
# Environment: SHARDLINE_TEST_PROJECT, SHARDLINE_TEST_IMAGE (default localhost/shardline:test),
# SHARDLINE_TEST_SHARDS (4), SHARDLINE_TEST_SHARD_MIB (64), SHARDLINE_TEST_TIMEOUT (300 s for the
# jobs), SHARDLINE_TEST_FAILOVER_RATE (16000000 B/s: the failover job's rate limit, so it runs long
# enough to be interrupted), SHARDLINE_DOCKER_CACHE (see local-bases.sh).
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PROJECT="${SHARDLINE_TEST_PROJECT:-shardline-test}"
IMAGE="${SHARDLINE_TEST_IMAGE:-localhost/shardline:test}"
SHARDS="${SHARDLINE_TEST_SHARDS:-4}"
SHARD_MIB="${SHARDLINE_TEST_SHARD_MIB:-64}"
TIMEOUT="${SHARDLINE_TEST_TIMEOUT:-300}"
FAILOVER_RATE="${SHARDLINE_TEST_FAILOVER_RATE:-16000000}"
COMPOSE_FILE="$HERE/compose.yaml"
PACKAGES=(podman runc golang-github-containernetworking-plugin-dnsname debootstrap podman-compose openssl curl jq iproute2)

log() { printf '[%s] docker/test.sh: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() {
  log "FAIL: $*"
  exit 1
}
PASSED=0
ok() { # a check that passed
  PASSED=$((PASSED + 1))
  log "ok $PASSED: $*"
}
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
# wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds (0) or SECONDS have
# passed (1); WAITED is the time it took, in seconds.
wait_until() {
  local limit="$1" start
  shift
  start="$(now_ms)"
  local deadline=$((SECONDS + limit))
  while :; do
    if "$@"; then
      WAITED="$(secs_since "$start")"
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      WAITED="$(secs_since "$start")"
      return 1
    fi
    sleep 0.2
  done
}

[ "$(id -u)" = 0 ] || fail "run as root (rootful Podman, apt-get, debootstrap)"

# ---- 1. packages -------------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/shardline-docker-test.XXXXXX")"
chmod 0755 "$WORK"

# Podman settings for this machine kind, for podman and for podman-compose's podman calls.
hard_nofile="$(ulimit -Hn)"
hard_nproc="$(ulimit -Hu)"
cap() { if [ "$1" = unlimited ] || [ "$1" -gt "$2" ]; then echo "$2"; else echo "$1"; fi; }
nofile="$(cap "$hard_nofile" 65536)"
nproc="$(cap "$hard_nproc" 16384)"
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"

GATEWAYS=(gw-a gw-b gw-c)
declare -A GW_PORT
compose() {
  SHARDLINE_IMAGE="$IMAGE" SHARDLINE_SOURCE_DIR="$WORK/shards" SHARDLINE_SECRETS="$WORK/secrets" \
    SHARDLINE_GW_A_PORT="${GW_PORT[gw-a]:-8080}" SHARDLINE_GW_B_PORT="${GW_PORT[gw-b]:-8081}" \
    SHARDLINE_GW_C_PORT="${GW_PORT[gw-c]:-8082}" \
    podman-compose -p "$PROJECT" -f "$COMPOSE_FILE" "$@"
}

container() { echo "${PROJECT}_$1_1"; }
volume() { echo "${PROJECT}_$1"; }

# Everything of the project, by its compose label and names: containers (with their anonymous
# volumes, for the image's VOLUME paths), named volumes, network.
teardown() {
  local ids
  ids="$(podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" 2>/dev/null || true)"
  [ -z "$ids" ] || podman rm -f -v -t 10 $ids >/dev/null 2>&1 || true
  ids="$(podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT" 2>/dev/null || true)"
  [ -z "$ids" ] || podman volume rm -f $ids >/dev/null 2>&1 || true
  podman network exists "${PROJECT}_default" 2>/dev/null && podman network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
}

on_exit() {
  local rc=$?
  trap - EXIT
  if [ $rc -ne 0 ]; then
    for s in source trainer-a trainer-b "${GATEWAYS[@]}"; do
      if podman container exists "$(container "$s")" 2>/dev/null; then
        log "last log lines of $(container "$s"):"
        podman logs --tail 30 "$(container "$s")" 2>&1 | sed 's/^/    /' || true
      fi
    done
    [ ! -f "$WORK/compose.log" ] || { log "podman-compose output:"; tail -n 30 "$WORK/compose.log" | sed 's/^/    /'; }
  fi
  teardown
  if [ -n "${VOLUMES_BEFORE+set}" ]; then
    local leaked
    leaked="$(comm -13 <(echo "$VOLUMES_BEFORE") <(podman volume ls -q | sort))"
    if [ -n "$leaked" ]; then
      log "FAIL: the teardown left volumes behind: $(echo $leaked)"
      [ $rc -ne 0 ] || rc=1
    fi
  fi
  rm -rf "$WORK"
  if [ $rc -eq 0 ]; then log "PASS"; else log "FAILED (exit $rc)"; fi
  echo "docker: $PASSED passed, $((rc == 0 ? 0 : 1)) failed"
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

teardown # leftovers of an interrupted earlier run
VOLUMES_BEFORE="$(podman volume ls -q | sort)" # the teardown must leave no new one

# ---- 2. base images ----------------------------------------------------------------------------
t="$(now_ms)"
PODMAN=podman "$HERE/local-bases.sh"
log "base images ready in $(secs_since "$t") s"

# ---- 3. image ----------------------------------------------------------------------------------
t="$(now_ms)"
old_image="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if ! podman build --format docker \
  --build-arg BUILD_IMAGE=localhost/shardline-base-jdk:17 \
  --build-arg RUNTIME_IMAGE=localhost/shardline-base-jre:17 \
  -t "$IMAGE" -f "$HERE/Dockerfile" "$ROOT" >"$WORK/build.log" 2>&1; then
  tail -n 40 "$WORK/build.log"
  fail "podman build"
fi
# The image this build replaced, now untagged: remove it (kept if a container still uses it).
if [ -n "$old_image" ] && [ "$old_image" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  podman rmi "$old_image" >/dev/null 2>&1 || true
fi
size_mb="$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1e6 }')"
ok "image $IMAGE built in $(secs_since "$t") s, ${size_mb} MB"
[ "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" = shardline:shardline ] || fail "image user is not shardline"
uid="$(podman run --rm --no-healthcheck --entrypoint id "$IMAGE" -u 2>/dev/null)"
[ "$uid" = 10001 ] || fail "the image runs as uid '$uid', not 10001"
podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q healthcheck || fail "the image has no HEALTHCHECK"
ok "the image runs as uid 10001 and has a HEALTHCHECK"

# ---- 4. shards and secrets ---------------------------------------------------------------------
# A safetensors file: 8-byte little-endian header length, the JSON header (padded with spaces to a
# multiple of 8), then the tensor bytes: here one BF16 tensor of random values.
make_shard() {
  local file="$1" bytes=$(($2 * 1024 * 1024)) rows=1024
  local header="{\"__metadata__\":{\"format\":\"pt\"},\"weight\":{\"dtype\":\"BF16\",\"shape\":[$rows,$((bytes / 2 / rows))],\"data_offsets\":[0,$bytes]}}"
  while [ $((${#header} % 8)) -ne 0 ]; do header+=" "; done
  local n=${#header} le="" i
  for i in 0 1 2 3 4 5 6 7; do le+="$(printf '\\x%02x' $(((n >> (8 * i)) & 255)))"; done
  { printf '%b' "$le"; printf '%s' "$header"; head -c "$bytes" /dev/urandom; } >"$file"
}
mkdir -p "$WORK/shards"
for i in $(seq 1 "$SHARDS"); do
  make_shard "$WORK/shards/$(printf 'model-%05d-of-%05d.safetensors' "$i" "$SHARDS")" "$SHARD_MIB"
done
chmod -R a+rX "$WORK/shards"
"$HERE/certs.sh" "$WORK/secrets" >/dev/null
# shellcheck disable=SC1091
. "$WORK/secrets/fingerprints.env"
log "$SHARDS shards of $SHARD_MIB MiB and the secrets are ready"

# Free loopback ports for the gateways' APIs (random, so parallel runs and other services on this
# machine do not collide; `ss` lists what is bound).
for g in "${GATEWAYS[@]}"; do
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if [ -z "$(ss -Htln "( sport = :$p )")" ] && [[ " ${GW_PORT[*]} " != *" $p "* ]]; then GW_PORT[$g]=$p; break; fi
  done
  [ -n "${GW_PORT[$g]:-}" ] || fail "no free port found"
done

# ---- 5. compose up -----------------------------------------------------------------------------
services=(source trainer-a trainer-b "${GATEWAYS[@]}")
T0="$(now_ms)"
compose up -d >"$WORK/compose.log" 2>&1 || fail "podman-compose up"
for s in "${services[@]}"; do
  [ "$(podman inspect --format '{{.State.Running}}' "$(container "$s")" 2>/dev/null)" = true ] ||
    fail "$(container "$s") is not running"
done
RUNNING_S="$(secs_since "$T0")"
ok "compose up: ${services[*]} running after $RUNNING_S s"

# Wait for the source's start line and check it names the pinned fingerprint.
source_banner() { banner="$(podman logs "$(container source)" 2>/dev/null | grep -m1 '^listening on ')"; }
wait_until 60 source_banner || fail "the source printed no 'listening on' line in 60 s"
printed="$(echo "$banner" | grep -o 'fingerprint sha256:[0-9a-f]*' | cut -d' ' -f2)"
[ "$printed" = "$SOURCE_FINGERPRINT" ] || fail "the source prints $printed, certs.sh pinned $SOURCE_FINGERPRINT"
ok "source: $banner (the pinned fingerprint)"

# ---- 6. jobs through the gateway ---------------------------------------------------------------
OPERATOR="$(cat "$WORK/secrets/operator.token")"
VIEWER="$(cat "$WORK/secrets/viewer.token")"
CACERT="$WORK/secrets/gateway/tls.crt" # the gateways' self-signed certificate: trusted as it is
DEST_DIR=step-1000 # the jobs write into this folder of each trainer's shard volume
trainers=(trainer-a trainer-b)

api_on() { # api_on GATEWAY TOKEN METHOD PATH [BODY]: sets STATUS and BODY
  local out
  out="$(curl -sS --cacert "$CACERT" --max-time 10 -X "$3" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    ${5:+--data "$5"} -w '\n%{http_code}' "https://127.0.0.1:${GW_PORT[$1]}$4")" || return 1
  STATUS="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
}
api() { api_on gw-a "$@"; } # api TOKEN METHOD PATH [BODY]: through gw-a

mountpoint_of() { podman volume inspect --format '{{.Mountpoint}}' "$(volume "$1-shards")"; }

first_shard_ms=""
wait_first_shard() { # returns once a published shard exists on either trainer
  local deadline=$((SECONDS + TIMEOUT)) t
  while [ $SECONDS -lt $deadline ]; do
    for t in "${trainers[@]}"; do
      if [ -n "$(find "$(mountpoint_of "$t")/$DEST_DIR" -maxdepth 1 -name '*.safetensors' -print -quit 2>/dev/null)" ]; then
        first_shard_ms=$(($(now_ms) - T0))
        FIRST_TRAINER="$t"
        return 0
      fi
    done
    sleep 0.1
  done
  return 1
}

ready() { [ "$(curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' "https://127.0.0.1:${GW_PORT[$1]}/ready" || true)" = 200 ]; }
wait_until 120 ready gw-a || fail "gw-a was not ready in 120 s"
READY_S="$(secs_since "$T0")"
log "gw-a ready after $READY_S s"
for g in "${GATEWAYS[@]}"; do
  if curl -s --max-time 5 -o /dev/null "http://127.0.0.1:${GW_PORT[$g]}/health"; then
    fail "$g answers plain HTTP"
  fi
done
ok "the gateways' APIs answer over HTTPS only, with the certificate certs.sh made for them"
# The cluster: every member lists the three, each up, with both trainers as destinations.
cluster_up() { # cluster_up GATEWAY N: GATEWAY sees N members up
  api_on "$1" "$VIEWER" GET /api/v1/cluster 2>/dev/null && [ "$STATUS" = 200 ] &&
    [ "$(jq '[.members[] | select(.state == "up" and (.destinations | index("trainer-b")))] | length' <<<"$BODY")" = "$2" ]
}
for g in "${GATEWAYS[@]}"; do
  wait_until 120 ready "$g" || fail "$g was not ready in 120 s"
  wait_until 60 cluster_up "$g" 3 || fail "$g does not see 3 members up: $BODY"
done
ok "gw-a, gw-b and gw-c form one cluster (each sees the 3 members up) $(secs_since "$T0") s after compose up: $(jq -c '[.members[] | {node, api}]' <<<"$BODY")"
declare -A JOB
for t in "${trainers[@]}"; do
  api "$OPERATOR" POST /api/v1/jobs \
    "{\"source\":\"source:/\",\"destination\":\"$t:$DEST_DIR\",\"lanes\":4,\"label\":\"docker-test $t\"}" ||
    fail "POST /api/v1/jobs failed"
  [ "$STATUS" = 201 ] || fail "POST /api/v1/jobs for $t answered $STATUS: $BODY"
  JOB[$t]="$(jq -r .id <<<"$BODY")"
  log "job ${JOB[$t]} submitted: source:/ -> $t:$DEST_DIR"
done
wait_first_shard || fail "no shard reached a trainer in $TIMEOUT s"
FIRST_SHARD_S="$(awk -v ms="$first_shard_ms" 'BEGIN { printf "%.1f", ms / 1000 }')"
ok "first verified shard on $FIRST_TRAINER $FIRST_SHARD_S s after compose up (containers running after $RUNNING_S s, gateway ready after $READY_S s)"
for t in "${trainers[@]}"; do
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    api "$VIEWER" GET "/api/v1/jobs/${JOB[$t]}" || fail "GET job failed"
    [ "$STATUS" = 200 ] || fail "GET /api/v1/jobs/${JOB[$t]} answered $STATUS: $BODY"
    state="$(jq -r .state <<<"$BODY")"
    case "$state" in
      succeeded) break ;;
      failed | cancelled) fail "job ${JOB[$t]} ($t) ended $state: $BODY" ;;
    esac
    [ $SECONDS -lt $deadline ] || fail "job ${JOB[$t]} ($t) still $state after $TIMEOUT s"
    sleep 0.5
  done
  ok "job ${JOB[$t]} ($t) succeeded: $(jq -c '{bytesDone, filesDone, retriedChunks, lanes}' <<<"$BODY")"
done
# A viewer may read but not submit.
api "$VIEWER" POST /api/v1/jobs "{\"source\":\"source:/\",\"destination\":\"trainer-a:x\"}" || fail "POST failed"
[ "$STATUS" = 403 ] || fail "a viewer's POST answered $STATUS, not 403"
ok "a viewer token reads jobs and cannot submit one (403)"

# ---- 7. verify ---------------------------------------------------------------------------------
for t in "${trainers[@]}"; do
  # /b is the job's folder inside the trainer's volume: mount the volume and verify the folder.
  podman run --rm --no-healthcheck -v "$WORK/shards:/a:ro" -v "$(volume "$t-shards"):/v:ro" "$IMAGE" \
    verify /a "/v/$DEST_DIR" >"$WORK/verify-$t.txt" 2>&1 ||
    { cat "$WORK/verify-$t.txt"; fail "shardline verify: $t differs from the source"; }
done
podman run --rm --no-healthcheck -v "$(volume trainer-a-shards):/a:ro" -v "$(volume trainer-b-shards):/b:ro" "$IMAGE" \
  verify "/a/$DEST_DIR" "/b/$DEST_DIR" >"$WORK/verify-ab.txt" 2>&1 ||
  { cat "$WORK/verify-ab.txt"; fail "shardline verify: trainer-a and trainer-b differ"; }
sums() { (cd "$1" && find . -maxdepth 1 -name '*.safetensors' -print0 | sort -z | xargs -0 sha256sum); }
src_sums="$(sums "$WORK/shards")"
[ "$(wc -l <<<"$src_sums")" = "$SHARDS" ] || fail "expected $SHARDS source shards"
for t in "${trainers[@]}"; do
  [ "$(sums "$(mountpoint_of "$t")/$DEST_DIR")" = "$src_sums" ] || fail "SHA-256 sums on $t differ from the source"
done
ok "both trainers hold $SHARDS byte-identical shards (shardline verify and SHA-256 agree)"

# ---- 8. health, user, TLS pinning between containers -------------------------------------------
peaks=""
for s in "${services[@]}"; do
  c="$(container "$s")"
  podman healthcheck run "$c" >/dev/null 2>&1 || fail "health check of $c fails"
  pid="$(podman inspect --format '{{.State.Pid}}' "$c")"
  owner="$(stat -c %u "/proc/$pid")"
  [ "$owner" = 10001 ] || fail "$c runs as uid $owner"
  peaks+="$s $(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status") MiB, "
done
for s in source trainer-a trainer-b; do
  ! podman logs "$(container "$s")" 2>&1 | grep -Eq 'refused (a connection|client)' ||
    fail "$(container "$s") logged a refused connection: the health check must complete the handshake"
done
ok "health checks pass on ${services[*]} (a node's is a probe over mutual TLS with its token, and leaves no trace in its log); every JVM runs as uid 10001"
log "peak RSS: ${peaks%, }"
# The gateway's check really asks it: a frozen gateway (SIGSTOP) is unhealthy, and healthy again
# once it runs (SIGCONT).
podman kill --signal STOP "$(container gw-a)" >/dev/null
if podman healthcheck run "$(container gw-a)" >/dev/null 2>&1; then
  podman kill --signal CONT "$(container gw-a)" >/dev/null
  fail "the health check passes on a frozen gateway"
fi
podman kill --signal CONT "$(container gw-a)" >/dev/null
podman healthcheck run "$(container gw-a)" >/dev/null 2>&1 || fail "gw-a stays unhealthy after SIGCONT"
ok "a gateway's health check fails while the gateway is frozen and passes once it runs again"

peer_pull() { # peer_pull FINGERPRINT [CLIENT_CERT_ARGS...]: pull trainer-a's step folder over TLS
  local pin="$1"
  shift
  podman run --rm --no-healthcheck --network "${PROJECT}_default" \
    -v "$WORK/secrets/trainer-a/token:/run/shardline/token:ro" -v "$WORK/secrets/peer:/run/peer:ro" "$IMAGE" \
    pull "shardline://trainer-a:7700/$DEST_DIR" /var/lib/shardline/peer --lanes 2 --trust "$pin" \
    --token-file /run/shardline/token "$@" --json
}
PEER_CERT=(--client-cert /run/peer/client.pem --client-key /run/peer/client-key.pem)
peer_pull "$TRAINER_A_FINGERPRINT" "${PEER_CERT[@]}" >"$WORK/peer.json" 2>"$WORK/peer.err" ||
  { cat "$WORK/peer.err"; fail "pull from trainer-a with its pinned fingerprint and a client certificate failed"; }
[ "$(jq -r .verified "$WORK/peer.json")" = true ] || fail "peer pull not verified: $(cat "$WORK/peer.json")"
ok "a peer pulls trainer-a's copy over mutual TLS (trainer-a's pinned fingerprint, the peer's client certificate)"
if peer_pull "$TRAINER_B_FINGERPRINT" "${PEER_CERT[@]}" >/dev/null 2>"$WORK/peer-wrong.err"; then
  fail "a pull pinning the wrong fingerprint succeeded"
fi
ok "a wrong pin is refused ($(grep -m1 "shardline pull" "$WORK/peer-wrong.err" | cut -c1-150))"
if peer_pull "$TRAINER_A_FINGERPRINT" >/dev/null 2>"$WORK/peer-nocert.err"; then
  fail "a pull without a client certificate succeeded"
fi
ok "a pull without a client certificate is refused ($(grep -m1 "shardline pull" "$WORK/peer-nocert.err" | cut -c1-150))"

# ---- 9. a frozen serve node is unhealthy -------------------------------------------------------
# The node's check is `shardline probe` (TLS handshake, HELLO, WELCOME within 4 s): a SIGSTOPped
# JVM still has its listening socket, the kernel still accepts, but nothing answers.
frozen="$(container trainer-b)"
t="$(now_ms)"
podman healthcheck run "$frozen" >/dev/null 2>&1 || fail "trainer-b's health check fails while it runs"
PROBE_OK_S="$(secs_since "$t")"
podman kill --signal STOP "$frozen" >/dev/null
t="$(now_ms)"
if podman healthcheck run "$frozen" >"$WORK/frozen.txt" 2>&1; then
  podman kill --signal CONT "$frozen" >/dev/null
  fail "the health check passes on a frozen serve node"
fi
FROZEN_S="$(secs_since "$t")"
podman kill --signal CONT "$frozen" >/dev/null
awk -v s="$FROZEN_S" 'BEGIN { exit !(s < 10) }' || fail "the frozen node's check took $FROZEN_S s, over the image's 10 s timeout"
ok "a frozen serve node (SIGSTOP) fails its health check in $FROZEN_S s (probe timeout 4 s + a JVM start; a live node's check takes $PROBE_OK_S s)"
healthy() { podman healthcheck run "$1" >/dev/null 2>&1; }
wait_until 30 healthy "$frozen" || fail "trainer-b stays unhealthy after SIGCONT"
ok "trainer-b is healthy again $WAITED s after SIGCONT"

# ---- 10. failover: the member that runs a job is killed, another one completes it -------------
FAILOVER_DIR=cluster-1
api_on gw-b "$OPERATOR" POST /api/v1/jobs \
  "{\"source\":\"source:/\",\"destination\":\"trainer-b:$FAILOVER_DIR\",\"lanes\":4,\"rateLimit\":$FAILOVER_RATE,\"label\":\"docker-test failover\"}" ||
  fail "POST /api/v1/jobs to gw-b failed"
[ "$STATUS" = 201 ] || fail "POST /api/v1/jobs to gw-b answered $STATUS: $BODY"
FJOB="$(jq -r .id <<<"$BODY")"
job_on() { # job_on GATEWAY: the failover job's view as GATEWAY shows it, in BODY
  api_on "$1" "$VIEWER" GET "/api/v1/jobs/$FJOB" 2>/dev/null && [ "$STATUS" = 200 ]
}
running_far() { # the job runs and has moved a quarter of it (verified chunks journalled)
  job_on gw-b && [ "$(jq -r .state <<<"$BODY")" = running ] && [ "$(jq -r .node <<<"$BODY")" != null ] &&
    [ "$(jq -r '.bytesDone // 0' <<<"$BODY")" -gt $((SHARDS * SHARD_MIB * 1024 * 1024 / 4)) ]
}
wait_until 120 running_far || fail "job $FJOB did not get a quarter done in 120 s: $BODY"
HOLDER="$(jq -r .node <<<"$BODY")"
before="$(jq -r .bytesDone <<<"$BODY")"
sleep 0.6 # the engine journals verified chunks every 0.5 s
survivor=""
for g in "${GATEWAYS[@]}"; do [ "$g" = "$HOLDER" ] || { survivor="$g"; break; }; done
podman kill --signal KILL "$(container "$HOLDER")" >/dev/null
t="$(now_ms)"
log "job $FJOB ran on $HOLDER ($before bytes done): $HOLDER SIGKILLed; watching through $survivor"
taken_over() {
  job_on "$survivor" && [ "$(jq -r .state <<<"$BODY")" = running ] &&
    [ "$(jq -r .node <<<"$BODY")" != "$HOLDER" ] && [ "$(jq -r .node <<<"$BODY")" != null ]
}
wait_until 90 taken_over || fail "no member took job $FJOB over from $HOLDER in 90 s: $BODY"
TAKER="$(jq -r .node <<<"$BODY")"
TAKEOVER_S="$(secs_since "$t")"
ended() { job_on "$survivor" && case "$(jq -r .state <<<"$BODY")" in succeeded | failed | cancelled) true ;; *) false ;; esac; }
wait_until "$TIMEOUT" ended || fail "job $FJOB did not end in $TIMEOUT s after the takeover: $BODY"
COMPLETE_S="$(secs_since "$t")"
[ "$(jq -r .state <<<"$BODY")" = succeeded ] || fail "job $FJOB ended $(jq -r .state <<<"$BODY"): $BODY"
ok "$TAKER took job $FJOB over $TAKEOVER_S s after $HOLDER was killed; it succeeded $COMPLETE_S s after the kill"
api_on "$survivor" "$VIEWER" GET "/api/v1/jobs/$FJOB/log" || fail "GET the job's log failed"
[ "$STATUS" = 200 ] || fail "GET /api/v1/jobs/$FJOB/log answered $STATUS: $BODY"
succeeded="$(jq '[.events[] | select(.type == "succeeded")] | length' <<<"$BODY")"
interrupted="$(jq -r '[.events[] | select(.type == "interrupted") | .data.reason] | first // ""' <<<"$BODY")"
final="$(jq -c '[.events[] | select(.type == "succeeded")] | last | .data' <<<"$BODY")"
[ "$succeeded" = 1 ] || fail "job $FJOB has $succeeded succeeded events: $(jq -c '[.events[].type]' <<<"$BODY")"
[[ "$interrupted" == *"$HOLDER"* ]] || fail "the log has no interrupted event naming $HOLDER: $(jq -c '[.events[].type]' <<<"$BODY")"
[ "$(jq -r .verified <<<"$final")" = true ] || fail "the final attempt is not verified: $final"
RESUMED="$(jq -r '.resumedChunks // 0' <<<"$final")"
[ "$RESUMED" -gt 0 ] || fail "the taker resumed no chunk of the killed member's: $final"
api_on "$survivor" "$VIEWER" GET "/api/v1/jobs?limit=100" || fail "GET the job list failed"
copies="$(jq '[.jobs[] | select(.label == "docker-test failover")] | length' <<<"$BODY")"
[ "$copies" = 1 ] || fail "the failover job is listed $copies times"
ok "the job succeeded exactly once (one job, one succeeded event; the log: '$interrupted'), verified, $RESUMED chunks resumed from the killed member's journal"
[ "$(sums "$(mountpoint_of trainer-b)/$FAILOVER_DIR")" = "$src_sums" ] || fail "SHA-256 sums of the failover copy differ from the source"
podman run --rm --no-healthcheck -v "$WORK/shards:/a:ro" -v "$(volume trainer-b-shards):/v:ro" "$IMAGE" \
  verify /a "/v/$FAILOVER_DIR" >"$WORK/verify-failover.txt" 2>&1 ||
  { cat "$WORK/verify-failover.txt"; fail "shardline verify: the failover copy differs from the source"; }
[ -z "$(find "$(mountpoint_of trainer-b)/$FAILOVER_DIR" -maxdepth 1 -type f ! -name '*.safetensors' -print -quit)" ] ||
  fail "the failover copy has stray files: $(ls -A "$(mountpoint_of trainer-b)/$FAILOVER_DIR")"
ok "the failover copy on trainer-b is identical to the source (shardline verify and SHA-256), no partial file beside it"

log "summary: image ${size_mb} MB; compose up -> first verified shard on a trainer: $FIRST_SHARD_S s; frozen serve check fails in $FROZEN_S s; failover: takeover $TAKEOVER_S s, completion $COMPLETE_S s after the kill, $RESUMED chunks resumed (load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)"
