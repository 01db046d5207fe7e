"""Sanity of what `.mlt.yaml` records, before anything compares or renders with it.

A hand-edited or damaged `.mlt.yaml` used to surface far from its cause: `source:
bundled:nope` read like a wrong command-line argument, and a bundled `version: 9.9.9` made
`mlt check` say "up to date" while `mlt update` refused, and a recorded answer that is not
one of its question's choices went unnoticed by `mlt check`. Each is one error naming the
field, with the restore hint the other `.mlt.yaml` errors give.
"""

from __future__ import annotations

from mlt import resources
from mlt.errors import MltError
from mlt.provenance import PROVENANCE_FILE, Provenance
from mlt.template import org

RESTORE_HINT = f"restore it from git: `git checkout HEAD -- {PROVENANCE_FILE}`"


def check_recorded(prov: Provenance) -> None:
    """Refuse a bundled source mlt does not ship, or a version newer than the installed one."""
    kind = prov.bundled_type
    if kind is None:
        return
    if kind not in (*resources.PROJECT_TYPES, org.DERIVED_TYPE):
        raise MltError(
            f"{PROVENANCE_FILE}: template.source '{prov.source}' names no bundled template "
            f"(mlt ships: {', '.join('bundled:' + t for t in resources.PROJECT_TYPES)})",
            hint=RESTORE_HINT,
        )
    from mlt.template.source import TemplateSource
    from mlt.template.versions import is_newer, parse_version

    installed = TemplateSource.bundled(kind).bundled_version()
    if parse_version(prov.version) is None or is_newer(prov.version, installed):
        raise MltError(
            f"{PROVENANCE_FILE}: template.version {prov.version} is not a {kind} template "
            f"version this mlt knows (it ships {installed})",
            hint=f"{RESTORE_HINT}, or upgrade mlt if a newer one made this project",
        )


def check_recorded_choices(prov: Provenance) -> None:
    """A bundled child's recorded answers must be among their questions' choices (the
    installed template's `copier.yml`; a question it no longer asks is not checked)."""
    kind = prov.bundled_type
    if kind is None or kind not in resources.PROJECT_TYPES:
        return
    from mlt.scaffold.project_type import bundled_questions

    try:
        questions = bundled_questions(kind)
    except (OSError, ValueError):
        return  # the render reports an unreadable template properly
    for key, value in prov.answers.items():
        details = questions.get(key)
        choices = details.get("choices") if isinstance(details, dict) else None
        if isinstance(choices, dict):
            choices = list(choices.values())
        if (
            isinstance(choices, list)
            and value not in choices
            and str(value) not in map(str, choices)
        ):
            options = ", ".join(str(c) for c in choices)
            raise MltError(
                f"{PROVENANCE_FILE}: answers.{key} is {value!r}, not one of its choices "
                f"({options})",
                hint=f"{RESTORE_HINT}, or set a valid one: mlt update -d {key}=VALUE",
            )
