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
#    trainer-a, trainer-b, gateway; checks that the source prints the fingerprint certs.sh pinned;
# 6. submits one job per trainer through the gateway's HTTPS API (operator token) and times `up`
#    to the first verified shard on a trainer; waits until both jobs succeed (viewer token);
# 7. checks with `shardline verify` that each trainer's copy equals the source and the two copies
#    equal each other, and compares SHA-256 sums;
# 8. checks every node's health check and that the JVMs run as uid 10001; pulls from trainer-a over
#    mutual TLS (its pinned fingerprint, a client certificate), and checks that a wrong pin and a
#    missing client certificate are refused;
# 9. tears the stack down (containers with their anonymous volumes, named volumes, network of the
#    project, the work dir), also on failure, and fails if a volume is left behind. The image and
#    the bases stay cached.
#
# Podman runs with runc and cgroupfs and with ulimits within the host's hard limits (a
# containers.conf in the work dir, through CONTAINERS_CONF): crun fails on this machine kind with
# "cgroups in hybrid mode", and Podman's default ulimits exceed the host's, which setrlimit refuses.
#
# Environment: SHARDLINE_TEST_PROJECT, SHARDLINE_TEST_IMAGE (default localhost/shardline:test),
# SHARDLINE_TEST_SHARDS (4), SHARDLINE_TEST_SHARD_MIB (64), SHARDLINE_TEST_TIMEOUT (300 s for the
# jobs), SHARDLINE_DOCKER_CACHE (see local-bases.sh).
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PROJECT="${SHARDLINE_TEST_PROJECT:-shardline-test}"
IMAGE="${SHARDLINE_TEST_IMAGE:-localhost/shardline:test}"
SHARDS="${SHARDLINE_TEST_SHARDS:-4}"
SHARD_MIB="${SHARDLINE_TEST_SHARD_MIB:-64}"
TIMEOUT="${SHARDLINE_TEST_TIMEOUT:-300}"
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

compose() {
  SHARDLINE_IMAGE="$IMAGE" SHARDLINE_SOURCE_DIR="$WORK/shards" SHARDLINE_SECRETS="$WORK/secrets" \
    SHARDLINE_GATEWAY_PORT="${GATEWAY_PORT:-8080}" \
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
    for s in source trainer-a trainer-b gateway; do
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

# A free loopback port for the gateway's API (random, so parallel runs and other services on this
# machine do not collide; `ss` lists what is bound).
GATEWAY_PORT=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if [ -z "$(ss -Htln "( sport = :$p )")" ]; then GATEWAY_PORT=$p; break; fi
done
[ -n "$GATEWAY_PORT" ] || fail "no free port found"

# ---- 5. compose up -----------------------------------------------------------------------------
services=(source trainer-a trainer-b gateway)
T0="$(now_ms)"
compose up -d >"$WORK/compose.log" 2>&1 || fail "podman-compose up"
for s in "${services[@]}"; do
  [ "$(podman inspect --format '{{.State.Running}}' "$(container "$s")" 2>/dev/null)" = true ] ||
    fail "$(container "$s") is not running"
done
RUNNING_S="$(secs_since "$T0")"
ok "compose up: ${services[*]} running after $RUNNING_S s"

# Wait for the source's start line and check it names the pinned fingerprint.
deadline=$((SECONDS + 60))
until banner="$(podman logs "$(container source)" 2>/dev/null | grep -m1 '^listening on ')"; do
  [ $SECONDS -lt $deadline ] || fail "the source printed no 'listening on' line in 60 s"
  sleep 0.2
done
printed="$(echo "$banner" | grep -o 'fingerprint sha256:[0-9a-f]*' | cut -d' ' -f2)"
[ "$printed" = "$SOURCE_FINGERPRINT" ] || fail "the source prints $printed, certs.sh pinned $SOURCE_FINGERPRINT"
ok "source: $banner (the pinned fingerprint)"

# ---- 6. jobs through the gateway ---------------------------------------------------------------
OPERATOR="$(cat "$WORK/secrets/operator.token")"
VIEWER="$(cat "$WORK/secrets/viewer.token")"
API="https://127.0.0.1:$GATEWAY_PORT"
CACERT="$WORK/secrets/gateway/tls.crt" # the gateway's self-signed certificate: trusted as it is
DEST_DIR=step-1000 # the jobs write into this folder of each trainer's shard volume
trainers=(trainer-a trainer-b)

api() { # api TOKEN METHOD PATH [BODY]: sets STATUS and BODY
  local out
  out="$(curl -sS --cacert "$CACERT" --max-time 10 -X "$2" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    ${4:+--data "$4"} -w '\n%{http_code}' "$API$3")" || return 1
  STATUS="${out##*$'\n'}"
  BODY="${out%$'\n'*}"
}

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

deadline=$((SECONDS + 120))
until [ "$(curl -s --cacert "$CACERT" -o /dev/null -w '%{http_code}' "$API/ready" || true)" = 200 ]; do
  [ $SECONDS -lt $deadline ] || fail "the gateway was not ready in 120 s"
  sleep 0.2
done
READY_S="$(secs_since "$T0")"
log "gateway ready after $READY_S s"
if curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/health"; then
  fail "the gateway answers plain HTTP"
fi
ok "the gateway's API answers over HTTPS only, with the certificate certs.sh made for it"
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
  ! podman logs "$(container "$s")" 2>&1 | grep -q 'refused a connection' ||
    fail "$(container "$s") logged a refused connection: the health check must not connect"
done
ok "health checks pass on ${services[*]} (and leave no trace in the nodes' logs); every JVM runs as uid 10001"
log "peak RSS: ${peaks%, }"
# The gateway's check really asks it: a frozen gateway (SIGSTOP) is unhealthy, and healthy again
# once it runs (SIGCONT).
podman kill --signal STOP "$(container gateway)" >/dev/null
if podman healthcheck run "$(container gateway)" >/dev/null 2>&1; then
  podman kill --signal CONT "$(container gateway)" >/dev/null
  fail "the health check passes on a frozen gateway"
fi
podman kill --signal CONT "$(container gateway)" >/dev/null
podman healthcheck run "$(container gateway)" >/dev/null 2>&1 || fail "the gateway stays unhealthy after SIGCONT"
ok "the gateway's health check fails while the gateway is frozen and passes once it runs again"

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

log "summary: image ${size_mb} MB; compose up -> first verified shard on a trainer: $FIRST_SHARD_S s (load average $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores)"
