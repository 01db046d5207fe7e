"""Template tasks (copier `_tasks`): run only with `--trust`, once, in the real repo, after a
clean merge — never inside the throwaway renders (copier runs them 3× per update)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.gitops import git, identity_env
from mlt.provenance import Provenance
from mlt.template.copier_migrations import STAGES, copier_migrations
from mlt.template.meta import read_template_meta
from mlt.template.source import TemplateSource


def template_tasks(template: TemplateSource) -> list[Any]:
    """The `_tasks` list of the template's copier.yml (empty when unknown or none)."""
    from mlt.copier_subset.config_include import own_settings

    text = read_template_meta(template, "copier.yml") or read_template_meta(template, "copier.yaml")
    if not text:
        return []
    # Every document of copier.yml, as copier merges them (a single-document parse fails on
    # a multi-document copier.yml such as the bundled one).
    return list(own_settings(text).get("_tasks") or [])


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
    return run_commands([(task, {}) for task in tasks], repo)


def before_migrations(
    template: TemplateSource, repo: Path, version_from: str, version_to: str | None
) -> list[str]:
    """Run copier's "before" migrations (trusted) and commit what they changed, so that the
    merge starts from a clean tree that already holds them."""
    found = copier_migrations(template, version_from, version_to, "before")
    if not found:
        return []
    done = run_commands(found, repo)
    if git("status", "--porcelain", "--untracked-files=no", cwd=repo):
        git("commit", "-q", "-a", "-m", f"Template migrations before {version_to}", cwd=repo,
            env=identity_env(repo))  # fmt: skip
    return done


def after_migrations(
    template: TemplateSource, repo: Path, trust: bool, version_from: str, version_to: str | None
) -> list[str]:
    """Run copier's "after" migrations when trusted; untrusted, a warning counting both
    stages (none of them ran)."""
    if trust:
        return run_commands(copier_migrations(template, version_from, version_to, "after"), repo)
    found = [
        m for stage in STAGES for m in copier_migrations(template, version_from, version_to, stage)
    ]
    if not found:
        return []
    answers = Provenance.read(repo).answers
    count = sum(_wanted(task, {**answers, **extra}) for task, extra in found)
    if not count:
        return []
    return [
        f"template defines {count} migration command(s) for this update that were NOT run; "
        "review `_migrations` in its copier.yml and run them yourself, or re-run with --trust"
    ]


def run_commands(tasks: list[tuple[Any, dict[str, Any]]], repo: Path) -> list[str]:
    """Run copier-style commands (a string, a list, or {command, when, working_directory})
    in the repo, with the recorded answers (and each one's extra context) for Jinja."""
    answers = Provenance.read(repo).answers
    done = []
    for task, extra in tasks:
        context = {**answers, **extra}
        if _wanted(task, context):
            done.append(_run_task(task, context, repo))
    return done


def _render(text: str, answers: dict[str, Any]) -> str:
    from jinja2 import Environment

    return Environment(autoescape=False).from_string(str(text)).render(**answers)


def _wanted(task: Any, answers: dict[str, Any]) -> bool:
    when = task.get("when") if isinstance(task, dict) else None
    if when is None:
        return True
    if isinstance(when, bool):
        return when
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
