#!/usr/bin/env bash
# The copier lane: mlt's copier subset (generator/mlt/copier_subset) promises copier's output
# byte for byte, and pyproject pins copier to the releases that promise was tested against.
# This renders the parity (differential) tests with the NEWEST copier release instead, in a
# throwaway venv, so a new copier is adopted deliberately: when it passes, raise the pin's upper
# bound; when it fails, the report names the copier version and the failing cases.
# Exit status: the tests' (CI calls it allowed to fail). Usage: bash ci/copier-newest.sh
set -uo pipefail
cd "$(dirname "$0")/.."

PARITY_TESTS=(tests/scaffold/test_fastrender.py tests/scaffold/test_fastrender_git.py
  tests/scaffold/test_render.py)
work=$(mktemp -d "${TMPDIR:-/tmp}/mlt-copier-newest.XXXXXX")
trap 'rm -rf "$work"' EXIT
venv="$work/venv"
log="$work/pytest.log"

python3 -m venv "$venv" && "$venv/bin/python" -m pip install -q uv || exit 2
uv=("$venv/bin/uv" pip install -q --python "$venv/bin/python")
# The override drops the pin (mlt's own `copier>=…,<=…`) for this venv only.
echo "copier>=9.4" >"$work/override.txt"
"${uv[@]}" --override "$work/override.txt" --upgrade-package copier -e '.[test]' || exit 2

pinned=$(grep -oE '"copier[^"]*"' pyproject.toml | head -1)
newest=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("copier"))')
echo "copier lane: pyproject pins ${pinned}; testing copier ${newest} (newest release)"
start=$(date +%s)
PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "not slow" \
  "${PARITY_TESTS[@]}" >"$log" 2>&1
rc=$?
tail -n 25 "$log"
if [ "$rc" -eq 0 ]; then
  echo "copier lane: PASSED with copier ${newest} in $(( $(date +%s) - start ))s"
  case "$pinned" in
    *"<=${newest}\"") echo "copier lane: the pin already allows it" ;;
    *) echo "copier lane: raise the pin's upper bound in pyproject.toml to ${newest}" ;;
  esac
else
  echo "copier lane: FAILED with copier ${newest} (exit ${rc}); the copier subset no longer" \
    "matches this copier. Keep the pin ${pinned}; fix the subset (or let it fall back) first."
fi
exit "$rc"
