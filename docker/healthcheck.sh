#!/usr/bin/env bash
# Container health check for the Shardline image (HEALTHCHECK runs it inside the container).
#
# Finds the shardline JVM (PID 1, or its child under an init such as `docker run --init`), reads its
# subcommand and `--listen HOST:PORT` from the command line, then:
#   serve    healthy when a socket listens on the port (read from /proc/net/tcp and tcp6) and
#            `shardline probe` gets a TLS handshake and an answer to its HELLO within 3 s (a frozen
#            JVM keeps its socket but answers nothing). The probe presents serve's own --token-file
#            and, when serve asks for client certificates (--client-ca), the client certificate
#            $SHARDLINE_HEALTH_CLIENT_CERT with key $SHARDLINE_HEALTH_CLIENT_KEY (default: health.pem
#            and health-key.pem beside the --client-ca file, as docker/certs.sh writes them), so a
#            healthy node logs nothing for its checks;
#   gateway  healthy when GET /health answers 200: over HTTPS when its config (--config) has a
#            "tls" key, with curl (without curl in the image: a socket listens on the port), else
#            over HTTP with bash alone;
#   other    (pull, verify, ...) healthy while it runs: it exits on its own.
# Without --listen, the address is $SHARDLINE_HEALTH_ADDR, else serve's and the gateway's defaults
# (127.0.0.1:7700 and 127.0.0.1:8080). A wildcard host (0.0.0.0, ::) is probed on loopback.
# Needs bash (/dev/tcp) and coreutils, and curl for an HTTPS gateway.
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
token_file=""
client_ca=""
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
    --token-file) token_file="${args[i + 1]:-}" ;;
    --token-file=*) token_file="${a#--token-file=}" ;;
    --client-ca) client_ca="${args[i + 1]:-}" ;;
    --client-ca=*) client_ca="${a#--client-ca=}" ;;
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

# serve: the socket first (cheap), then `shardline probe`: a TLS handshake and a HELLO answered
# within 3 s. A frozen (SIGSTOPped) or wedged JVM still has its socket, and the kernel still
# accepts connections into its backlog, but it answers no handshake: unhealthy. The probe
# authenticates like any client (serve's token, a client certificate when serve asks for one), so
# serve has nothing to refuse and nothing to log; without them a refused HELLO or handshake is still
# an answer (alive), at the price of a warning in serve's log each time. Without the launcher beside
# this script (or $SHARDLINE_LAUNCHER), the socket only.
if [ "$command" = serve ]; then
  launcher="${SHARDLINE_LAUNCHER:-$(dirname "$(readlink -f "$0")")/shardline}"
  [ -x "$launcher" ] || listening
  (listening) || exit 1
  probe=("$launcher" probe "$host:$port" --insecure --timeout 3)
  [ -n "$token_file" ] && [ -r "$token_file" ] && probe+=(--token-file "$token_file")
  if [ -n "$client_ca" ]; then
    cert="${SHARDLINE_HEALTH_CLIENT_CERT:-$(dirname "$client_ca")/health.pem}"
    key="${SHARDLINE_HEALTH_CLIENT_KEY:-$(dirname "$client_ca")/health-key.pem}"
    [ -r "$cert" ] && [ -r "$key" ] && probe+=(--client-cert "$cert" --client-key "$key")
  fi
  SHARDLINE_JAVA_OPTS="${SHARDLINE_HEALTH_JAVA_OPTS:--Xmx64m}" "${probe[@]}" >/dev/null && exit 0
  echo "serve: $host:$port accepts connections but answered no TLS handshake and HELLO within 3 s" >&2
  exit 1
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
