"""Collect every fact (host, probe, NVML) and evaluate the rules: the doctor's one entry point."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt import compat
from mlt.doctor import bounded, nvml, prestart, rules, runner
from mlt.doctor import command as commandlib
from mlt.doctor import facts as hostfacts
from mlt.errors import MltError, UsageError

SCHEMA = "mlt.doctor/1"
PROBE_SECTIONS = (
    "python",
    "nvml",
    "cuda_driver",
    "devices",
    "wheels",
    "frameworks",
    "speculative",
    "loaded_libs",
    "cuda_runtime",
    "trace",
    "probe",
)


@dataclass
class Options:
    gpu: bool = False  # the user expects a GPU: a missing one is an error
    trace: bool = True
    root: Path = Path("/")
    python: str | None = None
    timeout: float = 60.0
    env: dict[str, str] | None = None  # default: os.environ
    command: list[str] = field(default_factory=list)  # `-- CMD ARGS`: trace this instead


def _interpreter(opts: Options, env: dict[str, str], deadline: float):
    explicit = opts.python or commandlib.python_of(opts.command, env)
    try:
        return runner.resolve_interpreter(
            explicit, env, max(1.0, deadline - time.monotonic())
        ), None
    except UsageError as exc:
        if opts.python:  # the user named it: bad input, not a finding
            raise
        return None, exc.message


def _start_probe(
    interpreter: runner.Interpreter | None,
    opts: Options,
    env: dict[str, str],
    deadline: float,
    load: list[str] | None = None,
) -> tuple[runner.ProbeRun | None, str | None]:
    if interpreter is None:
        return None, None
    # the imports share what is left of --timeout, less a reserve for the probe's last stage
    budget = prestart.budget(deadline)
    env = dict(env, MLT_PROBE_ROOT=str(opts.root))  # device nodes are opened under --root
    try:
        return runner.start(interpreter, env, opts.trace, load=load, budget=budget), None
    except OSError as exc:
        return None, f"cannot start {interpreter.path}: {exc}"


# what a traced command mapped that the probe loads again, to ask each copy its version
_VERSIONED = ("libcudart", "libcudnn", "libnccl")


def _load_order(traced: dict[str, Any]) -> list[str]:
    """The runtime files a traced command mapped, in the order it loaded them (LD_DEBUG's
    'calling init' order, where it saw them), so the probe asks the first copy first."""
    mapped = [
        lib["realpath"] for lib in traced.get("loaded_libs") or [] if lib["key"] in _VERSIONED
    ]
    libs = (traced.get("trace") or {}).get("libs") or {}
    inits = [os.path.realpath(p) for key in _VERSIONED for p in libs.get(key, {}).get("loaded", [])]
    return list(dict.fromkeys([p for p in inits if p in mapped] + mapped))


def _importing(run: runner.ProbeRun, deadline: float) -> bool:
    """Wait until the probe ends (False) or starts importing a framework (True): only then
    is there time to load what judging needs while it runs."""
    assert run.traced.process is not None
    progress = Path(run.tmp.name) / "probe.json"  # rewritten after each stage
    while time.monotonic() < deadline:
        try:
            run.traced.process.wait(timeout=0.05)
            return False
        except subprocess.TimeoutExpired:
            pass
        try:
            if b'"stage": "framework:' in bounded.read_bytes(progress, 64 << 20):
                return True
        except OSError:
            continue
    return False


def _warm() -> None:
    """Load the compatibility data (ruamel and compat.yaml: ~0.1-0.3 s) in the background."""
    try:
        compat.load()
    except MltError:
        pass  # the rule that needs it reports it


def collect_facts(opts: Options) -> dict[str, Any]:
    """All facts; never raises except for bad user input (UsageError)."""
    env = dict(os.environ) if opts.env is None else dict(opts.env)
    if not opts.root.is_dir():
        raise UsageError(f"--root {opts.root} is not a directory")
    deadline = time.monotonic() + opts.timeout
    interpreter, error = _interpreter(opts, env, deadline)
    facts: dict[str, Any] = {
        "options": {"gpu": opts.gpu, "root": str(opts.root), "trace": opts.trace}
    }
    traced = early = None
    if opts.command:
        facts["host"] = hostfacts.host_facts(opts.root, env)
        # the probe after the command needs a moment for the driver facts
        reserve = min(5.0, max(1.0, opts.timeout * 0.25))
        with tempfile.TemporaryDirectory(prefix="mlt-doctor-") as tmp:
            traced = commandlib.trace_command(
                opts.command, env, opts.trace, deadline - reserve, Path(tmp)
            )
        load = _load_order(traced)
        run, start_error = _start_probe(interpreter, opts, env, deadline, load)
    else:
        early = prestart.take(opts.python, opts.trace, opts.root, opts.timeout)
        if early and opts.env is None:  # started while the CLI loaded: same options, same env
            run, start_error, deadline = early.run, None, early.deadline
        else:
            run, start_error = _start_probe(interpreter, opts, env, deadline)
        facts["host"] = hostfacts.host_facts(opts.root, env)  # read while the probe runs
    error = error or start_error
    warm = None
    if run and _importing(run, deadline):  # load what judging needs while the framework loads
        warm = threading.Thread(target=_warm, name="mlt-doctor-warm", daemon=True)
        warm.start()
    result = runner.finish(run, deadline, opts.timeout) if run else {"probe": {"error": error}}
    if warm:
        warm.join()
    for key in PROBE_SECTIONS:
        facts[key] = result.get(key)
    if facts["probe"] is not None:
        facts["probe"]["started_early"] = bool(early)
    facts["probe_errors"] = result.get("errors") or {}
    if traced is not None:
        facts["loaded_libs"] = traced.pop("loaded_libs", [])
        facts["trace"] = traced.pop("trace", None)
        facts["command"] = traced
    if not facts["nvml"]:  # the probe died before NVML: ask from this process instead
        facts["nvml"] = nvml.collect()
    for gpu in rules.gpus(facts):
        gpu["brand_name"] = nvml.brand_name(gpu.get("brand"))
        for proc in gpu.get("processes") if isinstance(gpu.get("processes"), list) else []:
            proc["command"] = hostfacts.cmdline(opts.root, proc.get("pid"))
    return facts


def diagnose(opts: Options, image: str | None = None) -> dict[str, Any]:
    """The doctor's report: {'schema', 'ok', 'facts', 'findings'}.

    With `image`, the doctor also runs inside a container of that image and says whether
    the image's CUDA can run on this host's driver.
    """
    facts = collect_facts(opts)
    findings = rules.evaluate(facts, opts.gpu)
    if image:
        from mlt.doctor.container import check_image

        facts["image"], extra = check_image(image, facts, opts.timeout)
        findings = rules.by_severity(findings + extra)
    return report_from(facts, findings)


def report_from(facts: dict[str, Any], findings: list[rules.Finding]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "ok": not any(f.severity == "error" for f in findings),
        "facts": facts,
        "findings": [f.to_dict() for f in findings],
    }
