"""Human rendering of a doctor report: errors (with fixes) first, then warnings, info, facts."""

from __future__ import annotations

import shlex
from typing import Any

from rich.console import Console
from rich.markup import escape

from mlt import compat
from mlt.doctor.rules import cudnn_version

STYLE = {"error": ("red", "✗"), "warning": ("yellow", "!"), "info": ("blue", "i")}


def _cuda(value: Any) -> str:
    return compat.format_version(compat.parse_version(int(value))) if value else "?"


def _cudnn(value: Any) -> str:
    """91002 -> '9.10.2' (what cudnnGetVersion and torch.backends.cudnn.version() return)."""
    try:
        return compat.format_version(cudnn_version(int(value)))
    except (TypeError, ValueError):
        return "?" if value in (None, "") else str(value)


def _fw_line(name: str, info: dict[str, Any]) -> str:
    if "import_error" in info:
        return f"{name}: import failed: {info['import_error'][:160]}"
    cuda = info.get("cuda") or "none (CPU build)"
    if name == "torch":
        return (
            f"torch {info.get('version')} (CUDA {cuda}, cuDNN {_cudnn(info.get('cudnn'))}, "
            f"available {info.get('is_available')}, "
            f"archs {' '.join(info.get('arch_list') or []) or '-'})"
        )
    if name == "tensorflow":
        build = info.get("build") or {}
        return (
            f"tensorflow {info.get('version')} (CUDA {cuda}, cuDNN "
            f"{build.get('cudnn_version')}, GPUs {len(info.get('gpus') or [])})"
        )
    if name == "cupy":
        devices = info.get("device_count", info.get("device_count_error", "?"))
        return f"cupy {info.get('version')} (CUDA {cuda}, devices {str(devices)[:80]})"
    if name == "onnxruntime":
        return f"onnxruntime {info.get('version')} ({', '.join(info.get('providers') or [])})"
    return f"{name} {info.get('version')} (backend {info.get('backend')}, CUDA {cuda})"


def _packages(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The CUDA and framework wheels of the interpreter, a few per line."""
    dists = sorted(
        {f"{d['name']} {d['version']}" for d in (facts.get("wheels") or {}).get("dists") or []}
    )
    return [("packages", ", ".join(dists[i : i + 4])) for i in range(0, len(dists), 4)]


def fact_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines summarising the facts; the JSON has the full detail."""
    host = facts.get("host") or {}
    nvml = facts.get("nvml") or {}
    driver = host.get("driver") or {}
    rows = [
        (
            "kernel driver",
            f"{driver.get('version')} ({driver.get('flavor')})"
            if driver.get("version")
            else driver.get("error") or driver.get("raw") or "none",
        ),
        (
            "NVML",
            f"driver {nvml.get('driver_version')}, CUDA {_cuda(nvml.get('cuda_driver_version'))}"
            if nvml.get("driver_version")
            else str(nvml.get("error") or "not loaded"),
        ),
    ]
    for gpu in nvml.get("gpus") or []:
        if gpu.get("lost"):
            rows.append((f"GPU {gpu.get('index')}", f"lost: {gpu.get('error') or 'GPU is lost'}"))
            continue
        mem = f"{gpu['memory_total'] / 2**30:.0f} GiB" if gpu.get("memory_total") else "?"
        extra = [f"compute mode {gpu['compute_mode']}"] if gpu.get("compute_mode") else []
        mig = gpu.get("mig") or {}
        if mig.get("current") == 1:
            extra.append(f"MIG on, {len(mig.get('devices') or [])} MIG device(s)")
        rows.append(
            (
                f"GPU {gpu.get('index')}",
                f"{gpu.get('name')} (CC {gpu.get('cc')}, {mem}, "
                f"{gpu.get('brand_name')}, {gpu.get('uuid')}{''.join(', ' + e for e in extra)})",
            )
        )
        for dev in mig.get("devices") or []:
            rows.append((f"  MIG {dev.get('index')}", f"{dev.get('name')} ({dev.get('uuid')})"))
    nodes = (facts.get("devices") or {}).get("nodes") or host.get("device_nodes") or []
    rows.append(
        (
            "device nodes",
            ", ".join(
                n["path"] + (f" ({n['open']})" if n.get("open") not in (None, "ok") else "")
                for n in nodes
            )
            or "none",
        )
    )
    if (host.get("modules") or {}).get("loaded"):
        rows.append(("kernel modules", ", ".join(host["modules"]["loaded"])))
    if (host.get("wsl") or {}).get("detected"):
        rows.append(("WSL2", "; ".join(host["wsl"]["evidence"])))
    container = host.get("container") or {}
    rows.append(("container", "; ".join(container.get("evidence") or []) or "no"))
    probe = facts.get("probe") or {}
    python = facts.get("python") or {}
    rows.append(
        (
            "interpreter",
            f"{(probe.get('interpreter') or {}).get('path')} (Python {python.get('version')})",
        )
    )
    for name, info in (facts.get("frameworks") or {}).items():
        rows.append(("framework", _fw_line(name, info)))
    rows += _packages(facts)
    runtime = facts.get("cuda_runtime") or {}
    for path, version in (runtime.get("cudart_versions") or {}).items():
        rows.append(("CUDA runtime", f"{_cuda(version)} ({path.rsplit('/', 1)[-1]})"))
    if runtime.get("cudart_version") and not runtime.get("cudart_versions"):
        rows.append(("CUDA runtime", _cuda(runtime["cudart_version"])))
    for path, version in (runtime.get("cudnn_versions") or {}).items():
        rows.append(("cuDNN", f"{_cudnn(version)} ({path.rsplit('/', 1)[-1]})"))
    command = facts.get("command")
    if command:
        rows.append(
            (
                "command",
                f"{shlex.join(command.get('argv') or [])} -> "
                f"{command.get('error') or 'exit 0'} ({command.get('duration_s')} s)",
            )
        )
    seen = set()
    for lib in facts.get("loaded_libs") or []:
        row = (f"loaded {lib['key']}", lib.get("realpath") or lib["path"])
        if row not in seen:  # several processes of a traced command map the same file
            seen.add(row)
            rows.append(row)
    for key, value in (host.get("env") or {}).items():
        rows.append((key, value))
    methods = ", ".join((facts.get("trace") or {}).get("methods") or []) or "off"
    rows.append(
        (
            "probe",
            f"{probe.get('duration_s')} s, trace: {methods}"
            + (f", {probe['error']}" if probe.get("error") else ""),
        )
    )
    return rows


def root_causes(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Errors and warnings that nothing else explains: what the user has to fix."""
    return [f for f in findings if f["severity"] in ("error", "warning") and not f.get("caused_by")]


def render(report: dict[str, Any], console: Console) -> None:
    """One line per root cause, then each finding with evidence and fix, then the facts.

    Every line is printed whole (soft wrap): ids, paths, URLs and commands are never cut or
    folded at the console width, whatever COLUMNS says or wherever stdout goes; a terminal
    wraps long lines visually and a pipe gets them intact.
    """

    def say(text: str = "") -> None:
        console.print(text, highlight=False, soft_wrap=True)

    findings = report["findings"]
    roots = root_causes(findings)
    if roots:
        say(f"[bold]{len(roots)} root cause(s):[/]")
        for finding in roots:
            color, mark = STYLE.get(finding["severity"], ("white", "-"))
            say(f"  [{color}]{mark}[/] [bold]{finding['code']}[/]: {escape(finding['title'])}")
        say()
    for finding in findings:
        if finding.get("caused_by"):  # listed under its root cause
            continue
        color, mark = STYLE.get(finding["severity"], ("white", "-"))
        say(
            f"[bold {color}]{mark} {finding['severity']}[/] [bold]{finding['id']}[/]: "
            f"{escape(finding['title'])}"
        )
        for line in finding.get("evidence") or []:
            say(f"    [dim]{escape(str(line))}[/]")
        if finding.get("fix") and finding["severity"] != "info":
            say(f"    [bold]fix:[/] {escape(finding['fix'])}")
    rows = fact_rows(report["facts"])
    width = max((len(label) for label, _ in rows), default=0)
    say("facts")
    for label, value in rows:
        say(f"[bold]{escape(label.ljust(width))}[/]  {escape(str(value))}")
    errors = sum(1 for f in findings if f["severity"] == "error")
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    verdict = "[bold green]ok[/]" if report["ok"] else f"[bold red]{errors} error(s)[/]"
    say(f"doctor: {verdict}, {warnings} warning(s)")
