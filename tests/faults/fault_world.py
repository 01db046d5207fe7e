"""The world of the fault tests: a tiny bundled template at three versions, two children.

Commit dates are fixed, so an interrupted-then-recovered update must reach byte-identical
commits (same shas) as an uninterrupted one.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.faults.fault_kit import snapshot
from tests.support.git import git

README = "# {{ project_name }}\n\n{{ greeting }}\n\nUsage: run it.\n"
GUIDE = "".join(f"Guide line {i}.\n" for i in range(12))


def _template(version: str, readme: str, guide: str, changelog: str | None) -> dict[str, str]:
    files = {
        "copier.yml": (
            "_subdirectory: project\n"
            "project_name:\n  type: str\n"
            "greeting:\n  type: str\n  default: hello\n"
        ),
        "mlt-template.yml": f"version: {version}\nmigrations: []\n",
        "project/README.md.jinja": readme,
        "project/docs/guide.md": guide,
        "project/config.yaml": "name: demo\nlevel: 1\n",
    }
    if changelog:
        files["project/CHANGELOG.md"] = changelog
    return files


VERSIONS = {
    "v1": _template("1.0.0", README, GUIDE, None),
    "v2": _template(
        "2.0.0",
        README.replace("{{ greeting }}\n", "{{ greeting }}, world\n"),
        GUIDE.replace("line 11.", "line 11 (v2)."),
        "## 2.0.0\n",
    ),
    "v3": _template(
        "3.0.0",
        README.replace("{{ greeting }}\n", "{{ greeting }}, world\n") + "\nMore: docs.\n",
        GUIDE.replace("line 11.", "line 11 (v2).").replace("line 0.", "line 0 (v3)."),
        "## 3.0.0\n\n## 2.0.0\n",
    ),
}
# What the user resolves the README conflict of the conflicting child to.
RESOLVED_README = "# demo\n\nhello there, world\n\nUsage: run it.\n"


@dataclass
class World:
    """Template roots per version, base children per kind, and the environment."""

    root: Path
    env: dict[str, str]
    templates: dict[str, Path]
    children: dict[str, Path]

    def use(self, version: str) -> None:
        """Point MLT_TEMPLATES_DIR (for this process and children) at one version."""
        os.environ["MLT_TEMPLATES_DIR"] = str(self.templates[version])

    def copy_child(self, kind: str, dest: Path) -> Path:
        shutil.copytree(self.children[kind], dest, symlinks=True)
        return dest


def _env(root: Path) -> dict[str, str]:
    home = root / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = {
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "MLT_CACHE_DIR": str(home / "cache"),
        "GIT_AUTHOR_DATE": "2026-01-01T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T12:00:00Z",
    }
    for who in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{who}_NAME"] = "Tester"
        env[f"GIT_{who}_EMAIL"] = "tester@example.com"
    return env


def build_world(root: Path) -> World:
    """Templates v1-v3 and the two base children (made by `mlt new` from v1, then edited)."""
    from mlt.scaffold.new import NewRequest, create_project

    env = _env(root)
    templates = {}
    for version, files in VERSIONS.items():
        for rel, text in files.items():
            path = root / "templates" / version / "library" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        templates[version] = root / "templates" / version
    saved = dict(os.environ)
    os.environ.update(env)
    os.environ["MLT_TEMPLATES_DIR"] = str(templates["v1"])
    try:
        children = {}
        for kind in ("clean", "conflict"):
            made = create_project(NewRequest("library", "demo", root / kind)).path
            git(made, "rm", "-q", "docs/guide.md")  # deleted on purpose: must stay deleted
            (made / "notes.txt").write_text("my notes\n")
            if kind == "conflict":
                readme = made / "README.md"
                readme.write_text(readme.read_text().replace("hello\n", "hello there\n"))
            git(made, "add", "-A")
            git(made, "commit", "-q", "-m", "local work")
            children[kind] = made
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return World(root, env, templates, children)


@dataclass
class Expected:
    """Snapshots of an uninterrupted run: before, after the update, resolved, later update."""

    before: dict
    after: dict
    resolved: dict
    later: dict
    calls: list[str]


def uninterrupted(world: World, kind: str, where: Path, calls: list[str]) -> Expected:
    from mlt.update import continue_update, update_project

    child = world.copy_child(kind, where)
    before = snapshot(child)
    world.use("v2")
    update_project(child)
    after = snapshot(child)
    resolve(child, kind)
    if kind == "conflict":
        continue_update(child)
    resolved = snapshot(child)
    world.use("v3")
    update_project(child)
    return Expected(before, after, resolved, snapshot(child), calls)


def resolve(child: Path, kind: str) -> None:
    """What the user does about the conflict (nothing for a clean child)."""
    if kind == "conflict":
        (child / "README.md").write_text(RESOLVED_README)
        git(child, "add", "README.md")
