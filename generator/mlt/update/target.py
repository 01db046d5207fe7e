"""Which template version an update goes to, and what answers it renders with."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from mlt.errors import MltError, UsageError
from mlt.gitops import git, run_git
from mlt.kv_pairs import parse_pairs
from mlt.provenance import PROVENANCE_FILE, Provenance
from mlt.template.source import TemplateSource, is_remote
from mlt.template.versions import newest_tag, parse_version


@dataclass
class Target:
    """The template to render: its source object and the version we expect it to have."""

    template: TemplateSource
    version: str | None  # None when --ref names a branch/commit: known after the render
    note: str | None = None  # an untagged template followed on its branch says so


REPOINT_HINT = "if the template moved, re-point this project: mlt update --template NEW_SRC"


def check_source(prov: Provenance) -> None:
    """A local template recorded in .mlt.yaml must still be there: say where it was and how
    to re-point the child, instead of copier's 'local template must be a directory'."""
    if prov.bundled_type or is_remote(prov.source):
        return
    if not Path(prov.source).is_dir():
        raise MltError(
            f"template {prov.source} (recorded in {PROVENANCE_FILE}) is not there any more",
            hint=REPOINT_HINT,
        )


def repoint(prov: Provenance, source: str) -> Provenance:
    """The provenance with its template source replaced (`mlt update --template`): a local
    path is checked and recorded absolute, like `mlt new --template` records it."""
    new = TemplateSource.external(source)
    return dataclasses.replace(prov, source=new.source, commit=None)


def remote_tags(source: str, cwd: Path) -> list[str]:
    """Tag names of a git template (local path or URL), with one git process."""
    if (Path(source) / ".git").exists():
        # A local work tree lists its own tags (ls-remote would spawn upload-pack too).
        local = run_git("-C", source, "for-each-ref", "--format=%(refname)", "refs/tags", cwd=cwd)
        if local.rc == 0:
            return [r.removeprefix("refs/tags/") for r in local.out.splitlines() if r]
    out = git("ls-remote", "--tags", "--refs", source, cwd=cwd)
    return [line.split("refs/tags/", 1)[1] for line in out.splitlines() if "refs/tags/" in line]


def latest_version(prov: Provenance, cwd: Path) -> str:
    """Newest available template version: the installed bundled one, or the newest tag (a
    template without version tags: its default branch's tip commit, see untagged.py)."""
    return latest_with_note(prov, cwd)[0]


def latest_with_note(prov: Provenance, cwd: Path) -> tuple[str, str | None]:
    """`latest_version`, and the note saying an untagged template is followed on its branch."""
    if prov.bundled_type:
        return TemplateSource.bundled(prov.bundled_type).bundled_version(), None
    check_source(prov)
    tag = newest_tag(remote_tags(prov.source, cwd))
    if tag is not None:
        return tag, None
    from mlt.update.untagged import default_branch_tip, is_recorded

    tip = default_branch_tip(prov.source, cwd)
    if tip is None:
        raise MltError(
            f"template {prov.source} has no version tags and no default branch",
            hint="tag template releases (v1.0.0, ...) or pass --ref",
        )
    # Recorded already: its recorded version, so that "up to date" compares equal.
    return (prov.version if is_recorded(prov, tip.commit) else tip.commit), tip.note(prov.source)


def resolve_target(prov: Provenance, ref: str | None, cwd: Path) -> Target:
    """The template source at the version to update to."""
    if prov.bundled_type:
        if ref:
            raise UsageError(
                "--ref applies to git templates; bundled templates follow mlt's version"
            )
        template = TemplateSource.bundled(prov.bundled_type)
        return Target(template, template.bundled_version())
    check_source(prov)
    tag, note = (ref, None) if ref else latest_with_note(prov, cwd)
    if note and tag == prov.version:  # untagged, and its branch tip is the recorded commit
        ref_to = prov.commit or prov.version
        template = TemplateSource.from_provenance_source(prov.source, ref_to)
        template.format, template.directory = prov.format, prov.directory
        return Target(template, prov.version, note)
    template = TemplateSource.from_provenance_source(prov.source, tag)
    template.format, template.directory = prov.format, prov.directory
    return Target(template, tag if parse_version(tag) else None, note)


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`-d KEY=VALUE` pairs → {KEY: VALUE}; typed against the template's questions later."""
    return parse_pairs(pairs, "-d")
