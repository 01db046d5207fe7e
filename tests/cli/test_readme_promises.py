"""What the README tells a newcomer holds: its lint command passes, and every skip reason a
test can print is explained there (with how to run that lane)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
# pytest.skip("literal ...") or pytest.skip(f"{x} literal {y} ..."): the literal words.
_SKIP = re.compile(r'pytest\.skip\(\s*f?"([^"]*)"')


def _words(message: str) -> str:
    """The first literal words of a (possibly f-string) skip message: what the README quotes."""
    parts = [p.strip() for p in re.split(r"\{[^}]*\}", message) if p.strip()]
    first = parts[0].split(" (")[0].split(":")[0] if parts else ""
    return " ".join(first.split()[:5])


def test_every_literal_skip_reason_is_explained_in_the_readme():
    missing = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.name == Path(__file__).name:
            continue
        for message in _SKIP.findall(path.read_text(encoding="utf-8")):
            words = _words(message)
            if words and words not in README:
                missing.append(f"{path.relative_to(REPO)}: {words!r}")
    assert not missing, "skip reasons the README does not explain:\n" + "\n".join(missing)


def test_the_readme_lint_command_passes():
    block = README.split("## Developing", 1)[1]
    command = next(line for line in block.splitlines() if line.startswith("ruff check"))
    assert command.split("#")[0].strip() == "ruff check . && ruff format --check ."
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run([ruff, *args], cwd=REPO, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-500:]
