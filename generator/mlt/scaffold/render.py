"""Render a template (bundled or any copier template) into a directory.

The one place that calls copier, used by `mlt new` and by `mlt update` (for the pristine
render of the target version). Template tasks never run here: renders are side-effect free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt import resources
from mlt.errors import MltError, UsageError
from mlt.provenance import BUNDLED_PREFIX

TEMPLATE_META = "mlt-template.yml"


@dataclass
class TemplateSource:
    """A resolved template: where copier reads it from and what version it is."""

    source: str  # what goes into provenance: "bundled:<type>", a path or a git URL
    path: str  # what copier is given
    ref: str | None = None  # git ref for external templates
    bundled_type: str | None = None

    @classmethod
    def bundled(cls, project_type: str) -> TemplateSource:
        """The bundled template for a project type ('batch-job', 'service', 'library')."""
        if project_type not in resources.PROJECT_TYPES:
            valid = ", ".join(resources.PROJECT_TYPES)
            raise UsageError(f"unknown project type '{project_type}' (valid: {valid})")
        path = resources.template_dir(project_type)
        if not (path / "copier.yml").is_file():
            raise MltError(f"bundled template '{project_type}' is missing at {path}")
        return cls(BUNDLED_PREFIX + project_type, str(path), None, project_type)

    @classmethod
    def from_provenance_source(cls, source: str, ref: str | None = None) -> TemplateSource:
        """Resolve the `source` string recorded in `.mlt.yaml`."""
        if source.startswith(BUNDLED_PREFIX):
            return cls.bundled(source[len(BUNDLED_PREFIX) :])
        return cls(source, source, ref)

    def bundled_version(self) -> str:
        """Version of a bundled template, from its mlt-template.yml."""
        from ruamel.yaml import YAML

        meta = Path(self.path) / TEMPLATE_META
        try:
            data = YAML(typ="safe").load(meta.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise MltError(f"cannot read {meta}: {exc}") from exc
        return str(data.get("version", "0.0.0"))


@dataclass
class RenderResult:
    """What a render produced."""

    answers: dict[str, Any]  # the answers worth recording (no copier-private keys)
    version: str  # bundled template version, git tag, or commit
    commit: str | None = None  # resolved commit of a git template
    files: list[str] = field(default_factory=list)


def render_template(
    template: TemplateSource,
    dest: Path,
    answers: dict[str, Any],
    *,
    defaults: bool = True,
    interactive: bool = False,
) -> RenderResult:
    """Render `template` into `dest` (which must not hold anything yet) with `answers`.

    With defaults=True nothing is asked; unanswered questions take their defaults.
    """
    import copier
    from copier.errors import CopierError

    try:
        worker = copier.run_copy(
            template.path,
            dest,
            data=answers,
            vcs_ref=template.ref,
            defaults=defaults or not interactive,
            quiet=True,
            unsafe=False,
            skip_tasks=True,
            overwrite=True,
            cleanup_on_error=True,
        )
    except CopierError as exc:
        raise MltError(f"template {template.source} failed to render: {exc}") from exc
    except ValueError as exc:  # copier raises ValueError for validator failures
        raise UsageError(str(exc).strip().splitlines()[0]) from exc
    recorded = {
        k: v for k, v in worker._answers_to_remember().items() if not k.startswith("_")
    }
    if template.bundled_type:
        version, commit = template.bundled_version(), None
    else:
        version = str(worker.template.version or worker.template.commit or template.ref or "HEAD")
        commit = worker.template.commit_hash
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    return RenderResult(answers=recorded, version=version, commit=commit, files=files)
