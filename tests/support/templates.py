"""Tiny copier templates, as {path: content} for `trees.write_tree`."""

from __future__ import annotations

from pathlib import Path

from tests.support.git import IDENTITY_FLAGS, git
from tests.support.trees import write_tree

# The questions every tiny template asks.
TINY_QUESTIONS = (
    "_subdirectory: project\nproject_name:\n  type: str\ngreeting:\n  type: str\n  default: hello\n"
)

# project_name and a framework choice, as the update tests' templates ask them.
NAME_AND_FRAMEWORK = (
    "project_name:\n  type: str\n"
    "framework:\n  type: str\n  choices: [none, pytorch]\n  default: none\n"
)

# A template with a validated int answer (mlt new's answer checks).
TINY_TEMPLATE = {
    "copier.yml": TINY_QUESTIONS
    + (
        "replicas:\n  type: int\n  default: 1\n"
        '  validator: "{% if replicas > 5 %}replicas must be at most 5{% endif %}"\n'
    ),
    "project/README.md.jinja": "# {{ project_name }}\n{{ greeting }} x{{ replicas }}\n",
}

# A stand-in for a bundled template (mlt-template.yml holds its version).
TINY_BUNDLED = {
    "copier.yml": TINY_QUESTIONS,
    "mlt-template.yml": "version: 1.0.0\nmigrations: []\n",
    "project/README.md.jinja": "# {{ project_name }}\n\n{{ greeting }}\n",
    "project/docs/guide.md": "".join(f"Guide line {i}.\n" for i in range(12)),
}


def tagged_template(root: Path) -> Path:
    """TINY_TEMPLATE in a local git repo at root: tag v1, then a v2 that adds a CHANGELOG."""
    write_tree(root, TINY_TEMPLATE)
    flags = (*IDENTITY_FLAGS, "-c", "commit.gpgsign=false")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, *flags, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    write_tree(root, {"project/CHANGELOG.md": "v2\n"})
    git(root, "add", "-A")
    git(root, *flags, "commit", "-q", "-m", "v2")
    git(root, "tag", "v2")
    return root
