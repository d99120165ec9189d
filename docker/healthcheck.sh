#!/usr/bin/env bash
# Container health check for the Shardline image (HEALTHCHECK runs it inside the container).
#
# Finds the shardline JVM (PID 1, or its child under an init such as `docker run --init`), reads its
# subcommand and `--listen HOST:PORT` from the command line, then:
#   serve    healthy when `shardline probe` completes a TLS handshake and a HELLO within 4 s (a
#            frozen or wedged JVM still has a listening socket, but answers no handshake). It
#            presents what a client must: the node's token (its --token-file) and, when the node
#            requires mutual TLS (--client-ca), a client certificate of that CA:
#            $SHARDLINE_HEALTH_CLIENT_CERT and $SHARDLINE_HEALTH_CLIENT_KEY, by default probe.pem
#            and probe-key.pem beside the --client-ca file (docker/certs.sh puts them there). It
#            does not check the node's identity (--insecure): it asks its own node, on loopback.
#            One JVM start per check (~1 s of CPU; small heap, C1 only). Without a client
#            certificate for an mTLS node, or with SHARDLINE_HEALTH_PROBE=0: only that a socket
#            listens on the port (read from /proc/net/tcp and tcp6, never connecting: a refused
#            handshake would be logged by the node at every check);
#   gateway  healthy when GET /health answers 200: over HTTPS when its config (--config) has a
#            "tls" key, with curl (without curl in the image: a socket listens on the port), else
#            over HTTP with bash alone;
#   other    (pull, verify, ...) healthy while it runs: it exits on its own.
# Without --listen, the address is $SHARDLINE_HEALTH_ADDR, else serve's and the gateway's defaults
# (127.0.0.1:7700 and 127.0.0.1:8080). A wildcard host (0.0.0.0, ::) is probed on loopback.
# Needs bash (/dev/tcp) and coreutils, curl for an HTTPS gateway, and the launcher beside it (or
# $SHARDLINE_LAUNCHER; without one, serve's check is the listening socket only).
set -euo pipefail

args=()
for cmdline in /proc/1/cmdline /proc/[0-9]*/cmdline; do
  [ -r "$cmdline" ] || continue
  mapfile -d '' -t args <"$cmdline" 2>/dev/null || continue
  for a in "${args[@]}"; do
    case "$a" in */shardline.jar) break 2 ;; esac
  done
  args=()
done
[ ${#args[@]} -gt 0 ] || { echo "no shardline process" >&2; exit 1; }

command=""
listen=""
config=""
client_ca=""
token_file=""
after_jar=0
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[i]}"
  if [ "$after_jar" = 0 ]; then
    case "$a" in */shardline.jar) after_jar=1 ;; esac
    continue
  fi
  case "$a" in
    --listen) listen="${args[i + 1]:-}" ;;
    --listen=*) listen="${a#--listen=}" ;;
    --config) config="${args[i + 1]:-}" ;;
    --config=*) config="${a#--config=}" ;;
    --client-ca) client_ca="${args[i + 1]:-}" ;;
    --client-ca=*) client_ca="${a#--client-ca=}" ;;
    --token-file) token_file="${args[i + 1]:-}" ;;
    --token-file=*) token_file="${a#--token-file=}" ;;
    -*) ;;
    *) [ -n "$command" ] || command="$a" ;;
  esac
done

case "$command" in
  serve) default=127.0.0.1:7700 ;;
  gateway) default=127.0.0.1:8080 ;;
  *) exit 0 ;;
esac
listen="${listen:-${SHARDLINE_HEALTH_ADDR:-$default}}"
port="${listen##*:}"
host="${listen%:*}"
host="${host#[}"
host="${host%]}"
case "$host" in "" | 0.0.0.0 | "::" | "*") host=127.0.0.1 ;; esac

# listening: a socket in state LISTEN (0A) on the port, any address, IPv4 or IPv6.
listening() {
  local hex
  hex="$(printf '%04X' "$port")"
  awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null ||
    { echo "$command: no socket listens on port $port" >&2; exit 1; }
  exit 0
}

# probe: TLS handshake, HELLO and the node's WELCOME (with its token) or answer (without one).
probe() {
  local opts=(--insecure --timeout 4)
  [ -z "$token_file" ] || opts+=(--token-file "$token_file")
  if [ -n "$client_ca" ]; then
    local dir cert key
    dir="$(dirname "$client_ca")"
    cert="${SHARDLINE_HEALTH_CLIENT_CERT:-$dir/probe.pem}"
    key="${SHARDLINE_HEALTH_CLIENT_KEY:-$dir/probe-key.pem}"
    if [ ! -r "$cert" ] || [ ! -r "$key" ]; then
      echo "serve: mutual TLS and no client certificate for the probe ($cert): only the socket is checked" >&2
      listening
    fi
    opts+=(--client-cert "$cert" --client-key "$key")
  fi
  # A small, short-lived JVM: the node's own heap settings are not for the probe (later flags win).
  local launcher="${SHARDLINE_LAUNCHER:-$(dirname "$(readlink -f "$0")")/shardline}"
  [ -x "$launcher" ] || { echo "serve: no launcher at $launcher: only the socket is checked" >&2; listening; }
  SHARDLINE_JAVA_OPTS="${SHARDLINE_JAVA_OPTS:-} -Xms16m -Xmx64m -XX:MaxDirectMemorySize=32m -XX:TieredStopAtLevel=1" \
    exec "$launcher" probe "$host:$port" "${opts[@]}"
}

if [ "$command" = serve ]; then
  [ "${SHARDLINE_HEALTH_PROBE:-1}" = 0 ] && listening
  probe
fi

# The gateway serves HTTPS when its config has a "tls" object (JSON) or a tls: key (YAML).
if [ -n "$config" ] && [ -r "$config" ] && grep -Eq '"tls"[[:space:]]*:|^tls:' "$config"; then
  command -v curl >/dev/null || listening
  case "$host" in *:*) url_host="[$host]" ;; *) url_host="$host" ;; esac
  # -k: liveness, not identity (the certificate names the service, not 127.0.0.1 necessarily).
  curl -fsSk --max-time 4 -o /dev/null "https://$url_host:$port/health" && exit 0
  echo "gateway: GET https://$url_host:$port/health failed" >&2
  exit 1
fi

status="$(timeout 4 bash -c '
  exec 3<>"/dev/tcp/$1/$2"
  printf "GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$1" >&3
  IFS= read -r line <&3
  printf "%s" "$line"' _ "$host" "$port" 2>/dev/null)" || true
case "$status" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) echo "gateway: GET http://$host:$port/health answered '${status%$'\r'}'" >&2; exit 1 ;;
esac
