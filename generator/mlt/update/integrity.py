"""Is `mlt/template` still the pristine render history mlt made? It is the merge base of every
update, so a forced or merged branch would make an update silently undo the child's edits.

The pristine chain is linear and made only by mlt: its tip has at most one parent, mlt's
subject line, and records a template version no older than the one the child records (a tip
moved back would re-apply changes the child already has). Checked with one `git cat-file`.
"""

from __future__ import annotations

from mlt.errors import MltError
from mlt.gitops import run_git
from mlt.provenance import PROVENANCE_FILE, TEMPLATE_BRANCH, Provenance
from mlt.template.versions import parse_version
from mlt.update.repo import RepoState

# Subjects of the commits mlt writes on the template branch (`mlt new`, `mlt update`,
# migrations, `mlt update --rebase-template`).
PRISTINE_SUBJECTS = ("Template ", "Initial commit from mlt template ")
REPAIR = (
    f"see `git reflog {TEMPLATE_BRANCH}` for where it was, or rebuild it from the recorded "
    "version: `mlt update --rebase-template`"
)


def verify_template_branch(state: RepoState, tip: str, prov: Provenance) -> None:
    """Refuse (one error line and the repair) when the template branch is not pristine."""
    run = run_git("cat-file", "--batch", cwd=state.path, input=f"{tip}\n{tip}:{PROVENANCE_FILE}\n")
    objects = _parse_batch(run.stdout) if run.rc == 0 else []
    if not objects:
        raise MltError(f"cannot read {TEMPLATE_BRANCH} ({tip[:10]})", hint=REPAIR)
    header, _, message = objects[0].partition(b"\n\n")
    parents = sum(line.startswith(b"parent ") for line in header.splitlines())
    subject = message.decode(errors="replace").split("\n", 1)[0]
    why = None
    if parents > 1:
        why = f"its tip {tip[:10]} is a merge ('{subject}')"
    elif not subject.startswith(PRISTINE_SUBJECTS):
        why = f"its tip {tip[:10]} ('{subject}') is not a template render mlt made"
    else:
        recorded = _version(objects[1] if len(objects) > 1 else None)
        if recorded is None:
            why = f"its tip {tip[:10]} has no readable {PROVENANCE_FILE}"
        elif _older(recorded, prov.version):
            why = (
                f"its tip {tip[:10]} renders template {recorded}, older than the "
                f"{prov.version} this project records"
            )
    if why:
        raise MltError(
            f"{TEMPLATE_BRANCH} is not the pristine template history ({why}); "
            "updating from it could undo your changes, so nothing was changed",
            hint=REPAIR,
        )


def _older(tip_version: str, recorded: str) -> bool:
    """The tip renders an older version than the child records (both must be versions: a
    branch or commit ref cannot be ordered, and is not refused)."""
    tip, child = parse_version(tip_version), parse_version(recorded)
    return tip is not None and child is not None and tip < child


def _version(blob: bytes | None) -> str | None:
    if blob is None:
        return None
    try:
        return Provenance.loads(blob.decode("utf-8")).version
    except (MltError, UnicodeDecodeError):
        return None


def _parse_batch(out: bytes) -> list[bytes]:
    """Contents of the objects a `cat-file --batch` printed, up to the first missing one."""
    objects, pos = [], 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        fields = out[pos:end].split()
        if len(fields) != 3:  # "<name> missing"
            break
        size = int(fields[2])
        objects.append(out[end + 1 : end + 1 + size])
        pos = end + 1 + size + 1
    return objects
