"""The git side of a fleet run: clone, find the merged template base, commit markers, push.

Forge tokens reach git only through a credential helper that reads an environment variable
of the git process: never a URL, never the clone's config, never a command line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mlt.gitops import GitError, git, run_git
from mlt.provenance import TEMPLATE_BRANCH

TEMPLATE_REF = f"refs/heads/{TEMPLATE_BRANCH}"
_TOKEN_VAR = "MLT_FLEET_GIT_TOKEN"
# Asked only after the user's own helpers (they come first in git's list): a machine with
# working credentials keeps using them.
_HELPER = (
    f'!f() {{ test "$1" = get && test -n "${_TOKEN_VAR}" && '
    'echo "username=${MLT_FLEET_GIT_USER:-x-access-token}" && '
    f'echo "password=${_TOKEN_VAR}"; }}; f'
)


class GitAuth:
    """Credentials for one forge host: `args` go before the git verb, `env` into its process."""

    def __init__(self, token: str | None = None, username: str | None = None) -> None:
        self.args: tuple[str, ...] = ("-c", f"credential.helper={_HELPER}") if token else ()
        self.env: dict[str, str] = {}
        if token:
            self.env[_TOKEN_VAR] = token
            if username:
                self.env["MLT_FLEET_GIT_USER"] = username


def fresh_clone(url: str, dest: Path, auth: GitAuth) -> Path:
    """Clone `url` into an empty `dest` (the previous run's clone is replaced)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    run = run_git(
        *auth.args, "clone", "-q", "--no-tags", url, str(dest), cwd=dest.parent, env=auth.env
    )
    if run.rc != 0:
        shutil.rmtree(dest, ignore_errors=True)
        raise GitError(f"cannot clone: {run.last_error}")
    return dest


def merged_base(path: Path) -> str | None:
    """The newest pristine template commit already merged into HEAD.

    `mlt/template` (local or origin's) may lag behind (the update PR was merged on the forge,
    the branch never moved) or run ahead (an update PR still open). The pristine renders form
    a chain, each the only parent of the next, so walk it from the branch's tip-merge-base
    towards HEAD: the last link HEAD contains is the base the next update must use.
    """
    tip = _template_tip(path)
    if tip is None:
        return None
    start = git("merge-base", "HEAD", tip, cwd=path, check=False)
    if not start:
        return None
    listing = git("rev-list", "--parents", "--ancestry-path", f"{start}..HEAD", cwd=path)
    children: dict[str, list[str]] = {}
    for line in listing.splitlines():
        commit, *parents = line.split()
        if len(parents) == 1:
            children.setdefault(parents[0], []).append(commit)
    base = start
    while True:
        nxt = [c for c in children.get(base, []) if _is_pristine(path, c)]
        if not nxt:
            return base
        base = nxt[0]


def _template_tip(path: Path) -> str | None:
    for ref in (TEMPLATE_REF, f"refs/remotes/origin/{TEMPLATE_BRANCH}"):
        sha = git("rev-parse", "-q", "--verify", f"{ref}^{{commit}}", cwd=path, check=False)
        if sha:
            return sha
    return None


def _is_pristine(path: Path, commit: str) -> bool:
    # mlt's pristine renders say "Template <version>" and hold .mlt.yaml at the root; the
    # update's "Template render without the files this project deleted" is not one of them.
    subject = git("log", "-1", "--format=%s", commit, cwd=path)
    if not subject.startswith("Template ") or subject.startswith("Template render without"):
        return False
    return run_git("cat-file", "-e", f"{commit}:.mlt.yaml", cwd=path).rc == 0


def set_template_branch(path: Path, commit: str) -> None:
    """Point the local template branch at `commit` (a fleet clone's base)."""
    git("update-ref", TEMPLATE_REF, commit, cwd=path)


def commit_conflicts(path: Path, message: str) -> str:
    """Commit a conflicted merge with its markers, for a draft PR the team resolves there.

    Hooks are skipped on purpose: a pre-commit marker check would refuse exactly this commit.
    The update already moved the template branch to its render; its journal is settled here
    as `mlt update --continue` settles it.
    """
    from mlt.update.journal import recover

    git("add", "-A", cwd=path)
    git("commit", "-q", "--no-verify", "-m", message, cwd=path)
    recover(path, Path(git("rev-parse", "--absolute-git-dir", cwd=path)))
    return git("rev-parse", "HEAD", cwd=path)


def remote_sha(path: Path, branch: str) -> str | None:
    """origin's tip of `branch` as this clone last saw it."""
    ref = f"refs/remotes/origin/{branch}"
    return git("rev-parse", "-q", "--verify", ref, cwd=path, check=False) or None


def same_content(path: Path, ours: str, theirs: str | None, onto: str) -> bool:
    """True when the pushed branch already holds this update: same files, built on `onto`.

    Conflict markers name the merged render's commit, which a re-render makes anew: lines of
    markers alone do not make two conflicted updates different.
    """
    if not theirs:
        return False
    markers = "^(<<<<<<<|>>>>>>>)( |$)"
    if run_git("diff", "--quiet", "-I", markers, theirs, ours, cwd=path).rc != 0:
        return False
    return run_git("merge-base", "--is-ancestor", onto, theirs, cwd=path).rc == 0


def push(path: Path, branch: str, expected: str | None, auth: GitAuth) -> None:
    """Push `branch` to origin, overwriting only the tip this run saw (force-with-lease)."""
    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    run = run_git(
        *auth.args,
        "push",
        "-q",
        "--no-verify",
        lease,
        "origin",
        f"refs/heads/{branch}:refs/heads/{branch}",
        cwd=path,
        env=auth.env,
    )
    if run.rc != 0:
        raise GitError(f"push of {branch} refused: {run.last_error}")


def push_template_base(path: Path, base: str, auth: GitAuth) -> None:
    """Fast-forward origin's template branch to a base the default branch has merged."""
    remote = remote_sha(path, TEMPLATE_BRANCH)
    if remote == base:
        return
    if remote and run_git("merge-base", "--is-ancestor", remote, base, cwd=path).rc != 0:
        return  # origin's branch is not behind this base; leave it for a human
    run_git(
        *auth.args,
        "push",
        "-q",
        "--no-verify",
        "origin",
        f"{base}:{TEMPLATE_REF}",
        cwd=path,
        env=auth.env,
    )
