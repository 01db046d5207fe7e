#!/usr/bin/env bash
# Prepare a CI host for mlt's docker-marked tests. Idempotent; safe to run on every job.
#
#   1. install the Docker engine (Debian docker.io) and debootstrap when missing;
#   2. start dockerd when no engine answers, and wait until it does;
#   3. create the local parent image (Docker Hub is unreachable in CI): a debootstrap'd
#      Debian bookworm minbase rootfs, imported as $MLT_PARENT_IMAGE. The rootfs tarball is
#      cached under $MLT_CI_CACHE so later runs skip debootstrap.
#
# Env: MLT_PARENT_IMAGE (default mlt-local/bookworm:minbase), MLT_CI_CACHE (default
# ~/.cache/mlt-ci), DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Tests then build with `--parent $MLT_PARENT_IMAGE`, e.g.
#   MLT_REQUIRE_DOCKER=1 pytest -m docker tests/images
set -euo pipefail

PARENT="${MLT_PARENT_IMAGE:-mlt-local/bookworm:minbase}"
CACHE="${MLT_CI_CACHE:-${HOME:-/root}/.cache/mlt-ci}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"

log() { printf '[ci-docker-setup %(%H:%M:%S)T] %s\n' -1 "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  $SUDO sh -c 'nohup dockerd >/tmp/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/dockerd.log"; exit 1; }
fi
log "docker engine $(docker version --format '{{.Server.Version}}')"

if docker image inspect "$PARENT" >/dev/null 2>&1; then
  log "parent image $PARENT already present"
  exit 0
fi

mkdir -p "$CACHE"
if [ ! -s "$ROOTFS_TAR" ]; then
  rootfs="$(mktemp -d)"
  log "debootstrap bookworm minbase from $MIRROR"
  $SUDO debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE/debootstrap.log"; exit 1; }
  # Like the official slim images: no apt lists or package caches in the parent.
  $SUDO rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  $SUDO tar -C "$rootfs" -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  $SUDO rm -rf "$rootfs"
else
  log "using cached rootfs $ROOTFS_TAR"
fi
log "importing $PARENT"
docker import --change 'CMD ["bash"]' "$ROOTFS_TAR" "$PARENT" >/dev/null
log "parent image $PARENT ready ($(docker image inspect -f '{{.Size}}' "$PARENT") bytes)"
