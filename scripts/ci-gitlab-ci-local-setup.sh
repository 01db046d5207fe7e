#!/usr/bin/env bash
# Tools for tests/delivery/test_gitlab_ci_local.py: gitlab-ci-local (npm) runs a generated
# .gitlab-ci.yml with its shell executor; it copies the checkout with rsync.
set -euo pipefail
# 4.71+ needs Node 22 (Set.prototype.union); Debian 12 ships Node 20.
VERSION=4.70.1
if ! command -v rsync >/dev/null; then
    apt-get update -qq && apt-get install -y -qq rsync >/dev/null
fi
if [ "$(gitlab-ci-local --version 2>/dev/null | tail -1)" != "$VERSION" ]; then
    npm install -g --silent --no-audit --no-fund "gitlab-ci-local@$VERSION"
fi
echo "ci: gitlab-ci-local $(gitlab-ci-local --version | tail -1), $(rsync --version | head -1)"
