"""Which of the repository's hooks (or its commit signing) refused the update's commit.

mlt commits the update with git's own `git merge` / `git commit`, so hooks and
`commit.gpgsign` apply exactly as they do for the user's merges. When git refuses, its exit
code does not say why; this names the culprit for the one `error:` line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mlt.errors import MltError
from mlt.gitops import GitRun, git, run_git

# The hooks each way of committing runs before the commit exists, in git's order.
MERGE_HOOKS = ("pre-merge-commit", "prepare-commit-msg", "commit-msg")
COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")
_SIGNING = ("gpg failed to sign", "failed to sign", "signing failed", "failed to write commit")
_GIT_NOISE = ("Not committing merge", "use 'git commit' to complete")


class CommitRefused(MltError):
    """A hook or the signer refused the update's commit; the update was undone."""


def refusal(repo: Path, git_dir: Path, run: GitRun, hooks: tuple[str, ...]) -> CommitRefused:
    """The error for a refused commit; call it while the merge is still in progress."""
    said = _last_line(run.err)
    if any(marker in run.err for marker in _SIGNING):
        return CommitRefused(
            f"commit signing (commit.gpgsign) failed: {said}; nothing was changed",
            hint="fix the signer (`git commit --allow-empty -S -m test` shows it) and re-run",
        )
    hook = _failing_hook(repo, git_dir, hooks)
    what = f"the {hook} hook" if hook else "a git hook"
    return CommitRefused(
        f"{what} refused the update's commit: {said}; nothing was changed",
        hint="fix what the hook reports and re-run `mlt update`",
    )


def _last_line(err: str) -> str:
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(_GIT_NOISE)]
    return lines[-1] if lines else "no message"


def _failing_hook(repo: Path, git_dir: Path, hooks: tuple[str, ...]) -> str | None:
    """The first of `hooks` that refuses now (re-run against the same merged index)."""
    hooks_dir = Path(git("rev-parse", "--git-path", "hooks", cwd=repo))
    if not hooks_dir.is_absolute():
        hooks_dir = repo / hooks_dir
    present = [h for h in hooks if os.access(hooks_dir / h, os.X_OK)]
    if len(present) <= 1:
        return present[0] if present else None
    message = git_dir / "MLT_HOOK_MSG"
    source = git_dir / "MERGE_MSG"
    try:
        if source.is_file():
            shutil.copyfile(source, message)
        else:
            message.write_text("Update template\n", encoding="utf-8")
        for hook in present:
            args = {"prepare-commit-msg": [str(message), "merge"], "commit-msg": [str(message)]}
            if run_git("hook", "run", hook, "--", *args.get(hook, []), cwd=repo).rc != 0:
                return hook
    finally:
        message.unlink(missing_ok=True)
    return None
