"""On a real terminal `mlt new` asks the template's questions (copier's prompts)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mlt.provenance import Provenance

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal"),
]

TEMPLATE = {
    "copier.yml": "_subdirectory: project\nproject_name:\n  type: str\n"
    "greeting:\n  type: str\n  default: hello\nreplicas:\n  type: int\n  default: 1\n",
    "project/out.txt.jinja": "{{ greeting }} x{{ replicas }}\n",
}


class Terminal:
    """A process on a pseudo-terminal, read until expected text shows up."""

    def __init__(self, argv: list[str], cwd: Path):
        import pty

        self.master, slave = pty.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "100", "LINES": "30"}
        self.proc = subprocess.Popen(
            argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.seen = b""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} never appeared in:\n{self.seen.decode(errors='replace')}"
                )
            if select.select([self.master], [], [], 0.2)[0]:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:  # the process closed the terminal
                    break

    def answer(self, text: str) -> None:
        os.write(self.master, b"\x15" + text.encode() + b"\r")  # Ctrl-U clears the default

    def close(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_prompts_for_unanswered_questions_on_a_terminal(tmp_path, tree, no_git_identity):
    template = tree(tmp_path / "tpl", TEMPLATE)
    mlt = shutil.which("mlt", path=str(Path(sys.executable).parent))
    term = Terminal([mlt, "new", "tiny", "demo", "--template", str(template)], cwd=tmp_path)

    # A foreign template's project_name is its own question: asked, like the others.
    term.expect("project_name")
    term.answer("Demo Proj")
    term.expect("greeting")
    term.answer("howdy")
    term.expect("replicas")
    term.answer("3")
    term.expect("Next steps")

    assert term.close() == 0
    assert (tmp_path / "demo" / "out.txt").read_text() == "howdy x3\n"
    assert Provenance.read(tmp_path / "demo").answers == {
        "project_name": "Demo Proj",
        "greeting": "howdy",
        "replicas": 3,
    }


def test_data_answers_are_not_asked_again(tmp_path, tree, no_git_identity):
    template = tree(tmp_path / "tpl", TEMPLATE)
    mlt = shutil.which("mlt", path=str(Path(sys.executable).parent))
    argv = [mlt, "new", "tiny", "demo", "--template", str(template), "-d", "greeting=hi"]
    argv += ["-d", "project_name=demo"]
    term = Terminal(argv, cwd=tmp_path)

    term.expect("replicas")
    term.answer("2")
    term.expect("Next steps")

    assert term.close() == 0
    assert b"greeting" not in term.seen
    assert (tmp_path / "demo" / "out.txt").read_text() == "hi x2\n"
