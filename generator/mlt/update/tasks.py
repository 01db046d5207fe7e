"""Template tasks (copier `_tasks`): run only with `--trust`, once, in the real repo, after a
clean merge — never inside the throwaway renders (copier runs them 3× per update)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.scaffold.render import TemplateSource
from mlt.update.migrations import read_template_meta


def template_tasks(template: TemplateSource) -> list[Any]:
    """The `_tasks` list of the template's copier.yml (empty when unknown or none)."""
    from ruamel.yaml import YAML

    text = read_template_meta(template, "copier.yml") or read_template_meta(template, "copier.yaml")
    if not text:
        return []
    return list((YAML(typ="safe").load(text) or {}).get("_tasks") or [])


def run_or_skip_tasks(template: TemplateSource, repo: Path, trust: bool) -> list[str]:
    """Run the tasks when trusted; otherwise return a warning naming what was skipped."""
    tasks = template_tasks(template)
    if not tasks:
        return []
    if not trust:
        return [
            f"template defines {len(tasks)} task(s) that were NOT run; review `_tasks` in its "
            "copier.yml and run them yourself, or re-run with --trust"
        ]
    from mlt.provenance import Provenance

    answers = Provenance.read(repo).answers
    return [_run_task(task, answers, repo) for task in tasks if _wanted(task, answers)]


def _render(text: str, answers: dict[str, Any]) -> str:
    from jinja2 import Environment

    return Environment(autoescape=False).from_string(str(text)).render(**answers)


def _wanted(task: Any, answers: dict[str, Any]) -> bool:
    when = task.get("when") if isinstance(task, dict) else None
    if when is None:
        return True
    return _render(when, answers).strip().lower() not in ("", "false", "0", "no", "none")


def _run_task(task: Any, answers: dict[str, Any], repo: Path) -> str:
    command = task.get("command") if isinstance(task, dict) else task
    cwd = (
        repo / _render(task.get("working_directory", "."), answers)
        if isinstance(task, dict)
        else repo
    )
    if isinstance(command, list):
        args: Any = [_render(part, answers) for part in command]
        shown, shell = " ".join(args), False
    else:
        args = shown = _render(command, answers)
        shell = True
    proc = subprocess.run(args, cwd=cwd, shell=shell, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        raise MltError(f"template task `{shown}` failed (exit {proc.returncode}): {tail[0]}")
    return f"ran task: {shown}"
