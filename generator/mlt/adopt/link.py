"""Link an existing repository to a template version without changing its files.

The pristine render of the adopted version becomes a root commit on `mlt/template` (the
merge base of the next `mlt update`); the current branch gets one commit that adds
`.mlt.yaml` and has that render as its second parent, so git sees every template file as
already merged: the team's files are "ours", and an update brings only what the template
changed after the adopted version.

Nothing moves until every object exists: a failure (or Ctrl-C) before the two ref updates
at the end leaves the repository as it was, apart from unreferenced objects.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.adopt.existing import Recorded, read_recorded
from mlt.adopt.guess import Guess, best_guess, guess_versions
from mlt.adopt.pristine import Asker, TemplateRef, locate
from mlt.copier_subset.source_tree import Blob
from mlt.errors import MltError, UsageError
from mlt.gitops import Identity, commit_files, git, identity, run_git
from mlt.kv_pairs import parse_pairs
from mlt.provenance import PROVENANCE_FILE, Provenance
from mlt.scaffold import cookiecutter_render as cc
from mlt.update import result as R
from mlt.update.repo import TEMPLATE_REF, RepoState, ensure_clean, inspect_repo
from mlt.update.repo_lock import locked

ADOPTED, DRY_RUN = "adopted", "dry-run"


@dataclass
class AdoptOptions:
    """What the user asked for."""

    template: str | None = None
    ref: str | None = None
    data: list[str] = field(default_factory=list)  # raw -d KEY=VALUE pairs
    directory: str | None = None
    dry_run: bool = False
    guess_ref: bool = False
    trust: bool = False
    skip_hooks: bool = False
    ask: Asker | None = None  # asks for answers the records lack (a terminal); None: defaults


@dataclass
class AdoptResult:
    """What `mlt adopt` did (or, with --dry-run, would do)."""

    path: str
    status: str
    source: str | None = None
    format: str | None = None
    version: str | None = None
    read_from: str | None = None  # .cruft.json / .copier-answers.yml / None (command line)
    answers: dict[str, Any] = field(default_factory=dict)
    edited: list[str] = field(default_factory=list)  # template files the repo changed
    deleted: list[str] = field(default_factory=list)  # template files the repo lacks
    own_files: int = 0  # files in the repo the template does not make
    guesses: list[Guess] = field(default_factory=list)
    commit: str | None = None  # the link commit on the current branch
    next_version: str | None = None  # --dry-run: what `mlt update` would go to
    next_files: list[R.FileOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """0 adopted (or would be), 1 error."""
        return 1 if self.error else 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        data = dataclasses.asdict(self)
        data["exit_code"] = self.exit_code
        return data


@locked  # it moves mlt/template and commits: never beside an update of the same repository
def adopt_project(path: Path, opts: AdoptOptions) -> AdoptResult:
    """Link the repository at `path`; MltError on bad input, with the repository untouched."""
    if opts.guess_ref and opts.ref:
        raise UsageError("--guess-ref picks the version itself: leave out --ref")
    path = path.absolute()
    state = inspect_repo(path)
    if (path / PROVENANCE_FILE).exists():
        raise MltError(
            f"{path} already has {PROVENANCE_FILE}: it is linked to a template",
            hint="`mlt update` brings the template's changes",
        )
    ensure_clean(state)
    recorded = _recorded(path, opts)
    where = recorded.found_in or "--template"
    assert recorded.source is not None
    ref = opts.ref or recorded.ref
    directory = opts.directory or recorded.directory
    source, fmt = locate(recorded.source, ref, directory, where)
    template = TemplateRef(
        source,
        fmt,
        directory,
        recorded.answers,
        parse_pairs(opts.data, "-d") if opts.data else {},
        opts.trust,
        opts.skip_hooks,
        opts.ask,
    )
    ident = identity(path)
    result = AdoptResult(str(path), DRY_RUN if opts.dry_run else ADOPTED, source, fmt)
    result.read_from = recorded.found_in
    if opts.guess_ref:
        result.guesses = guess_versions(path, state.head, template, ident)
        ref = best_guess(result.guesses, source).ref
    if ref is None:
        raise UsageError(
            f"which version of {source} was {path.name} made from?",
            hint="pass --ref REF, or --guess-ref to compare the repository with each tag",
        )
    rendered, files = template.render(ref)
    prov = Provenance(
        source=source,
        version=rendered.version,
        answers=rendered.answers,
        commit=rendered.commit,
        format=fmt,
        directory=template.directory,
    )
    files[PROVENANCE_FILE] = _blob(prov.dumps().encode())
    answers_file = recorded.found_in
    if fmt == cc.COPIER and answers_file in files and (path / answers_file).is_file():
        # The repo's own answers file differs from a fresh render only in what copier
        # recorded about the copy (`_src_path` as typed back then); taking it as the base
        # lets the next update rewrite it cleanly instead of reporting a conflict.
        files[answers_file] = _blob((path / answers_file).read_bytes())
    base = commit_files(path, files, f"Template {rendered.version} (adopted)", [], ident)
    link = _link_commit(state, prov, base, ident)
    result.version, result.answers = rendered.version, rendered.answers
    _compare(result, path, base, link)
    if opts.dry_run:
        _next_update(result, state, template, prov, base, link, ident)
        return result
    # The base first: a repo with mlt/template but no .mlt.yaml can be adopted again.
    git("update-ref", TEMPLATE_REF, base, cwd=path)
    moved = run_git("merge", "--ff-only", "-q", link, cwd=path)
    if moved.rc != 0:
        git("update-ref", "-d", TEMPLATE_REF, cwd=path)
        raise MltError(f"git refused to add {PROVENANCE_FILE}: {moved.last_error}")
    result.commit = link
    return result


def _recorded(path: Path, opts: AdoptOptions) -> Recorded:
    """The template link: --template/--ref win over what the repo records; answers from the
    repo's record are kept either way (a moved template keeps its questions)."""
    found = read_recorded(path)
    if opts.template is not None:
        answers = found.answers if found else {}
        ref = opts.ref if opts.ref or found is None else found.ref
        return Recorded(opts.template, ref, answers, opts.directory, None)
    if found is None or not found.source:
        raise UsageError(
            f"{path} has no .cruft.json or .copier-answers.yml to read its template from",
            hint="pass --template SRC (and --ref REF or --guess-ref)",
        )
    local = Path(found.source).expanduser()
    if not cc.is_remote(found.source) and not local.is_absolute():
        # copier records the path as typed: relative to where `copier copy` ran, which is
        # most often the repository's parent folder.
        for near in (path / local, path.parent / local):
            if near.is_dir():
                found.source = str(near.resolve())
                break
    return found


def _blob(data: bytes) -> Blob:
    return Blob(0o100644, data)


def _link_commit(state: RepoState, prov: Provenance, base: str, ident: Identity) -> str:
    """HEAD's tree plus `.mlt.yaml`, with parents HEAD and the pristine base (no ref moves)."""
    repo = state.path
    blob = git("hash-object", "-w", "--stdin", cwd=repo, input=prov.dumps())
    with tempfile.TemporaryDirectory(prefix="mlt-adopt-") as tmp:
        env = {**ident.env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git("read-tree", state.head, cwd=repo, env=env)
        info = f"100644 {blob}\t{PROVENANCE_FILE}\n"
        git("update-index", "--index-info", cwd=repo, env=env, input=info)
        tree = git("write-tree", cwd=repo, env=env)
    message = f"Adopt template {prov.source} {prov.version} (mlt adopt)"
    return git("commit-tree", tree, "-p", state.head, "-p", base, "-m", message, cwd=repo, env=env)


def _compare(result: AdoptResult, repo: Path, base: str, link: str) -> None:
    """How far the repository is from the pristine render: edits, deletions, own files."""
    out = git("diff", "--name-status", "--no-renames", "-z", base, link, cwd=repo)
    parts = [p for p in out.split("\0") if p]
    for status, name in zip(parts[::2], parts[1::2], strict=False):
        if name == PROVENANCE_FILE:
            continue
        if status == "M":
            result.edited.append(name)
        elif status == "D":
            result.deleted.append(name)
        elif status == "A":
            result.own_files += 1


def _next_update(
    result: AdoptResult,
    state: RepoState,
    template: TemplateRef,
    prov: Provenance,
    base: str,
    link: str,
    ident: Identity,
) -> None:
    """--dry-run: what `mlt update` would change right after the adoption (newest tag)."""
    from mlt.template.versions import same_version
    from mlt.update.merge import MergePlan, dry_merge
    from mlt.update.target import latest_version

    latest = latest_version(prov, state.path)
    result.next_version = latest
    if same_version(latest, prov.version):
        return
    rendered, files = template.render(latest)
    new_prov = dataclasses.replace(prov, version=rendered.version, commit=rendered.commit)
    new_prov.answers = rendered.answers
    files[PROVENANCE_FILE] = _blob(new_prov.dumps().encode())
    theirs = commit_files(state.path, files, f"Template {rendered.version}", [base], ident)
    plan = MergePlan(dataclasses.replace(state, head=link), base, theirs, link, "dry run")
    result.next_files = dry_merge(plan).files


def adopt_fleet(entries: list[Any], opts: AdoptOptions) -> list[AdoptResult]:
    """Adopt each local checkout of a fleet file in turn; one failure never stops the rest.

    One at a time: cookiecutter renders change the working directory (hooks run there).
    """
    results = []
    for entry in entries:
        if entry.path is None:
            results.append(AdoptResult(entry.spec, "error", error="adopt needs a local checkout"))
            continue
        try:
            results.append(adopt_project(entry.path, opts))
        except MltError as exc:
            results.append(AdoptResult(str(entry.path), "error", error=exc.message))
    return results
