#!/usr/bin/env bash
# Makes the two base images the Dockerfile needs from Debian packages, for machines that reach a
# Debian mirror but no image registry:
#   localhost/shardline-base-jdk:17  (BUILD_IMAGE)   openjdk-17-jdk-headless, curl, ca-certificates,
#                                                    and this machine's CA trust store (for Maven)
#   localhost/shardline-base-jre:17  (RUNTIME_IMAGE) openjdk-17-jre-headless, curl (as in the
#                                                    eclipse-temurin images; the health check of
#                                                    an HTTPS gateway uses it)
# Each is a `debootstrap --variant=minbase` root file system, pruned (apt caches and lists, docs,
# man pages, locales) and imported with `podman import`. The pruned tarballs are cached in
# $SHARDLINE_DOCKER_CACHE (default /var/cache/shardline-docker), so a later run, or a run after
# `podman system reset`, only re-imports them; an image already in podman's store is kept.
#
# Usage: docker/local-bases.sh            (needs root, debootstrap and podman)
# Environment:
#   SHARDLINE_DOCKER_CACHE   cache directory for the tarballs
#   SHARDLINE_DEBIAN_MIRROR  Debian mirror (default: the first one apt uses for this release)
#   SHARDLINE_DEBIAN_SUITE   Debian release (default: this machine's, e.g. bookworm)
#   PODMAN                   the podman command (default: podman)
set -euo pipefail

CACHE="${SHARDLINE_DOCKER_CACHE:-/var/cache/shardline-docker}"
PODMAN="${PODMAN:-podman}"
SUITE="${SHARDLINE_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}"

# The first non-security Debian mirror in apt's sources (deb822 .sources files or one-line lists).
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '
      /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (uri != "" && ok) print uri }' "$f" | head -n 1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' "$f"
  done
}

MIRROR="${SHARDLINE_DEBIAN_MIRROR:-$(debian_mirror | head -n 1)}"

# The build base downloads from Maven Central, so it trusts what this machine trusts: where egress
# goes through a TLS-intercepting proxy, its CA is in the host's store and nowhere else.
trust_host_cas() {
  local rootfs="$1"
  if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  fi
  if [ -s /etc/ssl/certs/java/cacerts ]; then
    mkdir -p "$rootfs/etc/ssl/certs/java"
    cp /etc/ssl/certs/java/cacerts "$rootfs/etc/ssl/certs/java/cacerts"
  fi
}

# make_base NAME PACKAGES: ensures localhost/shardline-base-NAME:17 exists.
# The image carries its package list as a label and the tarball's name a checksum of it, so a
# change of packages makes a new base rather than reusing a stale one.
make_base() {
  local name="$1" packages="$2" image="localhost/shardline-base-$1:17"
  local tarball="$CACHE/base-$1-$SUITE-$(printf '%s' "$2" | cksum | cut -d' ' -f1).tar"
  if [ "$("$PODMAN" image inspect --format '{{index .Labels "io.shardline.base.packages"}}' "$image" 2>/dev/null)" = "$SUITE:$packages" ]; then
    echo "local-bases: $image already present"
    return
  fi
  if [ ! -s "$tarball" ]; then
    [ -n "$MIRROR" ] || { echo "local-bases: no Debian mirror found; set SHARDLINE_DEBIAN_MIRROR" >&2; exit 1; }
    mkdir -p "$CACHE"
    local rootfs
    rootfs="$(mktemp -d "$CACHE/rootfs-$name.XXXXXX")"
    echo "local-bases: debootstrap $SUITE ($packages) from $MIRROR"
    # Twice: a mirror hiccup should not fail the run.
    if ! debootstrap --variant=minbase --include="$packages" "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 &&
      ! { echo "local-bases: debootstrap failed, retrying once"; rm -rf "$rootfs" && mkdir -p "$rootfs" &&
        debootstrap --variant=minbase --include="$packages" "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1; }; then
      echo "local-bases: debootstrap failed; last lines of $rootfs.log:" >&2
      tail -n 20 "$rootfs.log" >&2
      rm -rf "$rootfs"
      exit 1
    fi
    if [ "$name" = jdk ]; then
      trust_host_cas "$rootfs"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    find "$CACHE" -maxdepth 1 -name "base-$name-$SUITE-*.tar" ! -name "${tarball##*/}" -delete # stale package lists
    rm -rf "$rootfs" "$rootfs.log"
  fi
  echo "local-bases: importing $image"
  "$PODMAN" import -q --change 'CMD ["/bin/bash"]' --change "LABEL io.shardline.base.packages=$SUITE:$packages" \
    "$tarball" "$image" >/dev/null
}

make_base jdk openjdk-17-jdk-headless,curl,ca-certificates
make_base jre openjdk-17-jre-headless,curl,ca-certificates
