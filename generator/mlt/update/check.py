"""`mlt check`: is the child behind its template, and is it free of leftover conflicts?

Bundled templates: reads `.mlt.yaml` and the installed `mlt-template.yml` only — no copier
import, no network. Git templates: one `git ls-remote --tags`. Only a child that is behind is
rendered (in memory) at the latest version, to name recorded answers that version rejects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.gitops import run_git
from mlt.provenance import Provenance
from mlt.template.versions import is_newer
from mlt.update._git import split_z
from mlt.update.recorded import check_recorded, check_recorded_choices
from mlt.update.target import latest_with_note

UP_TO_DATE, BEHIND, PROBLEMS = "up-to-date", "behind", "problems"
# Only the unambiguous markers: a bare ======= line is a valid Markdown/RST heading underline.
_MARKERS = r"^(<<<<<<<|>>>>>>>)( |$)"


@dataclass
class CheckResult:
    """Where a child stands."""

    path: str
    status: str
    current: str
    latest: str
    problems: list[str] = field(default_factory=list)
    # recorded answers the latest version rejects: `mlt update -d KEY=VALUE` each
    needs_answers: list[str] = field(default_factory=list)
    note: str | None = None  # e.g. an untagged template followed on its default branch

    @property
    def exit_code(self) -> int:
        """0 up to date, 2 behind, 1 leftover conflicts (the CI gate)."""
        return {PROBLEMS: 1, BEHIND: 2}.get(self.status, 0)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return {**asdict(self), "exit_code": self.exit_code}


def check_project(path: Path) -> CheckResult:
    """Compare the recorded template version with the newest one and scan for conflicts."""
    if not path.is_dir():
        raise MltError(f"{path} is not a directory")
    prov = Provenance.read(path)
    check_recorded(prov)
    check_recorded_choices(prov)
    latest, note = latest_with_note(prov, path)
    problems = leftover_conflicts(path)
    if problems:
        status = PROBLEMS
    else:
        status = BEHIND if is_newer(latest, prov.version) else UP_TO_DATE
    needs = rejected_answers(prov, latest, path) if status == BEHIND else []
    return CheckResult(str(path), status, prov.version, latest, problems, needs, note)


def rejected_answers(prov: Provenance, latest: str, path: Path) -> list[str]:
    """The recorded answers the latest version rejects (see `rejected_by`)."""
    from mlt.template.migrations import crossing, load_migrations, rename_answers
    from mlt.template.source import is_remote
    from mlt.update.target import resolve_target

    if is_remote(prov.source):
        return []  # that would be a clone per check; `mlt update` names it
    target = resolve_target(prov, None if prov.bundled_type else latest, path)
    migrations = crossing(load_migrations(target.template), prov.version, target.version)
    return rejected_by(target.template, rename_answers(prov.answers, migrations), path)


def rejected_by(template: Any, answers: dict[str, Any], path: Path) -> list[str]:
    """Which of `answers` the template rejects, found by rendering it in memory as `mlt
    update` would. copier stops at the first: each one found is set aside (its question then
    takes its default) and the render tried again, so all of them are named at once."""
    from mlt.scaffold.render import render_files
    from mlt.scaffold.render_errors import AnswerRejected

    rejected: list[str] = []

    def prepare(questions: Any) -> dict[str, Any]:
        return {k: v for k, v in answers.items() if k in questions and k not in rejected}

    while len(rejected) <= len(answers):
        try:
            render_files(template, answers, prepare=prepare, dest=path.absolute())
        except AnswerRejected as exc:
            if not exc.key or exc.key in rejected:
                break
            rejected.append(exc.key)
            continue
        except MltError:
            break  # not an answer problem (untrusted code, ...): `mlt update` will say
        break
    return rejected


def leftover_conflicts(path: Path) -> list[str]:
    """Tracked files with conflict markers, tracked `*.rej` files, unmerged paths (2 git calls)."""
    grep = run_git("grep", "-I", "-l", "-z", "-E", _MARKERS, cwd=path)
    if grep.rc > 1 and "not a git repository" in grep.err:
        raise MltError(
            f"{path} is not a git repository (made with `mlt new --no-git`?): mlt check and "
            "mlt update work on its git history",
            hint="start one (`git init && git add -A && git commit -m 'initial'`), then "
            "`mlt update --rebase-template` to record the template version",
        )
    if grep.rc > 1:
        raise MltError(f"cannot scan {path} for conflict markers: {grep.last_error}")
    listed = run_git("ls-files", "-z", "--", "*.rej", cwd=path)
    problems = [f"{p}: conflict markers" for p in split_z(grep.out)]
    problems += [f"{p}: rejected hunks (.rej)" for p in split_z(listed.out)]
    return problems


def conflict_marker_files(path: Path, files: list[str]) -> list[str]:
    """Which of `files` (tracked, in the working tree) still hold conflict markers."""
    if not files:
        return []
    grep = run_git("grep", "-I", "-l", "-z", "-E", _MARKERS, "--", *files, cwd=path)
    return split_z(grep.out)
