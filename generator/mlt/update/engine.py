"""`mlt update`: render the target template version and merge it into the child.

Git processes for a clean bundled update: about a dozen (copier spends ~200).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt import interrupts
from mlt.errors import MltError
from mlt.gitops import FALLBACK_NOTICE, Identity, commit_files, git, identity, identity_env, run_git
from mlt.provenance import PROVENANCE_FILE, Provenance
from mlt.template.migrations import crossing, file_renames, load_migrations, rename_answers
from mlt.template.source import TemplateSource
from mlt.template.tasks import after_migrations, before_migrations, run_or_skip_tasks
from mlt.template.versions import same_version
from mlt.update import result as R
from mlt.update.integrity import verify_template_branch
from mlt.update.interrupted import Interrupted, Stage
from mlt.update.journal import JOURNAL_FILE, Journal, move_ref, recover
from mlt.update.merge import (
    MergeOutcome,
    MergePlan,
    dry_merge,
    migration_commits,
    plan_target,
    real_merge,
)
from mlt.update.recorded import check_recorded
from mlt.update.repo import (
    TEMPLATE_REF,
    RepoState,
    ensure_clean,
    inspect_repo,
    require_template_branch,
)
from mlt.update.repo_lock import locked
from mlt.update.skipped import skipped_paths
from mlt.update.target import Target, repoint, resolve_target

# Fleet updates run in threads; copier is not documented as thread-safe, so renders take turns
# (they are CPU-bound under the GIL anyway) while the git work runs in parallel.
_RENDER_LOCK = threading.Lock()


@dataclass
class UpdateOptions:
    """What the user asked for."""

    ref: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    trust: bool = False
    template: str | None = None  # re-point the child to this template source
    skip_hooks: bool = False  # cookiecutter templates: render without their hooks
    # fleet: create and check out this branch before merging; "{version}" is filled in
    branch: str | None = None


@dataclass
class Prepared:
    """Everything computed before touching the child: the plan and where it goes."""

    plan: MergePlan
    prov: Provenance
    target: Target
    version: str
    migrations: list[str]
    identity: Identity  # who makes the commits of this update


@locked
def update_project(path: Path, opts: UpdateOptions | None = None) -> R.UpdateResult:
    """Update one child project; returns what happened (conflicts are a result, not an error).

    A Ctrl-C before the update starts to apply (rendering, importing, any git call up to
    then) is an error saying that nothing changed (exit 130); from then on it is held off.
    """
    stage = Stage()
    try:
        return _update(path, opts or UpdateOptions(), stage)
    except KeyboardInterrupt:
        if stage.changing:
            raise
        raise Interrupted() from None


def _update(path: Path, opts: UpdateOptions, stage: Stage) -> R.UpdateResult:
    path = path.absolute()  # copier chdirs while cloning; keep our paths independent of cwd
    recovered = recover_interrupted(path)
    before: list[str] = []
    # Trusted "before" migrations run the template's commands in the repository.
    stage.changing = opts.trust and not opts.dry_run
    prepared = prepare(path, opts, before if stage.changing else None)
    if isinstance(prepared, R.UpdateResult):
        prepared.messages[:0] = recovered
        return prepared
    plan, state = prepared.plan, prepared.plan.state
    branch = opts.branch.format(version=prepared.version) if opts.branch else None
    result = R.UpdateResult(
        str(path),
        R.DRY_RUN if opts.dry_run else R.UPDATED,
        prepared.prov.version,
        prepared.version,
        branch=branch or state.branch,
        migrations=prepared.migrations,
        messages=recovered + before + ([prepared.target.note] if prepared.target.note else []),
    )
    if opts.dry_run:
        _fill(result, dry_merge(plan))
        return result
    if prepared.identity.fallback:
        result.messages.append(FALLBACK_NOTICE)
    with interrupts.held() as signals:
        stage.changing = True
        outcome = _apply(prepared, branch)
    if signals.interrupted:
        result.messages.append(_HELD_OFF)
    if outcome is None:
        result.status = R.UP_TO_DATE
        return result
    _fill(result, outcome)
    if result.status == R.UPDATED:
        result.commit = outcome.commit
        template, version_from = prepared.target.template, prepared.prov.version
        result.messages += _tasks_after(template, path, opts.trust, outcome)
        result.messages += after_migrations(
            template, path, opts.trust, version_from, prepared.target.version
        )
    return result


_HELD_OFF = (
    "Ctrl-C came while the update was being applied; it was held off until the repository "
    "was consistent again: the result below is complete, nothing is left half-done"
)


def recover_interrupted(path: Path) -> list[str]:
    """Finish or undo an update a crash interrupted (see mlt.update.journal)."""
    git_dir = path / ".git"
    if not git_dir.is_dir():  # a worktree, a subfolder: ask git (a plain clone needs no process)
        try:
            git_dir = Path(git("rev-parse", "--absolute-git-dir", cwd=path))
        except MltError:
            return []  # not a repository: inspect_repo says so properly
    if not (git_dir / JOURNAL_FILE).exists():
        return []
    with interrupts.held():
        note = recover(path, git_dir)
    return [note] if note else []


def _apply(prepared: Prepared, branch: str | None) -> MergeOutcome | None:
    """Move the template branch, merge, and journal it all so a kill can be repaired.

    Order: journal, template branch → render, (fleet: new branch), `git merge`. Until the
    merge lands, a crash leaves only the template branch moved, which the journal undoes; with
    the template branch moved first, a conflicted merge (MERGE_HEAD) always has its base.
    """
    plan, state = prepared.plan, prepared.plan.state
    path = state.path
    plan_target(plan, prepared.identity)
    journal = Journal(
        TEMPLATE_REF,
        state.local_template,
        plan.theirs,
        state.head,
        plan.ours,
        state.branch,
        branch,
        plan.merged,
    )
    journal.write(state.git_dir)
    try:
        move_ref(
            path, TEMPLATE_REF, plan.theirs, state.local_template, f"mlt update: {plan.message}"
        )
        if branch:
            git("switch", "-q", "-c", branch, cwd=path)
        outcome = real_merge(plan, prepared.identity.env)
    except BaseException:
        undo(path, state.git_dir, plan.merged)
        raise
    if outcome is None:  # nothing merged: put the template branch back
        recover(path, state.git_dir)
    elif not outcome.conflicts:
        Journal.clear(state.git_dir)
    return outcome


def undo(path: Path, git_dir: Path, merged: str) -> None:
    """Back to the state before the update after a refusal or error: our merge (of `merged`)
    aborted, then the journal puts back what moved (or finishes, if the merge had landed)."""
    merge_head = git_dir / "MERGE_HEAD"
    if merge_head.is_file() and merge_head.read_text(encoding="ascii").strip() == merged:
        run_git("merge", "--abort", cwd=path)
    recover(path, git_dir)


def _tasks_after(
    template: TemplateSource, path: Path, trust: bool, outcome: MergeOutcome
) -> list[str]:
    """Template tasks, once the update is committed: an interrupt here must not claim that
    nothing changed."""
    try:
        return run_or_skip_tasks(template, path, trust)
    except KeyboardInterrupt:
        raise MltError(
            f"interrupted while running the template's tasks; the update itself is committed "
            f"({(outcome.commit or '')[:10]})",
            hint="run the remaining `_tasks` of the template yourself",
        ) from None


def prepare(
    path: Path, opts: UpdateOptions, run_before: list[str] | None = None
) -> Prepared | R.UpdateResult:
    """Check the child, render the target and commit it as an object; no ref moves yet.

    With `run_before` (a trusted, real update) copier's "before" migrations run first and
    what they did is appended to it.
    """
    state = inspect_repo(path)
    prov = Provenance.read(path)
    check_recorded(prov)
    ensure_clean(state)
    tip = require_template_branch(state)
    verify_template_branch(state, tip, prov)
    moved = opts.template is not None
    if moved:
        prov = repoint(prov, opts.template)
    target = resolve_target(prov, opts.ref, path)
    target.template.trust, target.template.skip_hooks = opts.trust, opts.skip_hooks
    same = target.version and same_version(target.version, prov.version)
    if not opts.overrides and not moved and same:
        return R.UpdateResult(
            str(path),
            R.UP_TO_DATE,
            prov.version,
            prov.version,
            branch=state.branch,
            messages=[target.note] if target.note else [],
        )
    if run_before is not None:
        run_before += before_migrations(target.template, path, prov.version, target.version)
        state = inspect_repo(path)  # they may have committed
        tip = require_template_branch(state)
    migrations = crossing(load_migrations(target.template), prov.version, target.version)
    answers = rename_answers(prov.answers, migrations)
    renames = file_renames(migrations)
    base, ours, renamed = (
        migration_commits(state, tip, renames) if renames else (tip, state.head, [])
    )
    ident = identity(path)
    theirs, version, skip = commit_render(state, prov, target, answers, opts, [base], ident)
    notes = [f"rename {r}" for r in renamed] + [
        f"rename answer {old} → {new}"
        for m in migrations
        for old, new in m.rename_answers.items()
        if old in prov.answers
    ]
    message = f"Update template to {version}"
    if moved:
        message += f" from {prov.source}"
    if opts.overrides:
        message += " (" + ", ".join(f"{k}={v}" for k, v in opts.overrides.items()) + ")"
    plan = MergePlan(state, base, theirs, ours, message, renamed)
    plan.skipped = skipped_paths(path, ours, theirs, *skip)
    return Prepared(plan, prov, target, version, notes, ident)


def commit_render(
    state: RepoState,
    prov: Provenance,
    target: Target,
    answers: dict[str, Any],
    opts: UpdateOptions,
    parents: list[str],
    ident: Identity,
) -> tuple[str, str, tuple[list[str], list[str]]]:
    """Render the target pristine and commit it on top of the template branch (object only).

    The render stays in memory and goes straight into git objects: no temp folder, no index.
    """
    from mlt.copier_subset.source_tree import Blob
    from mlt.scaffold.answers import coerce_answers
    from mlt.scaffold.render import render_files
    from mlt.scaffold.render_errors import AnswerRejected

    asked: dict[str, Mapping[str, Any]] = {}

    def prepare(questions: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        asked.update(questions)
        # Recorded answers to questions the new version no longer asks are dropped.
        kept = {k: v for k, v in answers.items() if k in questions}
        source = target.template.source
        bundled = target.template.bundled_type is not None
        return {
            **kept,
            **coerce_answers(opts.overrides, questions, source, name_is_argument=bundled),
        }

    with _RENDER_LOCK:
        try:
            rendered, files = render_files(
                target.template, answers, prepare=prepare, trust=opts.trust, dest=state.path
            )
        except AnswerRejected as exc:
            from mlt.update.check import rejected_by

            # A recorded answer failed: name every rejected one at once (not the -d ones).
            others = []
            if exc.key not in opts.overrides:
                given = {**answers, **opts.overrides}
                found = rejected_by(target.template, given, state.path)
                others = [k for k in found if k not in opts.overrides]
            fixed = exc.with_fix(others)
            choices = (asked.get(exc.key or "") or {}).get("choices")
            # Named once: not when the error already lists them, nor beside other keys.
            if (
                fixed.hint
                and isinstance(choices, (list, dict))
                and "choose one of" not in fixed.message
                and fixed.hint.count("-d ") == 1
            ):
                fixed.hint += f" (one of: {', '.join(str(c) for c in choices)})"
            raise fixed from exc.__cause__
    new_prov = Provenance(
        source=prov.source,
        version=rendered.version,
        answers=rendered.answers,
        commit=rendered.commit,
        template_branch=prov.template_branch,
        format=prov.format,
        directory=prov.directory,
    )
    files[PROVENANCE_FILE] = Blob(0o100644, new_prov.dumps().encode())
    message = f"Template {rendered.version}"
    commit = commit_files(state.path, files, message, parents, ident)
    return commit, rendered.version, (rendered.skip_if_exists, rendered.skip_if_deleted)


def _fill(result: R.UpdateResult, outcome: MergeOutcome) -> None:
    result.files = outcome.files
    if result.status != R.DRY_RUN:
        result.status = R.CONFLICTED if outcome.conflicts else R.UPDATED


@locked
def continue_update(path: Path, trust: bool = False) -> R.UpdateResult:
    """Finish a conflicted update once the user resolved and `git add`-ed the files."""
    from mlt.update.check import conflict_marker_files
    from mlt.update.hooks import COMMIT_HOOKS, refusal

    path = path.absolute()
    recover_interrupted(path)
    state = inspect_repo(path)
    if not state.merging:
        raise MltError("no update in progress: nothing to continue")
    unmerged = sorted(set(split_lines(git("diff", "--name-only", "--diff-filter=U", cwd=path))))
    if unmerged:
        raise MltError(
            f"{len(unmerged)} file(s) still unmerged: {', '.join(unmerged)}",
            hint="edit them, `git add` them, then `mlt update --continue`",
            exit_code=3,
        )
    staged = split_lines(git("diff", "--cached", "--name-only", "--diff-filter=AM", cwd=path))
    marked = conflict_marker_files(path, staged)
    if marked:
        raise MltError(f"conflict markers left in: {', '.join(marked)}", exit_code=3)
    # The version before the update: what copier's "after" migrations count from.
    before = Provenance.loads(git("show", f"HEAD:{PROVENANCE_FILE}", cwd=path)).version
    with interrupts.held():
        committed = run_git("commit", "-q", "--no-edit", cwd=path, env=identity_env(path))
        if committed.rc != 0:
            error = refusal(path, state.git_dir, committed, COMMIT_HOOKS)
            error.message = error.message.replace("nothing was changed", "still unresolved")
            error.hint = "fix what it reports, then `mlt update --continue` again"
            raise error
        recover(path, state.git_dir)  # the template branch records the committed update
    prov = Provenance.read(path)
    result = R.UpdateResult(
        str(path), R.UPDATED, version_from=before, version_to=prov.version, branch=state.branch
    )
    result.commit = git("rev-parse", "HEAD", cwd=path)
    ref = None if prov.bundled_type else (prov.commit or prov.version)
    template = TemplateSource.from_provenance_source(prov.source, ref)
    result.messages += run_or_skip_tasks(template, path, trust)
    result.messages += after_migrations(template, path, trust, before, prov.version)
    return result


def split_lines(text: str) -> list[str]:
    """Non-empty lines."""
    return [line for line in text.splitlines() if line]
