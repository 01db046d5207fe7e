"""Which project a command means: like git, mlt finds the root from any folder inside it.

`mlt update` from `src/` used to read `src/.mlt.yaml` and say the project "was not made by
`mlt new`". The project root is the nearest folder at or above the given one that holds
`.mlt.yaml`, looking no higher than the repository root (the first folder with `.git`). The
root is returned absolute, so every command prints the same folder the same way.
"""

from __future__ import annotations

from pathlib import Path

from mlt.provenance import PROVENANCE_FILE


def find_project_root(path: Path) -> Path:
    """The project folder `path` is in (absolute); `path` itself when none is found."""
    start = path.absolute()
    for folder in (start, *start.parents):
        if (folder / PROVENANCE_FILE).is_file():
            return folder
        if (folder / ".git").exists():
            break  # the repository's root: a project never starts above it
    return start
