"""Facts -> findings. Pure functions over the facts dict; version rules come from mlt.compat.

Each rule returns a list of Finding. Severity policy: a setup that works through minor-version
compatibility or PTX JIT is never an error (an info finding says so). Whether "no GPU" is an
error depends on intent: `--gpu` (gpu_expected) says the user wants one; without it, a missing
driver is a warning when the machine shows signs of wanting a GPU (device nodes, CUDA builds
of frameworks, nvidia-* wheels) and info otherwise.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from mlt.doctor.bounded import seconds
from mlt.doctor.rules.base import Facts, Finding, _get, gpus, kernel_driver
from mlt.doctor.rules.causes import link
from mlt.doctor.rules.devices import arch_covers, rule_arch, rule_cpu_build, rule_visible_devices
from mlt.doctor.rules.driver import (
    rule_container_not_exposed,
    rule_driver_too_old,
    rule_fabric_manager,
    rule_forward_compat,
    rule_no_driver,
    rule_nvml_mismatch,
    rule_stub_driver,
    runtime_in_use,
)
from mlt.doctor.rules.gpu_state import (
    rule_cuda_init_failed,
    rule_device_nodes,
    rule_exclusive_busy,
    rule_gpu_lost,
    rule_mig,
)
from mlt.doctor.rules.libraries import rule_duplicate_lib, rule_missing_libs
from mlt.doctor.rules.packages import rule_conflicting_packages
from mlt.doctor.rules.shadowing import rule_jax_plugin, rule_lib_shadowed, rule_wsl_libcuda
from mlt.doctor.rules.versions import (
    cudnn_version,
    rule_cudnn_mismatch,
    rule_cudnn_mixed,
    rule_runtime_older_than_build,
)

__all__ = [
    "RULES",
    "Finding",
    "arch_covers",
    "by_severity",
    "cudnn_version",
    "evaluate",
    "gpus",
    "kernel_driver",
    "runtime_in_use",
]


def rule_probe_failed(f: Facts, gpu_expected: bool) -> list[Finding]:
    out = [
        Finding(
            "probe-failed",
            "info",
            f"The {name} import did not finish within the "
            f"{seconds(info.get('budget_s') or info.get('duration_s') or 0)} left of --timeout",
            [f"{name}: {info.get('import_error')}"],
            "Its facts are missing; the other frameworks were still probed. Raise --timeout.",
            subject=name,
        )
        for name, info in (f.get("frameworks") or {}).items()
        if isinstance(info, dict) and info.get("timed_out")
    ]
    command = f.get("command") or {}
    if command.get("error"):
        tail = [ln for ln in (command.get("output_tail") or "").splitlines() if ln.strip()][-5:]
        out.append(
            Finding(
                "probe-failed",
                "info",
                f"The traced command did not finish cleanly: {command['error']}",
                [f"command: {shlex.join(command.get('argv') or [])}"] + tail,
                "What it loaded until then is still judged.",
                subject="command",
            )
        )
    probe = f.get("probe") or {}
    if not probe.get("error"):
        return out
    tail = [line for line in (probe.get("stderr_tail") or "").splitlines() if line.strip()][-5:]
    return out + [
        Finding(
            "probe-failed",
            "info",
            f"The interpreter probe did not finish: {probe['error']}",
            [
                f"interpreter: {_get(probe, 'interpreter', 'path')}",
                f"last stage: {probe.get('stage')}",
            ]
            + tail,
            "Facts gathered before the failure are still used. Try --timeout, or --python with "
            "another interpreter.",
        )
    ]


RULES: tuple[Callable[[Facts, bool], list[Finding]], ...] = (
    rule_no_driver,
    rule_container_not_exposed,
    rule_nvml_mismatch,
    rule_driver_too_old,
    rule_missing_libs,
    rule_duplicate_lib,
    rule_cudnn_mismatch,
    rule_cudnn_mixed,
    rule_runtime_older_than_build,
    rule_arch,
    rule_stub_driver,
    rule_forward_compat,
    rule_visible_devices,
    rule_cpu_build,
    rule_fabric_manager,
    rule_conflicting_packages,
    rule_mig,
    rule_gpu_lost,
    rule_exclusive_busy,
    rule_device_nodes,
    rule_lib_shadowed,
    rule_wsl_libcuda,
    rule_jax_plugin,
    rule_cuda_init_failed,
    rule_probe_failed,
)

_ORDER = {"error": 0, "warning": 1, "info": 2}


def evaluate(facts: Facts, gpu_expected: bool) -> list[Finding]:
    """All findings, errors first. A rule that fails on odd facts reports itself, never raises."""
    out: list[Finding] = []
    for rule in RULES:
        try:
            out += rule(facts, gpu_expected)
        except Exception as exc:  # noqa: BLE001 - a rule bug must not hide the other findings
            out.append(
                Finding(
                    "rule-failed", "info", f"{rule.__name__} failed: {type(exc).__name__}: {exc}"
                )
            )
    return by_severity(link(out))


def by_severity(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda x: _ORDER.get(x.severity, 3))
