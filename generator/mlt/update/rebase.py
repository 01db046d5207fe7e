"""`mlt update --rebase-template`: rebuild a damaged `mlt/template` from the recorded version.

The project's `.mlt.yaml` says which template version and answers it was last merged with.
That version is rendered again as a fresh root commit (the new pristine history), and the
current branch records it as merged with `git merge -s ours` (one commit, files untouched),
so the next update's merge base is that render again. Journaled like an update.
"""

from __future__ import annotations

from pathlib import Path

from mlt import interrupts
from mlt.errors import MltError
from mlt.gitops import identity, run_git
from mlt.provenance import TEMPLATE_BRANCH, Provenance
from mlt.template.source import TemplateSource
from mlt.template.versions import same_version
from mlt.update import result as R
from mlt.update.engine import UpdateOptions, commit_render, recover_interrupted, undo
from mlt.update.hooks import MERGE_HOOKS, refusal
from mlt.update.journal import Journal, move_ref
from mlt.update.repo import TEMPLATE_REF, ensure_clean, inspect_repo
from mlt.update.repo_lock import locked
from mlt.update.target import Target


@locked
def rebase_template(path: Path) -> R.UpdateResult:
    """Re-render the recorded version onto a fresh template branch and anchor it in HEAD."""
    path = path.absolute()
    messages = recover_interrupted(path)
    state = inspect_repo(path)
    prov = Provenance.read(path)
    ensure_clean(state)
    if prov.bundled_type:
        template = TemplateSource.bundled(prov.bundled_type)
        installed = template.bundled_version()
        if not same_version(installed, prov.version):
            raise MltError(
                f"this project records template {prov.version}, but the installed "
                f"{prov.bundled_type} template is {installed}: mlt cannot render {prov.version}",
                hint=f"run it with the mlt release that ships {prov.bundled_type} {prov.version}",
            )
    else:
        template = TemplateSource.from_provenance_source(prov.source, prov.commit or prov.version)
    ident = identity(path)
    target = Target(template, prov.version)
    anchor, version, _ = commit_render(
        state, prov, target, prov.answers, UpdateOptions(), [], ident
    )
    journal = Journal(
        TEMPLATE_REF,
        state.local_template,
        anchor,
        state.head,
        state.head,
        state.branch,
        merged=anchor,
    )
    message = f"Re-anchor {TEMPLATE_BRANCH} at a fresh render of template {version}"
    with interrupts.held():
        journal.write(state.git_dir)
        try:
            move_ref(path, TEMPLATE_REF, anchor, state.local_template, f"mlt: {message}")
            merged = run_git(
                "merge",
                "-q",
                "-s",
                "ours",
                "--no-ff",
                "--allow-unrelated-histories",
                "--no-edit",
                "-m",
                message,
                anchor,
                cwd=path,
                env=ident.env,
            )
            if merged.rc != 0:
                if (state.git_dir / "MERGE_HEAD").is_file():
                    raise refusal(path, state.git_dir, merged, MERGE_HOOKS)
                raise MltError(f"git refused the merge: {merged.last_error}")
        except BaseException:
            undo(path, state.git_dir, anchor)
            raise
        Journal.clear(state.git_dir)
    result = R.UpdateResult(str(path), R.REBUILT, prov.version, version, branch=state.branch)
    result.commit = run_git("rev-parse", "HEAD", cwd=path).out.strip()
    result.messages = messages
    return result
