#!/usr/bin/env bash
# Makes a client CA and client certificates for mutual TLS with openssl (what docs/security.md
# describes; MutualTlsCliTest runs this script, so the commands stay true).
#
#   bash perf/security/mtls-certs.sh ca DIR              # DIR/ca.pem (give to serve --client-ca)
#                                                        # and DIR/ca-key.pem (keep it offline)
#   bash perf/security/mtls-certs.sh client DIR NAME [DAYS]
#                                                        # DIR/NAME.pem and DIR/NAME-key.pem, signed
#                                                        # by DIR/ca.pem (pull --client-cert/--client-key)
#
# Keys are EC P-256, unencrypted PKCS#8 PEM, mode 600. Client certificates carry
# extendedKeyUsage=clientAuth and are valid DAYS days (default 365).
set -euo pipefail
umask 077

usage() {
  echo "usage: $0 ca DIR | $0 client DIR NAME [DAYS]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"
mkdir -p "$dir"

case "$cmd" in
  ca)
    [ ! -e "$dir/ca-key.pem" ] || { echo "$dir/ca-key.pem exists; not overwriting a CA" >&2; exit 1; }
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=shardline client CA" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    chmod 644 "$dir/ca.pem"
    echo "$dir/ca.pem"
    ;;
  client)
    [ $# -ge 3 ] || usage
    name="$3"
    days="${4:-365}"
    case "$name" in *[!A-Za-z0-9._-]*|"") echo "NAME may hold only letters, digits, '.', '_' and '-'" >&2; exit 2 ;; esac
    [ -f "$dir/ca.pem" ] && [ -f "$dir/ca-key.pem" ] || { echo "no CA in $dir: run '$0 ca $dir' first" >&2; exit 1; }
    ext="$(mktemp)"
    csr="$(mktemp)"
    trap 'rm -f "$ext" "$csr"' EXIT
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=$name" -keyout "$dir/$name-key.pem" -out "$csr" 2>/dev/null
    openssl x509 -req -in "$csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
      -days "$days" -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
    chmod 644 "$dir/$name.pem"
    echo "$dir/$name.pem $dir/$name-key.pem"
    ;;
  *)
    usage
    ;;
esac
