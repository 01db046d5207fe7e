#!/usr/bin/env bash
# Prepare a CI host for the fleet tests: lighttpd (Debian's package) serves
# `git http-backend` with basic auth on 127.0.0.1 (tests/support/git_server.py starts it).
# Idempotent; does not start any service.
set -euo pipefail
if command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends lighttpd >/dev/null
# Debian starts the service on install where an init system runs; the tests start their own.
$SUDO service lighttpd stop >/dev/null 2>&1 || true
