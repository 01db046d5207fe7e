"""Human rendering of a doctor report: errors (with fixes) first, then warnings, info, facts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mlt import compat

STYLE = {"error": ("red", "✗"), "warning": ("yellow", "!"), "info": ("blue", "i")}


def _cuda(value: Any) -> str:
    return compat.format_version(compat.parse_version(int(value))) if value else "?"


def _fw_line(name: str, info: dict[str, Any]) -> str:
    if "import_error" in info:
        return f"{name}: import failed: {info['import_error'][:160]}"
    if name == "torch":
        return (
            f"torch {info.get('version')} (CUDA {info.get('cuda')}, cuDNN {info.get('cudnn')}, "
            f"available {info.get('is_available')}, "
            f"archs {' '.join(info.get('arch_list') or []) or '-'})"
        )
    if name == "tensorflow":
        build = info.get("build") or {}
        return (
            f"tensorflow {info.get('version')} (CUDA {build.get('cuda_version')}, cuDNN "
            f"{build.get('cudnn_version')}, GPUs {len(info.get('gpus') or [])})"
        )
    return f"{name} {info.get('version')} (backend {info.get('backend')})"


def fact_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines summarising the facts; the JSON has the full detail."""
    host = facts.get("host") or {}
    nvml = facts.get("nvml") or {}
    driver = host.get("driver") or {}
    rows = [
        (
            "kernel driver",
            f"{driver.get('version')} ({driver.get('flavor')})" if driver else "none",
        ),
        (
            "NVML",
            f"driver {nvml.get('driver_version')}, CUDA {_cuda(nvml.get('cuda_driver_version'))}"
            if nvml.get("driver_version")
            else str(nvml.get("error") or "not loaded"),
        ),
    ]
    for gpu in nvml.get("gpus") or []:
        mem = f"{gpu['memory_total'] / 2**30:.0f} GiB" if gpu.get("memory_total") else "?"
        rows.append(
            (
                f"GPU {gpu.get('index')}",
                f"{gpu.get('name')} (CC {gpu.get('cc')}, {mem}, "
                f"{gpu.get('brand_name')}, {gpu.get('uuid')})",
            )
        )
    rows.append(
        ("device nodes", ", ".join(n["path"] for n in host.get("device_nodes") or []) or "none")
    )
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
    runtime = facts.get("cuda_runtime") or {}
    if runtime.get("cudart_version"):
        rows.append(("CUDA runtime", _cuda(runtime["cudart_version"])))
    for lib in facts.get("loaded_libs") or []:
        rows.append((f"loaded {lib['key']}", lib.get("realpath") or lib["path"]))
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


def render(report: dict[str, Any], console: Console) -> None:
    """Print findings (errors first, each with evidence and fix), then the facts table."""
    findings = report["findings"]
    for finding in findings:
        color, mark = STYLE.get(finding["severity"], ("white", "-"))
        console.print(
            f"[bold {color}]{mark} {finding['severity']}[/] [bold]{finding['code']}[/]: "
            f"{escape(finding['title'])}",
            highlight=False,
        )
        for line in finding.get("evidence") or []:
            console.print(f"    [dim]{escape(str(line))}[/]", highlight=False)
        if finding.get("fix") and finding["severity"] != "info":
            console.print(f"    [bold]fix:[/] {escape(finding['fix'])}", highlight=False)
    table = Table(title="facts", show_header=False, title_justify="left", box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in fact_rows(report["facts"]):
        table.add_row(escape(label), escape(str(value)))
    console.print(table)
    errors = sum(1 for f in findings if f["severity"] == "error")
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    verdict = "[bold green]ok[/]" if report["ok"] else f"[bold red]{errors} error(s)[/]"
    console.print(f"doctor: {verdict}, {warnings} warning(s)", highlight=False)
