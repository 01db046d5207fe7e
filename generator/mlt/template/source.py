"""Where a template comes from: bundled with mlt, a local directory or a git URL, at a ref.

`TemplateSource` is what every template operation takes (render, migrations, tasks, update
targets, adopt); it knows how to find the template again from the `source` string recorded in
`.mlt.yaml`, and reads a local git template's files at its ref once for all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt import resources
from mlt.copier_subset import git_checkout
from mlt.copier_subset.errors import Unsupported
from mlt.copier_subset.git_checkout import GitCheckout
from mlt.copier_subset.source_tree import SourceTree
from mlt.errors import MltError, UsageError
from mlt.provenance import BUNDLED_PREFIX
from mlt.template import org
from mlt.template.meta import TEMPLATE_META, meta_version

COPIER_CONFIGS = ("copier.yml", "copier.yaml")
UNVERSIONED = "unversioned"

# Anything copier or git accepts as a remote template (copier's own `get_repo` prefixes).
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|gh:|gl:)", re.IGNORECASE)


def is_remote(source: str) -> bool:
    """A git URL (copier's own prefixes), not a local path."""
    return bool(_REMOTE.match(source))


@dataclass
class TemplateSource:
    """A resolved template: where copier reads it from and what version it is."""

    source: str  # what goes into provenance: "bundled:<type>", a path or a git URL
    path: str  # what copier is given
    ref: str | None = None  # git ref for external templates
    bundled_type: str | None = None
    # Cookiecutter templates (issue 15) are rendered by mlt.scaffold.cookiecutter_render.
    format: str = "copier"  # or "cookiecutter"
    directory: str | None = None  # the template's folder inside the repository
    trust: bool = False  # cookiecutter hooks and local extensions may run
    skip_hooks: bool = False  # render a cookiecutter template without its hooks
    # The bundled template's `project_type` answer: given with every render, never recorded
    # (`bundled:<type>` says it). None for a template of one type (see scaffold.project_type).
    type_answer: str | None = None
    # git_checkout.read_local's result (or the Unsupported it raised), read once
    _git_files: Any = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def bundled(cls, project_type: str) -> TemplateSource:
        """The bundled template for a project type ('batch-job', 'service', 'library'), or
        ('template') the bundled template itself, as an organisation's template derives it."""
        if project_type == org.DERIVED_TYPE:
            root = resources.templates_dir()
            if not resources.is_one_template(root):
                raise MltError(f"the bundled template is missing at {root}")
            source = cls(org.SOURCE, str(root), None, project_type)
            source.format = org.FORMAT
            return source
        if project_type not in resources.PROJECT_TYPES:
            valid = ", ".join(resources.PROJECT_TYPES)
            raise UsageError(f"unknown project type '{project_type}' (valid: {valid})")
        path = resources.template_dir(project_type)
        if not (path / "copier.yml").is_file():
            raise MltError(f"bundled template '{project_type}' is missing at {path}")
        source = cls(BUNDLED_PREFIX + project_type, str(path), None, project_type)
        if resources.is_one_template(path):
            source.type_answer = project_type  # the answer to its `project_type` question
        return source

    @classmethod
    def external(cls, source: str, ref: str | None = None) -> TemplateSource:
        """Any copier template: a local directory (recorded absolute) or a git URL."""
        if _REMOTE.match(source):
            return cls(source, source, ref)
        path = Path(source).expanduser()
        if not path.is_dir():
            raise UsageError(f"template {source} is not a readable directory")
        if not any((path / name).is_file() for name in COPIER_CONFIGS):
            raise UsageError(f"template {source} is not a copier template (no copier.yml)")
        # Absolute, so `mlt update` finds it again from inside the child project.
        resolved = str(path.resolve())
        return cls(resolved, resolved, ref)

    @classmethod
    def from_provenance_source(cls, source: str, ref: str | None = None) -> TemplateSource:
        """Resolve the `source` string recorded in `.mlt.yaml`."""
        if source.startswith(BUNDLED_PREFIX):
            return cls.bundled(source[len(BUNDLED_PREFIX) :])
        return cls(source, source, ref)

    def git_files(self) -> tuple[GitCheckout, SourceTree]:
        """The files of `ref` in this local git template (`git_checkout.read_local`), read
        once: an update's migrations, render and tasks all come from the same read.
        Raises copier_subset.errors.Unsupported where only copier's clone would do."""
        if self._git_files is None:
            if self.ref is None or _REMOTE.match(self.path):
                self._git_files = Unsupported(f"{self.path}: a URL or no ref")
            else:
                try:
                    self._git_files = git_checkout.read_local(self.path, self.ref)
                except Unsupported as exc:
                    self._git_files = exc
        if isinstance(self._git_files, Exception):
            raise self._git_files
        return self._git_files

    def bundled_version(self) -> str:
        """Version of a bundled template, from its mlt-template.yml."""
        version = meta_version(Path(self.path))
        if version is None:
            raise MltError(f"cannot read {Path(self.path) / TEMPLATE_META}")
        return version
