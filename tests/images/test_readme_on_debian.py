"""The main README's install and quick start, run as written on a bare Debian 12.

The container is the local Debian parent image (MLT_PARENT_IMAGE: debootstrap's minbase, no
Python) plus only what the README's install paragraph names for Debian (python3-venv, git, make,
with python3 itself). The host CA bundle is trusted inside (MLT_TEST_EXTRA_CA, as for the image
builds) so pip and uv reach the package index where TLS is inspected. Then every line of the
README's two code blocks runs in one shell, in order, from a copy of this checkout: `pip install .`,
`mlt new service ...`, the child's `make install test lint`, `mlt check`; `mlt doctor --gpu`
exits 1 here (no GPU), as its comment says. Marked docker + slow (downloads every dependency).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.images.images_docker_support import PARENT, extra_ca

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
APT = "apt-get install -y -q --no-install-recommends python3 python3-venv git make ca-certificates"


def readme_block(heading: str) -> list[str]:
    """The lines of the first bash block under `## heading`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_install_and_quick_start_on_bare_debian(docker_api, tmp_path):
    source = tmp_path / "mlt"
    files = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            (source / rel).write_bytes((REPO / rel).read_bytes())

    install, quick = readme_block("Install"), readme_block("Quick start")
    assert any(line.startswith("mlt new service") for line in quick)
    steps = [("cd /src", 0)] + [(line, 0) for line in install] + [("cd /work", 0)]
    steps += [(line, 1 if line.startswith("mlt doctor") else 0) for line in quick]
    script = ["export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    script += ["mkdir -p /work"]
    for number, (line, _) in enumerate(steps):
        script += [line, f'echo "::rc $? {number}"']
    (tmp_path / "readme.sh").write_text("\n".join(script) + "\n", encoding="utf-8")

    setup = f"apt-get update -q >/dev/null && {APT} >/dev/null"
    ca = extra_ca()
    mounts = ["-v", f"{source}:/src", "-v", f"{tmp_path / 'readme.sh'}:/readme.sh:ro"]
    if ca is not None:
        mounts += ["-v", f"{ca}:/host-ca.crt:ro"]
        setup += " && cat /host-ca.crt >> /etc/ssl/certs/ca-certificates.crt"
    trust = ["-e", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]
    trust += ["-e", "PIP_CERT=/etc/ssl/certs/ca-certificates.crt"]
    done = subprocess.run(
        ["docker", "run", "--rm", *mounts, *trust, PARENT, "bash", "-c",
         f"{setup} && bash /readme.sh"],
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    out = done.stdout + done.stderr
    codes = {int(n): int(rc) for rc, n in re.findall(r"^::rc (\d+) (\d+)$", done.stdout, re.M)}
    for number, (line, expected) in enumerate(steps):
        assert codes.get(number) == expected, f"{line!r} exited {codes.get(number)}\n{out[-5000:]}"
    assert " passed" in done.stdout and "Success: no issues found" in done.stdout
