#!/usr/bin/env bash
# Makes the TLS certificates, tokens and gateway configuration for docker/compose.yaml.
#
# Usage: docker/certs.sh [OUT_DIR]        (default: docker/secrets beside this script)
#
# Servers: for each node (source, trainer-a, trainer-b), OUT_DIR/NODE/tls.crt and tls.key (a
# self-signed EC P-256 certificate named after the compose service; clients pin its fingerprint)
# and OUT_DIR/NODE/token (the token clients must present).
# Clients (mutual TLS): a client CA, OUT_DIR/ca/ca.pem (copied to OUT_DIR/NODE/client-ca.pem, which
# `serve --client-ca` takes) with its key OUT_DIR/ca/ca-key.pem (keep it offline in production),
# and client certificates signed by it: OUT_DIR/gateway/client.pem + client-key.pem (the gateway's,
# towards the source) and OUT_DIR/peer/client.pem + client-key.pem (for a peer pulling from a
# trainer). Made with perf/security/mtls-certs.sh.
# Health checks: OUT_DIR/NODE/probe.pem + probe-key.pem, a client certificate of the same CA for
# each node's container health check (`shardline probe` completes the mutual TLS handshake with it).
# Gateways: OUT_DIR/gateway/tls.crt and tls.key (the HTTPS certificate all gateways share, for
# DNS:gateway, gw-a, gw-b, gw-c, localhost and 127.0.0.1; API clients trust it with `curl
# --cacert`, and the cluster's members with it when they forward requests to each other);
# OUT_DIR/gateway/gw-a.json, gw-b.json, gw-c.json, the configs of the compose file's three
# clustered gateways (HTTPS; remote "source" pinned to the source's fingerprint, with its token
# file and the gateways' client certificate; destinations "trainer-a" and "trainer-b"; an operator
# and a viewer API token; a "cluster" block: the member's name and host, its service name, and the
# three members one by one), OUT_DIR/gateway/gateway.json (the same for a gateway alone, no
# cluster block) and OUT_DIR/gateway/source.token.
# OUT_DIR/operator.token, OUT_DIR/viewer.token: the API tokens, for curl. OUT_DIR/fingerprints.env:
# every node's `sha256:HEX` fingerprint, the value a client pins with `pull --trust` (it equals the
# one `serve` prints on start).
#
# Existing certificates and tokens are kept, so re-running never changes a fingerprint; remove
# OUT_DIR to start over. Keys, tokens and the config are mode 0600 and, when run as root, owned by
# uid/gid 10001, the image's user (override with SHARDLINE_UID=UID:GID). With rootless Podman run
# `podman unshare chown -R 10001:10001 OUT_DIR` afterwards instead.
# Needs openssl.
set -euo pipefail

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
MTLS_CERTS="$HERE/../perf/security/mtls-certs.sh"
OUT="${1:-$HERE/secrets}"
OWNER="${SHARDLINE_UID:-10001:10001}"
NODES=(source trainer-a trainer-b)
GATEWAYS=(gw-a gw-b gw-c)
CLUSTER_PORT=5701

command -v openssl >/dev/null || { echo "certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }
umask 077
mkdir -p "$OUT"

# token FILE: a random token, created once.
token() {
  [ -s "$1" ] || openssl rand -hex 24 >"$1"
}

# fingerprint CERT: sha256:HEX of the certificate's DER encoding.
fingerprint() {
  echo "sha256:$(openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1)"
}

# server_cert NAME [DNS_NAME...]: OUT_DIR/NAME/tls.crt and tls.key, created once, for DNS:NAME,
# the other DNS names given, localhost and 127.0.0.1.
server_cert() {
  local dir="$OUT/$1" san="DNS:$1" name
  for name in "${@:2}"; do san+=",DNS:$name"; done
  mkdir -p "$dir"
  if [ ! -s "$dir/tls.crt" ] || [ ! -s "$dir/tls.key" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/tls.key" -out "$dir/tls.crt" -days 825 -subj "/CN=$1" \
      -addext "subjectAltName=$san,DNS:localhost,IP:127.0.0.1" 2>/dev/null
    chmod 0644 "$dir/tls.crt"
  fi
}

# client_cert CN FILE KEY_FILE: a client certificate of the client CA, created once.
client_cert() {
  if [ ! -s "$2" ]; then
    bash "$MTLS_CERTS" client "$OUT/ca" "$1" 825 >/dev/null
    mv "$OUT/ca/$1.pem" "$2"
    mv "$OUT/ca/$1-key.pem" "$3"
  fi
}

for node in "${NODES[@]}"; do
  server_cert "$node"
  token "$OUT/$node/token"
done
server_cert gateway "${GATEWAYS[@]}" # the gateways' HTTPS API

# The client CA and the client certificates (mutual TLS).
[ -s "$OUT/ca/ca.pem" ] || bash "$MTLS_CERTS" ca "$OUT/ca" >/dev/null
for client in gateway peer; do
  mkdir -p "$OUT/$client"
  client_cert "$client" "$OUT/$client/client.pem" "$OUT/$client/client-key.pem"
done
for node in "${NODES[@]}"; do
  cp "$OUT/ca/ca.pem" "$OUT/$node/client-ca.pem"
  chmod 0644 "$OUT/$node/client-ca.pem"
  client_cert "$node-probe" "$OUT/$node/probe.pem" "$OUT/$node/probe-key.pem"
done

token "$OUT/operator.token"
token "$OUT/viewer.token"
mkdir -p "$OUT/gateway"
cp "$OUT/source/token" "$OUT/gateway/source.token"

{
  for node in "${NODES[@]}" gateway; do
    printf '%s_FINGERPRINT=%s\n' "$(echo "$node" | tr 'a-z-' 'A-Z_')" "$(fingerprint "$OUT/$node/tls.crt")"
  done
} >"$OUT/fingerprints.env"
chmod 0644 "$OUT/fingerprints.env"

# gateway_config [NODE]: a gateway's config on stdout; with NODE, a member of the cluster of
# GATEWAYS, reached by its service name.
gateway_config() {
  local cluster="" members="" g
  if [ $# -gt 0 ]; then
    for g in "${GATEWAYS[@]}"; do members+="${members:+, }\"$g:$CLUSTER_PORT\""; done
    cluster="
  \"cluster\": { \"node\": \"$1\", \"host\": \"$1\", \"port\": $CLUSTER_PORT, \"members\": [$members] },"
  fi
  cat <<JSON
{
  "listen": "0.0.0.0:8080",
  "dataDir": "/var/lib/shardline/gateway",
  "tls": { "cert": "/etc/shardline/tls.crt", "key": "/etc/shardline/tls.key" },$cluster
  "remotes": {
    "source": {
      "url": "shardline://source:7700",
      "trust": "$(fingerprint "$OUT/source/tls.crt")",
      "tokenFile": "/etc/shardline/source.token",
      "clientCert": "/etc/shardline/client.pem",
      "clientKey": "/etc/shardline/client-key.pem"
    }
  },
  "destinations": {
    "trainer-a": "/data/trainer-a",
    "trainer-b": "/data/trainer-b"
  },
  "tokens": [
    { "token": "$(cat "$OUT/operator.token")", "role": "operator" },
    { "token": "$(cat "$OUT/viewer.token")", "role": "viewer" }
  ]
}
JSON
}
gateway_config >"$OUT/gateway/gateway.json"
for g in "${GATEWAYS[@]}"; do
  gateway_config "$g" >"$OUT/gateway/$g.json"
done

chmod 0755 "$OUT"
for dir in "${NODES[@]}" gateway peer ca; do chmod 0750 "$OUT/$dir"; done
if [ "$(id -u)" = 0 ]; then
  chown -R "$OWNER" "$OUT"
fi
echo "certs.sh: wrote $OUT"
cat "$OUT/fingerprints.env"
