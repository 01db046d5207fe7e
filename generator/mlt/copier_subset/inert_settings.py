"""copier.yml settings that change nothing in a fresh, quiet, task-free render.

`fast_render` reproduces copier's `run_copy` into an empty folder with `quiet=True` and
`skip_tasks=True`. In that run copier only *checks* these settings; what they do happens
elsewhere (update, prompts, tasks), so a template using them can stay on the fast path as
long as the same checks pass (see copier's `_template.Template` and `_main.Worker`):

- `_min_copier_version`: copier refuses to render when the installed copier is older; so
  does this check (the render then goes to copier, which refuses in its own words).
- `_skip_if_exists`: patterns consulted only when a rendered file already exists, which it
  never does here; `mlt update` applies them to the merge (`update/skipped.py`).
- `_tasks`, `_migrations`: never run by a render (tasks run after a merge, with --trust).
- `_message_*`: printed only when not quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGES = frozenset(
    f"message_{when}_{op}" for when in ("before", "after") for op in ("copy", "update")
)
INERT = frozenset({"min_copier_version", "skip_if_exists", "tasks", "migrations"} | MESSAGES)


def check_inert(settings: Mapping[str, Any], unsupported: type[Exception]) -> None:
    """Raise `unsupported` where copier would act on (or choke on) one of these settings."""
    if "min_copier_version" in settings:
        _check_min_version(settings["min_copier_version"], unsupported)
    skip = settings.get("skip_if_exists", [])
    if not isinstance(skip, list) or not all(isinstance(p, str) for p in skip):
        raise unsupported("_skip_if_exists that is not a list of strings")
    for key in MESSAGES & set(settings):
        if not isinstance(settings[key], str):
            raise unsupported(f"_{key} that is not a string")


def installed_copier_version() -> Any:
    """copier's version from its package metadata: importing copier is what we avoid."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    try:
        return Version(version("copier"))
    except PackageNotFoundError:
        return None


def _check_min_version(value: Any, unsupported: type[Exception]) -> None:
    from packaging.version import InvalidVersion, Version

    if not isinstance(value, str):
        raise unsupported("_min_copier_version that is not a string")
    try:
        wanted = Version(value)
    except InvalidVersion as exc:
        raise unsupported(f"_min_copier_version {value!r}") from exc
    installed = installed_copier_version()
    if installed is None or installed == Version("0.0.0") or installed < wanted:
        raise unsupported(f"_min_copier_version {value}: copier decides")
