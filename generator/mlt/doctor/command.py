"""Trace the user's own command (`mlt doctor --gpu -- CMD ARGS...`): what did *it* load?

The command runs under the same LD_DEBUG / strace trace as the probe, in its own session.
While it runs, /proc/PID/maps of every process in its group is sampled; Python processes
also copy their maps at exit (target/exit_hook/sitecustomize.py). At the deadline the
whole group is killed; what was seen until then is kept.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from mlt.doctor import bounded, runner
from mlt.doctor.trace import lib_key

EXIT_HOOK = runner.TARGET / "exit_hook"
_PYTHON = re.compile(r"^python[0-9.]*$")
MAPS_LIMIT = 8 << 20


def python_of(argv: list[str], env: dict[str, str]) -> str | None:
    """The interpreter a `python script.py` command runs, to probe that same one."""
    if not argv or not _PYTHON.match(Path(argv[0]).name):
        return None
    return argv[0] if os.sep in argv[0] else shutil.which(argv[0], path=env.get("PATH"))


def parse_maps(text: str, pid: int | str) -> list[dict[str, Any]]:
    libs, seen = [], set()
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 6 or not parts[5].startswith("/"):
            continue
        path = parts[5].strip()
        key = lib_key(path)
        if key and path not in seen:
            seen.add(path)
            libs.append({"key": key, "path": path, "pid": int(pid)})
    return libs


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = bounded.read_text(f"/proc/{entry.name}/stat", 4096)
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid):
            pids.append(int(entry.name))
    return pids


class Sampler(threading.Thread):
    """Reads the CUDA libraries out of /proc/PID/maps of the group until told to stop."""

    def __init__(self, pgid: int):
        super().__init__(name="mlt-doctor-maps", daemon=True)
        self.pgid, self.stop, self.samples = pgid, threading.Event(), 0
        self.libs: dict[tuple[int, str], dict[str, Any]] = {}

    def run(self) -> None:
        interval = 0.02
        while not self.stop.is_set():
            for pid in _group_pids(self.pgid):
                try:
                    text = bounded.read_text(f"/proc/{pid}/maps", MAPS_LIMIT)
                except OSError:
                    continue
                for lib in parse_maps(text, pid):
                    self.libs.setdefault((lib["pid"], lib["path"]), lib)
            self.samples += 1
            self.stop.wait(interval)
            interval = min(0.2, interval * 1.5)  # dense at start-up, then cheap


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return path


def trace_command(
    argv: list[str], env: dict[str, str], trace: bool, deadline: float, tmp: Path
) -> dict[str, Any]:
    """Run argv until it exits or the deadline; what it loaded, how it ended."""
    program = shutil.which(argv[0], path=env.get("PATH")) if argv else None
    if not program:  # said here: under strace it would only be strace's exit status 1
        return {"argv": argv, "error": f"cannot start {argv[0] if argv else '(empty)'}: not found"}
    env = dict(env)
    maps_dir = tmp / "exit-maps"
    maps_dir.mkdir()
    env["MLT_DOCTOR_MAPS_DIR"] = str(maps_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXIT_HOOK), env.get("PYTHONPATH")]))
    timeout = max(0.0, deadline - time.monotonic())
    try:
        run = runner.spawn(argv, env, tmp, trace, "command")
    except OSError as exc:
        return {"argv": argv, "error": f"cannot start {argv[0]}: {exc.strerror or exc}"}
    assert run.process is not None
    sampler = Sampler(run.process.pid)
    sampler.start()
    runner.wait(run, deadline)
    sampler.stop.set()
    sampler.join(2)
    libs = dict(sampler.libs)
    for dump in sorted(maps_dir.glob("exit-*.maps")):
        pid = dump.stem.split("-", 1)[1]
        for lib in parse_maps(bounded.read_text(dump, MAPS_LIMIT), pid):
            libs.setdefault((lib["pid"], lib["path"]), lib)
    for lib in libs.values():
        lib["realpath"] = _realpath(lib["path"])
    output = bounded.read_tail(tmp / "command.out", 16 << 10)
    return {
        "argv": argv,
        "returncode": run.returncode,
        "duration_s": run.duration_s,
        "error": runner.describe_exit("command", run.returncode, timeout),
        "output_tail": output[-4000:],
        "samples": sampler.samples,
        "exit_maps": len(list(maps_dir.glob("exit-*.maps"))),
        "loaded_libs": sorted(libs.values(), key=lambda lib: (lib["key"], lib["path"], lib["pid"])),
        "trace": runner.traced_libs(run, "command"),
    }
