"""copier's `_migrations`: commands a template runs when an update crosses its version.

Like `_tasks` they are the template's code, so they run only with `--trust` (a warning names
them otherwise). Semantics of copier 9 (`Template.migration_tasks`): a migration with a
`version` runs when `from < version <= to`; one without runs on every update; `when`
defaults to `{{ _stage == "after" }}`; the legacy form lists `before:` / `after:` commands.
Commands see the answers plus `_stage`, `_version_from`, `_version_to` and
`_version_current`. "before" migrations run in the child before the merge (their changes
are committed first, so the merge starts from a clean tree); "after" ones after a clean merge.
"""

from __future__ import annotations

from typing import Any

from mlt.template.meta import read_template_meta
from mlt.template.source import TemplateSource
from mlt.template.versions import parse_version

STAGES = ("before", "after")


def copier_migrations(
    template: TemplateSource, version_from: str, version_to: str | None, stage: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """[(task, extra context)] of `stage` for an update from → to (empty when unknown)."""
    from mlt.copier_subset.config_include import own_settings

    text = read_template_meta(template, "copier.yml") or read_template_meta(template, "copier.yaml")
    config = own_settings(text) if text else None  # every document, as copier merges them
    raw = (config or {}).get("_migrations") if isinstance(config, dict) else None
    old, new = parse_version(version_from), parse_version(version_to)
    if not raw or old is None or new is None:
        return []
    extra = {
        "_stage": stage,
        "_version_from": version_from,
        "_version_to": version_to,
        "_version_pep440_from": str(old),
        "_version_pep440_to": str(new),
    }
    found = []
    for migration in raw:
        if isinstance(migration, dict) and ("before" in migration or "after" in migration):
            current = parse_version(str(migration.get("version", "")))
            if current is None or not new >= current > old:
                continue
            here = {**extra, "_version_current": str(migration["version"])}
            found += [({"command": cmd}, here) for cmd in migration.get(stage) or []]
            continue
        default_when = '{{ _stage == "after" }}'
        if not isinstance(migration, dict):
            found.append(({"command": migration, "when": default_when}, extra))
            continue
        here = dict(extra)
        if "version" in migration:
            current = parse_version(str(migration["version"]))
            if current is None or not new >= current > old:
                continue
            here["_version_current"] = str(migration["version"])
        task = {"when": default_when, **migration}
        found.append((task, here))
    return found
