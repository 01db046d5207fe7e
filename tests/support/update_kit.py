"""Builders for update tests: template repos with tagged versions, children made by `mlt new`."""

from __future__ import annotations

import shutil
from pathlib import Path

from mlt.scaffold.new import NewRequest, create_project
from tests.support.git import git
from tests.support.templates import NAME_AND_FRAMEWORK
from tests.support.trees import write_tree

PNG = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + bytes(range(256))

COPIER_YML = (
    "_subdirectory: project\n_answers_file: .copier-answers.yml\n"
    + NAME_AND_FRAMEWORK
    + "greeting:\n  type: str\n  default: hello\n"
)

APP = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(8))

V1: dict[str, str | bytes] = {
    "copier.yml": COPIER_YML,
    "project/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    "project/README.md.jinja": "# {{ project_name }}\n\n{{ greeting }}\n\nUsage: run it.\n",
    "project/src/app.py": APP,
    "project/config.yaml": "name: demo\nlevel: 1\nretries: 3\n",
    "project/docs/guide.md": "".join(f"Guide line {i}.\n" for i in range(12)),
    "project/old.txt": "obsolete\n",
    "project/logo.png": PNG,
    "project/{% if framework == 'pytorch' %}train.py{% endif %}.jinja": "import torch\n",
}


class TemplateRepo:
    """A copier template in a local git repo; each release is a commit plus a tag."""

    def __init__(self, root: Path, files: dict[str, str | bytes | None], tag: str = "v1"):
        self.root = root
        root.mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        self.release(files, tag)

    def release(self, files: dict[str, str | bytes | None], tag: str) -> None:
        """Change files (None deletes), commit, tag."""
        write_tree(self.root, files)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", f"release {tag}")
        git(self.root, "tag", tag)

    def rename(self, old: str, new: str) -> None:
        """Rename a template file (staged; the next release commits it)."""
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        git(self.root, "mv", old, new)


def v2_changes(root: Path) -> dict[str, str | bytes | None]:
    """The standard v1 → v2 change: modified, added, deleted, renamed+edited, binary changed."""
    guide = (root / "project/docs/guide.md").read_text()
    return {
        "project/README.md.jinja": (
            "# {{ project_name }} (v2)\n\n{{ greeting }}\n\nUsage: run it.\n"
        ),
        "project/src/app.py": APP.replace("return 7", "return 70"),
        "project/CHANGELOG.md": "## v2\n",
        "project/old.txt": None,
        "project/logo.png": PNG[::-1],
        "project/docs/handbook.md": guide.replace("Guide line 11.", "Guide line 11 (v2)."),
        "project/docs/guide.md": None,
    }


def make_child(
    parent: Path,
    name: str,
    template: str | None = None,
    ref: str | None = None,
    project_type: str = "tiny",
    data: dict[str, str] | None = None,
) -> Path:
    """A child exactly as `mlt new` makes it (one commit on main and mlt/template)."""
    project = create_project(
        NewRequest(project_type, name, parent, dict(data or {}), template=template, ref=ref)
    )
    return project.path


def refs(repo: Path) -> str:
    """All refs with their targets (to prove nothing moved)."""
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)") + git(
        repo, "symbolic-ref", "HEAD"
    )


def copy_bundled(dest: Path, project_type: str = "service") -> Path:
    """Copy the real bundled templates to dest (for MLT_TEMPLATES_DIR); returns the type's dir."""
    from mlt import resources

    shutil.copytree(resources.templates_dir(), dest)
    return dest / project_type.replace("-", "_")
