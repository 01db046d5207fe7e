"""PEP 440-ish template versions: `v2`, `2.0.0`, `release-1.3` all compare as versions."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_PREFIX = re.compile(r"^(?:v|version[-_]?|release[-_]?)", re.IGNORECASE)


def parse_version(text: str | None) -> Version | None:
    """The Version of a tag or recorded version, or None when it is not one."""
    if not text:
        return None
    try:
        return Version(_PREFIX.sub("", text.strip()))
    except InvalidVersion:
        return None


def same_version(a: str | None, b: str | None) -> bool:
    """True when a and b name the same version (`v2` == `2.0`), else plain string equality."""
    va, vb = parse_version(a), parse_version(b)
    if va is not None and vb is not None:
        return va == vb
    return a == b


def newest_tag(tags: list[str], prereleases: bool = False) -> str | None:
    """The tag with the highest version; tags that are not versions are ignored."""
    best: tuple[Version, str] | None = None
    for tag in tags:
        version = parse_version(tag)
        if version is None or (version.is_prerelease and not prereleases):
            continue
        if best is None or version > best[0]:
            best = (version, tag)
    return best[1] if best else None


def is_newer(candidate: str | None, current: str | None) -> bool:
    """True when candidate is a strictly higher version than current (unknowns: differ)."""
    vc, vk = parse_version(candidate), parse_version(current)
    if vc is not None and vk is not None:
        return vc > vk
    return candidate != current
