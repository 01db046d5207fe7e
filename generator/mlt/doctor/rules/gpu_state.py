"""Rules about the state of each GPU and of the device nodes: MIG, GPUs lost from the bus,
exclusive compute mode, kernel modules, device nodes that are missing or not openable, and
the symptom they all cause: cuInit failing while NVML answers (`cuda-init-failed`).
"""

from __future__ import annotations

import re
from typing import Any

from mlt.doctor.rules.base import Facts, Finding, _get, driver_present, gpus

CU_ERRORS = {
    3: "CUDA_ERROR_NOT_INITIALIZED",
    100: "CUDA_ERROR_NO_DEVICE",
    101: "CUDA_ERROR_INVALID_DEVICE",
    304: "CUDA_ERROR_OPERATING_SYSTEM",
    999: "CUDA_ERROR_UNKNOWN",
}
COMPUTE_MODES = {0: "DEFAULT", 1: "EXCLUSIVE_THREAD", 2: "PROHIBITED", 3: "EXCLUSIVE_PROCESS"}
# cuInit results another rule names precisely: stub library, fabric manager, forward compat
_NAMED_ELSEWHERE = (0, 34, 802, 804, "missing", None)


def cvd(f: Facts) -> str | None:
    return _get(f, "host", "env", "CUDA_VISIBLE_DEVICES")


def _mig_owner(gpu_list: list[dict[str, Any]], entry: str) -> dict[str, Any] | None:
    for gpu in gpu_list:
        for dev in _get(gpu, "mig", "devices") or []:
            if (dev.get("uuid") or "").upper().startswith(entry.upper()):
                return gpu
    return None


def selection(f: Facts) -> list[tuple[str, dict[str, Any], str]] | None:
    """(entry, GPU, 'index'|'gpu-uuid'|'mig-uuid') for each valid CUDA_VISIBLE_DEVICES entry,
    parsed like CUDA (it stops at the first invalid one); None when the variable is unset."""
    value = cvd(f)
    if value is None:
        return None
    gpu_list, out = gpus(f), []
    by_index = {g.get("index"): g for g in gpu_list}
    for entry in (e.strip() for e in value.split(",")):
        if entry.isdigit() and int(entry) in by_index:
            out.append((entry, by_index[int(entry)], "index"))
        elif entry.upper().startswith("GPU-") and (
            gpu := next(
                (g for g in gpu_list if (g.get("uuid") or "").upper().startswith(entry.upper())),
                None,
            )
        ):
            out.append((entry, gpu, "gpu-uuid"))
        elif entry.upper().startswith("MIG-") and (gpu := _mig_owner(gpu_list, entry)):
            out.append((entry, gpu, "mig-uuid"))
        else:
            break
    return out


def visible(f: Facts, gpu: dict[str, Any]) -> bool:
    chosen = selection(f)
    return chosen is None or any(g is gpu for _, g, _ in chosen)


def _label(gpu: dict[str, Any]) -> str:
    return f"GPU {gpu.get('index')} ({gpu.get('name') or 'name unknown'}, {gpu.get('uuid')})"


def rule_mig(f: Facts, gpu_expected: bool) -> list[Finding]:
    out = []
    chosen = selection(f)
    for gpu in gpus(f):
        mig = gpu.get("mig") or {}
        if mig.get("current") != 1:
            continue
        devices = mig.get("devices") or []
        entries = [(e, how) for e, g, how in chosen or [] if g is gpu]
        if any(how == "mig-uuid" for _, how in entries):
            continue  # a MIG device is selected: the healthy way
        listed = [f"{d.get('uuid')} ({d.get('name')})" for d in devices]
        mode = f"{_label(gpu)}: MIG mode is enabled (nvmlDeviceGetMigMode: current 1)"
        if not devices and (chosen is None or entries):
            out.append(
                Finding(
                    "mig-no-instances",
                    "error",
                    f"GPU {gpu.get('index')} is in MIG mode but has no MIG device to run on",
                    [
                        mode,
                        "no GPU instance with a compute instance exists on it (NVML lists "
                        "no MIG device)",
                    ],
                    f"Create one: `sudo nvidia-smi mig -i {gpu.get('index')} -cgi 1g.10gb -C` "
                    "(any profile `nvidia-smi mig -lgip` lists), or turn MIG off: "
                    f"`sudo nvidia-smi -i {gpu.get('index')} -mig 0` and reset the GPU.",
                    subject=f"gpu{gpu.get('index')}",
                )
            )
        elif entries:
            entry, how = entries[0]
            by = "its index" if how == "index" else "its GPU UUID"
            fix = (
                f"export CUDA_VISIBLE_DEVICES={devices[0]['uuid']}  (a MIG device's UUID, as "
                "`nvidia-smi -L` lists them; on Kubernetes request the MIG resource, e.g. "
                "nvidia.com/mig-1g.10gb, and leave CUDA_VISIBLE_DEVICES unset)"
                if devices
                else f"Create a MIG device first: `sudo nvidia-smi mig -i {gpu.get('index')} "
                "-cgi 1g.10gb -C`, then select it by its MIG-<uuid>."
            )
            out.append(
                Finding(
                    "mig-device-not-selected",
                    "error",
                    f"CUDA_VISIBLE_DEVICES selects MIG-enabled GPU {gpu.get('index')} by {by}: "
                    "CUDA sees no device",
                    [
                        f"CUDA_VISIBLE_DEVICES={cvd(f)}: entry {entry!r} names the GPU itself",
                        mode + ", so CUDA runs only on a MIG device named MIG-<uuid>",
                        "its MIG devices: " + (", ".join(listed) or "none"),
                    ],
                    fix,
                    subject=f"gpu{gpu.get('index')}",
                )
            )
    return out


def rule_gpu_lost(f: Facts, gpu_expected: bool) -> list[Finding]:
    gpu_list = gpus(f)
    healthy = [g for g in gpu_list if not g.get("lost")]
    out = []
    for gpu in (g for g in gpu_list if g.get("lost")):
        index = gpu.get("index")
        shown = visible(f, gpu)
        evidence = [
            f"GPU {index}: NVML answers {gpu.get('error') or 'GPU is lost'!r} "
            "(NVML_ERROR_GPU_IS_LOST): it fell off the bus (Xid 79 in the kernel log)",
            "the other GPUs answer: "
            + (", ".join(f"{g.get('index')} ({g.get('name')})" for g in healthy) or "none"),
            f"CUDA_VISIBLE_DEVICES={cvd(f) if cvd(f) is not None else '(unset)'}: GPU {index} is "
            + ("visible to CUDA" if shown else "hidden from this process"),
        ]
        keep = ",".join(str(g.get("index")) for g in healthy)
        out.append(
            Finding(
                "gpu-lost",
                "error" if shown else "warning",
                f"GPU {index} has fallen off the bus (NVML: GPU is lost)",
                evidence,
                f"Drain the node and reset the GPU (`sudo nvidia-smi -r -i {index}`) or reboot; "
                "if it happens again, have the GPU checked (power, cooling, PCIe). Until then "
                + (
                    f"run on the healthy GPUs: export CUDA_DEVICE_ORDER=PCI_BUS_ID "
                    f"CUDA_VISIBLE_DEVICES={keep}"
                    if keep
                    else "this node has no usable GPU"
                ),
                subject=f"gpu{index}",
            )
        )
    return out


def rule_exclusive_busy(f: Facts, gpu_expected: bool) -> list[Finding]:
    own = _get(f, "python", "pid")
    out = []
    for gpu in gpus(f):
        mode = gpu.get("compute_mode")
        procs = [p for p in gpu.get("processes") or [] if isinstance(p, dict)]
        procs = [p for p in procs if p.get("pid") != own]
        if mode not in (1, 3) or not procs or not visible(f, gpu):
            continue
        held = [
            f"held by pid {p['pid']}"
            + (f" ({p['command']})" if p.get("command") else "")
            + (f", {p['used_memory'] >> 20} MiB" if p.get("used_memory") else "")
            + " (nvmlDeviceGetComputeRunningProcesses)"
            for p in procs
        ]
        free = [
            str(g.get("index"))
            for g in gpus(f)
            if g is not gpu and not g.get("lost") and not g.get("processes")
        ]
        out.append(
            Finding(
                "gpu-exclusive-busy",
                "error",
                f"GPU {gpu.get('index')} is in exclusive compute mode and another process holds "
                "it (cudaErrorDevicesUnavailable)",
                [
                    f"{_label(gpu)}: compute mode {COMPUTE_MODES.get(mode, mode)} "
                    f"(nvmlDeviceGetComputeMode = {mode})",
                    *held,
                ],
                f"Wait for pid {procs[0]['pid']} to finish or stop it"
                + (
                    f", or use a free GPU: export CUDA_DEVICE_ORDER=PCI_BUS_ID "
                    f"CUDA_VISIBLE_DEVICES={','.join(free)}"
                    if free
                    else ""
                )
                + f". To share the GPU, an admin runs `sudo nvidia-smi -i {gpu.get('index')} "
                "-c DEFAULT`.",
                subject=f"gpu{gpu.get('index')}",
            )
        )
    return out


def _nodes(f: Facts) -> list[dict[str, Any]]:
    """Device nodes as the target process sees them (with open results), else the host's."""
    return _get(f, "devices", "nodes") or _get(f, "host", "device_nodes") or []


def _wsl(f: Facts) -> bool:
    return bool(_get(f, "host", "wsl", "detected"))


def rule_device_nodes(f: Facts, gpu_expected: bool) -> list[Finding]:
    """device-node-denied, device-node-missing, uvm-module-not-loaded."""
    if _wsl(f) or not driver_present(f):
        return []
    nodes = {n["path"]: n for n in _nodes(f)}
    out = []
    # the nodes CUDA opens (nvidia-uvm-tools and nvidia-modeset are not among them)
    needed = [n for n in nodes.values() if re.search(r"/nvidia(\d+|ctl|-uvm)$", n["path"])]
    denied = [n for n in needed if n.get("open") in ("EACCES", "EPERM")]
    gpu_nodes = [n for n in needed if re.search(r"/nvidia\d+$", n["path"])]
    # a scheduler that confines a job to its GPUs (Slurm ConstrainDevices, a device cgroup)
    # denies the other GPUs' nodes: fine while the shared nodes and one GPU node open
    confined = (
        denied
        and all(re.search(r"/nvidia\d+$", n["path"]) for n in denied)
        and any(n.get("open") == "ok" for n in gpu_nodes)
    )
    if confined:
        out.append(
            Finding(
                "device-node-denied",
                "info",
                "Some GPUs' device nodes are closed to this process (confined to its GPUs)",
                [f"open({n['path']}, O_RDWR) -> {n['open']}" for n in denied]
                + [f"open({n['path']}, O_RDWR) -> ok" for n in gpu_nodes if n.get("open") == "ok"],
                "Nothing to do when a scheduler gave this job those GPUs only.",
                subject=",".join(n["path"] for n in denied),
            )
        )
    elif denied:
        groups = ", ".join(_get(f, "devices", "groups") or []) or "?"
        evidence = []
        for node in denied:
            why = (
                "the file mode would allow it, so a cgroup device rule denies it"
                if node["open"] == "EPERM"
                else f"mode {node.get('mode')}, group {node.get('group')}; this process "
                f"(uid {_get(f, 'devices', 'uid')}) is in groups: {groups}"
            )
            evidence.append(
                f"open({node['path']}, O_RDWR) -> {node['open']} ({node.get('open_error')}): {why}"
            )
        evidence.append(
            "NVML answers"
            if _get(f, "nvml", "driver_version")
            else f"NVML: {_get(f, 'nvml', 'error')}"
        )
        if any(n["open"] == "EPERM" for n in denied):
            fix = (
                "The container's device permission was lost (a cgroup rule rewritten, e.g. by "
                "`systemctl daemon-reload` on the host): recreate the container or pod. On the "
                "host, `sudo nvidia-ctk system create-dev-char-symlinks --create-all` stops it "
                "recurring (NVIDIA/nvidia-container-toolkit#48)."
            )
        else:
            group = denied[0].get("group") or "video"
            fix = (
                f"Add the user to the device's group: `sudo usermod -aG {group} $USER`, then "
                "log in again; or make the nodes world-usable with the driver's module option "
                "NVreg_DeviceFileMode=0666 (and reload the module)."
            )
        out.append(
            Finding(
                "device-node-denied",
                "error",
                "This process may not open the GPU device nodes: cuInit fails while NVML answers",
                evidence,
                fix,
                subject=",".join(n["path"] for n in denied),
            )
        )
    loaded = _get(f, "host", "modules", "loaded")
    cu_failed = _get(f, "cuda_driver", "init_rc") not in _NAMED_ELSEWHERE
    if loaded is not None and "nvidia" in loaded and "nvidia_uvm" not in loaded:
        out.append(
            Finding(
                "uvm-module-not-loaded",
                "error",
                "The nvidia kernel module is loaded without nvidia_uvm: CUDA cannot start",
                [
                    "/proc/modules: " + ", ".join(loaded) + " (no nvidia_uvm)",
                    "/dev/nvidia-uvm " + ("exists" if "/dev/nvidia-uvm" in nodes else "missing"),
                ],
                "`sudo modprobe nvidia-uvm && sudo nvidia-modprobe -u -c=0` (creates "
                "/dev/nvidia-uvm); to load it at boot: `echo nvidia-uvm | sudo tee "
                "/etc/modules-load.d/nvidia-uvm.conf`. In a container, the host must do this.",
            )
        )
    wants_uvm = (loaded is not None and "nvidia_uvm" in loaded) or cu_failed
    in_container = _get(f, "host", "container", "in_container")
    gpu_node = any(re.search(r"/nvidia\d+$", p) for p in nodes)
    missing = []
    if gpu_node and "/dev/nvidiactl" not in nodes:
        missing.append("/dev/nvidiactl")
    if (gpu_node or "/dev/nvidiactl" in nodes) and "/dev/nvidia-uvm" not in nodes and wants_uvm:
        missing.append("/dev/nvidia-uvm")
    for path in missing:
        fix = (
            "Give the container every node: `docker run --gpus all` (not only --device "
            "/dev/nvidia0); Kubernetes: request nvidia.com/gpu through the device plugin."
            if in_container
            else "`sudo nvidia-modprobe -c=0 -u` creates the nodes (run any CUDA program once "
            "as root, or install nvidia-modprobe so it happens for users)."
        )
        out.append(
            Finding(
                "device-node-missing",
                "error",
                f"{path} is missing: CUDA needs it although NVML may answer",
                [
                    "present: " + (", ".join(sorted(nodes)) or "no /dev/nvidia* node"),
                    *([f"/proc/modules: {', '.join(loaded)}"] if loaded else []),
                ],
                fix,
                subject=path,
            )
        )
    return out


def rule_cuda_init_failed(f: Facts, gpu_expected: bool) -> list[Finding]:
    """The symptom: the driver answers (NVML, a kernel module) but CUDA cannot start."""
    rc = _get(f, "cuda_driver", "init_rc")
    if rc in _NAMED_ELSEWHERE or not driver_present(f):
        return []
    name = _get(f, "cuda_driver", "init_error") or CU_ERRORS.get(rc, "")
    evidence = [f"cuInit -> {rc} ({name})" if name else f"cuInit -> {rc}"]
    if _get(f, "nvml", "driver_version"):
        evidence.append(
            f"NVML answers: driver {_get(f, 'nvml', 'driver_version')}, {len(gpus(f))} GPU(s)"
        )
    torch = _get(f, "frameworks", "torch") or {}
    if torch.get("cuda") and torch.get("is_available") is False:
        evidence.append("torch.cuda.is_available() is False")
    return [
        Finding(
            "cuda-init-failed",
            "error" if gpu_expected or gpus(f) else "warning",
            "CUDA cannot initialise although the driver answers",
            evidence,
            "Fix the root cause listed with it. If none is listed: read `sudo dmesg | grep -i "
            "-e NVRM -e Xid`, check `nvidia-smi -q`, and trace your program with "
            "`mlt doctor --gpu -- python your_script.py`.",
        )
    ]
