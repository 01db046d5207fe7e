#!/usr/bin/env bash
# Capture `mlt doctor --gpu --json` on a machine with a real NVIDIA GPU, as replay fixtures for
# tests/doctor/test_real_gpu.py (tests/doctor/fixtures/real-gpu/*.json). One short run:
#
#   bash scripts/capture-real-gpu-fixtures.sh [OUT_DIR]      # default: tests/doctor/fixtures/real-gpu
#
# It writes:
#   bare.json                                   the doctor with no framework (the host's python)
#   torch-cu12.json, torch-cu13.json            healthy torch venvs, CUDA 12 and CUDA 13 builds
#   broken--no-visible-devices--torch-cu12.json CUDA_VISIBLE_DEVICES names a GPU that is not there
# A file name "broken--CODE--..." tells the replay test which single error the report must hold.
#
# The torch interpreters: $CU12_PYTHON / $CU13_PYTHON when set (an existing venv's python);
# else venvs are made with uv under $WORK (default /tmp/mlt-gpu-capture), installing torch from
# $MLT_CAPTURE_WHEELS (a folder of wheels: offline, `--find-links`) when set, else from
# download.pytorch.org (cu126 and cu130). A venv that cannot be made is skipped with a line
# saying why; the others are still captured. mlt itself: $MLT (a command), else .venv/bin/mlt,
# else `python3 -m mlt` (run `make setup` first).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/doctor/fixtures/real-gpu}
WORK=${WORK:-/tmp/mlt-gpu-capture}
TIMEOUT=${MLT_CAPTURE_TIMEOUT:-180}
mkdir -p "$OUT" "$WORK"

if [ -n "${MLT:-}" ]; then read -r -a MLT_CMD <<<"$MLT"
elif [ -x "$ROOT/.venv/bin/mlt" ]; then MLT_CMD=("$ROOT/.venv/bin/mlt")
else MLT_CMD=(python3 -m mlt)
fi

if ! [ -e /proc/driver/nvidia/version ]; then
    echo "no NVIDIA kernel driver here (/proc/driver/nvidia/version is missing): nothing to capture" >&2
    exit 2
fi
gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
echo "driver: $(head -1 /proc/driver/nvidia/version)"
echo "GPUs:   ${gpus:-?}"

venv() {  # venv NAME INDEX_TAG -> prints the python path, or nothing
    local name=$1 tag=$2 dir=$WORK/$1
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import torch" 2>/dev/null; then
        echo "$dir/bin/python"; return
    fi
    command -v uv >/dev/null || { echo "skip $name: uv is not installed" >&2; return; }
    uv venv -q "$dir" >&2 || { echo "skip $name: uv venv failed" >&2; return; }
    local source=(--index-url "https://download.pytorch.org/whl/$tag" --extra-index-url https://pypi.org/simple)
    if [ -n "${MLT_CAPTURE_WHEELS:-}" ]; then
        source=(--offline --no-index --find-links "$MLT_CAPTURE_WHEELS")
    fi
    if ! uv pip install -q --python "$dir/bin/python" "${source[@]}" torch >&2; then
        echo "skip $name: could not install torch ($tag)" >&2; return
    fi
    echo "$dir/bin/python"
}

capture() {  # capture FILE PYTHON [ENV=VALUE...]
    local file=$1 python=$2 tmp=$OUT/$1.tmp; shift 2
    env "$@" timeout "$((TIMEOUT + 30))" "${MLT_CMD[@]}" doctor --gpu --json --python "$python" \
        --timeout "$TIMEOUT" >"$tmp"
    local rc=$?
    if python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp" 2>/dev/null; then
        # a "healthy" setup that is not ok here (e.g. a driver too old for CUDA 13) is kept
        # under the name of what it shows, so the replay test expects exactly that
        local errors
        errors=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(" ".join(f["code"] for f in r["findings"] if f["severity"] == "error"))' "$tmp")
        case $file in broken--*) ;; *)
            if [ -n "$errors" ]; then
                echo "note: $file is not ok here: $errors" >&2
                [ "${errors// /}" = "$errors" ] && file="broken--$errors--$file"
            fi;;
        esac
        mv "$tmp" "$OUT/$file"
        echo "wrote $OUT/$file (exit $rc)"
    else
        rm -f "$tmp"
        echo "FAILED $file: the doctor printed no JSON (exit $rc)" >&2
    fi
}

capture bare.json "$(command -v python3)"
cu12=${CU12_PYTHON:-$(venv torch-cu12 cu126)}
cu13=${CU13_PYTHON:-$(venv torch-cu13 cu130)}
[ -n "$cu12" ] && capture torch-cu12.json "$cu12"
[ -n "$cu13" ] && capture torch-cu13.json "$cu13"
# a visible device that does not exist: index N on an N-GPU machine
broken_python=${cu12:-${cu13:-$(command -v python3)}}
capture broken--no-visible-devices--torch-cu12.json "$broken_python" "CUDA_VISIBLE_DEVICES=${gpus:-1}"
ls -l "$OUT"/*.json
