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
# trainer), and OUT_DIR/NODE/health.pem + health-key.pem (the node's health check, which presents
# it: docker/healthcheck.sh). Made with perf/security/mtls-certs.sh.
# Gateway: OUT_DIR/gateway/tls.crt and tls.key (its HTTPS certificate, for DNS:gateway, localhost
# and 127.0.0.1; API clients trust it with `curl --cacert`), OUT_DIR/gateway/gateway.json (HTTPS;
# remote "source" pinned to the source's fingerprint, with its token file and the gateway's client
# certificate; destinations "trainer-a" and "trainer-b"; an operator and a viewer API token) and
# OUT_DIR/gateway/source.token.
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

# server_cert NAME: OUT_DIR/NAME/tls.crt and tls.key, created once.
server_cert() {
  local dir="$OUT/$1"
  mkdir -p "$dir"
  if [ ! -s "$dir/tls.crt" ] || [ ! -s "$dir/tls.key" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/tls.key" -out "$dir/tls.crt" -days 825 -subj "/CN=$1" \
      -addext "subjectAltName=DNS:$1,DNS:localhost,IP:127.0.0.1" 2>/dev/null
    chmod 0644 "$dir/tls.crt"
  fi
}

for node in "${NODES[@]}"; do
  server_cert "$node"
  token "$OUT/$node/token"
done
server_cert gateway # its HTTPS API

# The client CA and the client certificates (mutual TLS).
[ -s "$OUT/ca/ca.pem" ] || bash "$MTLS_CERTS" ca "$OUT/ca" >/dev/null
for client in gateway peer; do
  mkdir -p "$OUT/$client"
  if [ ! -s "$OUT/$client/client.pem" ]; then
    bash "$MTLS_CERTS" client "$OUT/ca" "$client" 825 >/dev/null
    mv "$OUT/ca/$client.pem" "$OUT/$client/client.pem"
    mv "$OUT/ca/$client-key.pem" "$OUT/$client/client-key.pem"
  fi
done
for node in "${NODES[@]}"; do
  cp "$OUT/ca/ca.pem" "$OUT/$node/client-ca.pem"
  chmod 0644 "$OUT/$node/client-ca.pem"
  # The node's health check authenticates like any client (docker/healthcheck.sh), with a client
  # certificate of its own beside client-ca.pem.
  if [ ! -s "$OUT/$node/health.pem" ]; then
    bash "$MTLS_CERTS" client "$OUT/ca" "health-$node" 825 >/dev/null
    mv "$OUT/ca/health-$node.pem" "$OUT/$node/health.pem"
    mv "$OUT/ca/health-$node-key.pem" "$OUT/$node/health-key.pem"
  fi
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

cat >"$OUT/gateway/gateway.json" <<JSON
{
  "listen": "0.0.0.0:8080",
  "dataDir": "/var/lib/shardline/gateway",
  "tls": { "cert": "/etc/shardline/tls.crt", "key": "/etc/shardline/tls.key" },
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

chmod 0755 "$OUT"
for dir in "${NODES[@]}" gateway peer ca; do chmod 0750 "$OUT/$dir"; done
if [ "$(id -u)" = 0 ]; then
  chown -R "$OWNER" "$OUT"
fi
echo "certs.sh: wrote $OUT"
cat "$OUT/fingerprints.env"
