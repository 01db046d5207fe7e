#!/usr/bin/env bash
# Generate one project of each type into ./demo/ (gitignored) with `mlt new ... --defaults`,
# then run every child's own `make install test`: each child makes its own .venv from its uv.lock.
#
#   scripts/demo.sh                 # uses .venv/bin/python (the mlt dev env) when present
#   PYTHON=python3 scripts/demo.sh  # any interpreter that can `import mlt`
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO="$ROOT/demo"
MLT_PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
# uv (used by the children's Makefiles) is installed next to mlt in the dev env.
if [ -x .venv/bin/uv ]; then PATH="$ROOT/.venv/bin:$PATH"; fi
command -v uv >/dev/null || { echo "error: uv is needed (pip install uv)" >&2; exit 1; }

TYPES=(batch-job service library)
mkdir -p "$DEMO"
for type in "${TYPES[@]}"; do
    rm -rf "${DEMO:?}/demo-$type"   # only what this script made before
done

start=$(date +%s)
for type in "${TYPES[@]}"; do
    echo "==> mlt new $type demo-$type"
    "$MLT_PYTHON" -m mlt new "$type" "demo-$type" -o "$DEMO" --defaults --no-git
done

for type in "${TYPES[@]}"; do
    echo "==> make install test (demo-$type)"
    make -C "$DEMO/demo-$type" install test
done
echo "==> all demo projects installed and tested in $(( $(date +%s) - start ))s"

# The rest of the paved road, on the same machine: a git-tracked child that knows its template,
# the curated image catalog checked against the compatibility data, and the GPU doctor.
rm -rf "${DEMO:?}/demo-tracked"
echo "==> mlt new service demo-tracked (git history + mlt/template branch), then mlt check"
"$MLT_PYTHON" -m mlt new service demo-tracked -o "$DEMO" --defaults >/dev/null
"$MLT_PYTHON" -m mlt check "$DEMO/demo-tracked"
echo "==> mlt images check"
"$MLT_PYTHON" -m mlt images check
echo "==> mlt doctor (no GPU is fine here: findings are informational without --gpu)"
"$MLT_PYTHON" -m mlt doctor --no-trace || true
