"""Parse what the dynamic loader did: LD_DEBUG=libs logs, strace openat logs, /proc maps.

All functions are pure (text in, plain dicts out), so captured real output can be replayed
in tests. Library names are grouped by key, the file name before ".so" ('libcudart'), with
the hash that old torch wheels add to vendored copies removed ('libcudart-9335f6a2').
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

CUDA_LIB = re.compile(
    r"^lib(cuda|cudart|cublas\w*|cudnn\w*|cufft\w*|curand|cusolver\w*|cusparse\w*|cupti|"
    r"cufile\w*|nccl|nvidia-ml|nvJitLink|nvrtc\w*|nvToolsExt|nvjpeg)$"
)
_HASHED = re.compile(r"-[0-9a-f]{8}$")

# LD_DEBUG=libs lines look like "     14541:\tfind library=libcudart.so.12 [0]; searching".
_LD_LINE = re.compile(r"^\s*(\d+):\s?(.*)$")
_LD_FIND = re.compile(r"find library=(\S+) \[\d+\]; searching")
_LD_SEARCH = re.compile(r"search path=(\S*)\s+\((.+)\)")
_LD_CACHE = re.compile(r"search cache=(\S+)")
_LD_TRY = re.compile(r"trying file=(\S+)")
_LD_INIT = re.compile(r"calling init: (\S+)")

# strace: 'PID openat(AT_FDCWD, "/x/libcudart.so.12", O_RDONLY|O_CLOEXEC) = 3' (or = -1 ENOENT
# (...)); with -f a call can be split into '<unfinished ...>' and '<... openat resumed>'.
_ST_PID = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(.*)$")
_ST_OPEN = re.compile(r'openat\((?:AT_FDCWD|\d+), "((?:[^"\\]|\\.)*)"')
_ST_RESULT = re.compile(r"\)\s+=\s+(-?\d+)(?:\s+(\w+))?")


def lib_key(path: str) -> str | None:
    """'/x/libcudart-9335f6a2.so.12.1' -> 'libcudart'; None for a non-CUDA library."""
    base = path.rsplit("/", 1)[-1]
    if ".so" not in base:
        return None
    name = _HASHED.sub("", base.split(".so", 1)[0])
    return name if CUDA_LIB.match(name) else None


def _new_entry() -> dict[str, Any]:
    return {"requested": [], "tried": [], "search": [], "loaded": [], "not_found": []}


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def parse_ld_debug(text: str) -> dict[str, dict[str, Any]]:
    """Per CUDA library: sonames requested, search paths and files tried, files loaded.

    `loaded` comes from 'calling init:' (the reliable marker: the object was mapped and its
    constructors ran); a requested soname with no loaded file of the same name is `not_found`.
    """
    libs: dict[str, dict[str, Any]] = defaultdict(_new_entry)
    current: dict[str, str | None] = {}  # pid -> soname being searched
    for raw in text.splitlines():
        match = _LD_LINE.match(raw)
        if not match:
            continue
        pid, line = match.groups()
        if found := _LD_FIND.search(line):
            soname = found.group(1)
            key = lib_key(soname)
            current[pid] = soname if key else None
            if key:
                _add(libs[key]["requested"], soname)
            continue
        if found := _LD_INIT.search(line):
            path = found.group(1)
            key = lib_key(path)
            if key:
                _add(libs[key]["loaded"], path)
            current[pid] = None
            continue
        soname = current.get(pid)
        if not soname:
            continue
        entry = libs[lib_key(soname) or ""]
        if found := _LD_TRY.search(line):
            _add(entry["tried"], found.group(1))
        elif found := _LD_SEARCH.search(line):
            _add(entry["search"], f"{found.group(1)} ({found.group(2)})")
        elif found := _LD_CACHE.search(line):
            _add(entry["search"], f"{found.group(1)} (ld.so.cache)")
    for entry in libs.values():
        names = {p.rsplit("/", 1)[-1] for p in entry["loaded"]}
        entry["not_found"] = [s for s in entry["requested"] if s not in names]
    return dict(libs)


def parse_strace(text: str) -> dict[str, dict[str, Any]]:
    """Per CUDA library: files opened successfully and failed attempts (path + errno)."""
    libs: dict[str, dict[str, Any]] = defaultdict(lambda: {"opened": [], "failed": []})
    pending: dict[str, str] = {}  # pid -> path of an unfinished openat
    for raw in text.splitlines():
        match = _ST_PID.match(raw)
        pid, line = match.groups() if match else ("0", raw)
        path = None
        if found := _ST_OPEN.search(line):
            path = found.group(1)
            if "<unfinished" in line:
                pending[pid] = path
                continue
        elif "openat resumed>" in line:
            path = pending.pop(pid, None)
        if not path or not (key := lib_key(path)):
            continue
        result = _ST_RESULT.search(line)
        if not result:
            continue
        if int(result.group(1)) >= 0:
            _add(libs[key]["opened"], path)
        else:
            _add(libs[key]["failed"], f"{path} ({result.group(2) or 'error'})")
    return dict(libs)


def merge(ld_debug: dict[str, dict[str, Any]], strace: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One view per library: the LD_DEBUG story, with strace's opens where it saw some."""
    out: dict[str, Any] = {}
    for key in sorted(set(ld_debug) | set(strace)):
        entry = dict(ld_debug.get(key) or _new_entry())
        if key in strace:
            entry["opened"] = strace[key]["opened"]
            entry["failed_opens"] = strace[key]["failed"]
        out[key] = entry
    return out


def duplicates(loaded: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Library keys mapped from more than one real file in one process.

    ({'libcudart': [path1, path2]}). Entries from a traced command carry the pid that mapped
    them: two worker processes using two copies are not a duplicate, one process using both is.
    """
    by_key: dict[tuple[str, Any], list[str]] = defaultdict(list)
    for lib in loaded:
        real = lib.get("realpath") or lib.get("path", "")
        key = lib.get("key") or lib_key(real)
        if key and real not in by_key[key, lib.get("pid")]:
            by_key[key, lib.get("pid")].append(real)
    out: dict[str, list[str]] = {}
    for (key, _pid), paths in by_key.items():
        if len(paths) > 1:
            out.setdefault(key, [])
            out[key] += [p for p in paths if p not in out[key]]
    return out
