"""Parsers for LD_DEBUG=libs, strace -e openat and /proc/self/maps data.

Fixtures were captured on this dev machine (python3.11, glibc, strace 6.1) with a stub
libcudart in /opt/stubs (paths rewritten); the inline samples are from the GPU diagnostics
reference (section 4).
"""

from __future__ import annotations

from pathlib import Path

from mlt.doctor.trace import duplicates, lib_key, merge, parse_ld_debug, parse_strace

FIXTURES = Path(__file__).parent / "fixtures"

REFERENCE_NOT_FOUND = """\
14541: find library=libcudart.so.12 [0]; searching
14541:  search path=<pyenv>/lib  (RUNPATH from file <pyenv>/bin/python3.11)
14541:   trying file=<pyenv>/lib/libcudart.so.12
14541:  search cache=/etc/ld.so.cache
14541:   trying file=/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v4/libcudart.so.12
14541:   trying file=/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libcudart.so.12
"""
REFERENCE_FOUND = """\
1504: find library=libcudart.so.12 [0]; searching
1504:   trying file=<venv>/lib/python3.11/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12
1504: calling init: <venv>/lib/python3.11/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12
"""


def test_lib_key_groups_cuda_libraries_and_ignores_others():
    assert lib_key("/x/libcudart.so.12") == "libcudart"
    assert lib_key("/x/libcudart-9335f6a2.so.12") == "libcudart"  # old torch vendored copy
    assert lib_key("libcuda.so.1") == "libcuda"
    assert lib_key("/x/libcudnn_ops.so.9") == "libcudnn_ops"
    assert lib_key("/x/libnvidia-ml.so.550.54.15") == "libnvidia-ml"
    assert lib_key("/usr/lib/libcurl.so.4") is None
    assert lib_key("/usr/lib/libc.so.6") is None
    assert lib_key("/x/libcudart.a") is None


def test_ld_debug_captured_not_found():
    libs = parse_ld_debug((FIXTURES / "ld-debug-not-found.txt").read_text())
    entry = libs["libcudart"]
    assert entry["requested"] == ["libcudart.so.12"]
    assert entry["loaded"] == []
    assert entry["not_found"] == ["libcudart.so.12"]
    assert "/usr/lib/libcudart.so.12" in entry["tried"]
    assert any("ld.so.cache" in s for s in entry["search"])
    assert set(libs) == {"libcudart"}  # python's own libraries are not CUDA


def test_ld_debug_captured_found_uses_calling_init():
    libs = parse_ld_debug((FIXTURES / "ld-debug-found.txt").read_text())
    assert libs["libcudart"]["loaded"] == ["/opt/stubs/libcudart.so.12"]
    assert libs["libcudart"]["not_found"] == []
    assert libs["libcudart"]["tried"] == ["/opt/stubs/libcudart.so.12"]
    assert any("LD_LIBRARY_PATH" in s for s in libs["libcudart"]["search"])
    assert libs["libcuda"]["loaded"] == ["/opt/stubs/libcuda.so.1"]


def test_ld_debug_reference_samples():
    missing = parse_ld_debug(REFERENCE_NOT_FOUND)["libcudart"]
    assert missing["not_found"] == ["libcudart.so.12"]
    assert missing["tried"][0] == "<pyenv>/lib/libcudart.so.12"
    found = parse_ld_debug(REFERENCE_FOUND)["libcudart"]
    assert found["loaded"] == [
        "<venv>/lib/python3.11/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12"
    ]


def test_ld_debug_keeps_processes_apart():
    text = (
        "10: find library=libcudnn.so.9 [0]; searching\n"
        "20: find library=libc.so.6 [0]; searching\n"
        "10:   trying file=/a/libcudnn.so.9\n"
        "20:   trying file=/lib/libc.so.6\n"
    )
    assert parse_ld_debug(text)["libcudnn"]["tried"] == ["/a/libcudnn.so.9"]


def test_strace_captured_outputs():
    missing = parse_strace((FIXTURES / "strace-not-found.txt").read_text())["libcudart"]
    assert missing["opened"] == []
    assert "/usr/lib/libcudart.so.12 (ENOENT)" in missing["failed"]
    found = parse_strace((FIXTURES / "strace-found.txt").read_text())["libcudart"]
    assert found["opened"] == ["/opt/stubs/libcudart.so.12"]


def test_strace_reference_lines_and_unfinished_calls():
    text = (
        'openat(AT_FDCWD, "/usr/lib/tls/libcudart.so.12", O_RDONLY|O_CLOEXEC) = -1 ENOENT '
        "(No such file or directory)\n"
        '[pid  77] openat(AT_FDCWD, "/v/nvidia/cudnn/lib/libcudnn.so.9", O_RDONLY|O_CLOEXEC '
        "<unfinished ...>\n"
        '[pid  78] openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 5\n'
        "[pid  77] <... openat resumed>) = 4\n"
    )
    libs = parse_strace(text)
    assert libs["libcudart"]["failed"] == ["/usr/lib/tls/libcudart.so.12 (ENOENT)"]
    assert libs["libcudnn"]["opened"] == ["/v/nvidia/cudnn/lib/libcudnn.so.9"]


def test_merge_adds_strace_view():
    merged = merge(parse_ld_debug(REFERENCE_FOUND), {"libcudart": {"opened": ["/x"], "failed": []}})
    assert merged["libcudart"]["opened"] == ["/x"]
    assert merged["libcudart"]["loaded"]


def test_duplicates_by_realpath():
    loaded = [
        {"key": "libcudart", "path": "/a/libcudart.so.12", "realpath": "/a/libcudart.so.12.8.90"},
        {"key": "libcudart", "path": "/b/libcudart.so.12", "realpath": "/b/libcudart.so.12.4.127"},
        {"key": "libcuda", "path": "/lib/libcuda.so.1", "realpath": "/lib/libcuda.so.550.54.15"},
        {"key": "libcuda", "path": "/lib/libcuda.so", "realpath": "/lib/libcuda.so.550.54.15"},
    ]
    assert duplicates(loaded) == {
        "libcudart": ["/a/libcudart.so.12.8.90", "/b/libcudart.so.12.4.127"]
    }


def test_duplicates_are_per_process_for_a_traced_command():
    one = {"key": "libcudart", "path": "/a/libcudart.so.12", "realpath": "/a/libcudart.so.12"}
    two = {"key": "libcudart", "path": "/b/libcudart.so.12", "realpath": "/b/libcudart.so.12"}
    assert duplicates([dict(one, pid=1), dict(two, pid=2)]) == {}  # two workers, one copy each
    assert duplicates([dict(one, pid=1), dict(two, pid=1)]) == {
        "libcudart": ["/a/libcudart.so.12", "/b/libcudart.so.12"]
    }
    assert duplicates([one, two]) == {"libcudart": ["/a/libcudart.so.12", "/b/libcudart.so.12"]}
