"""Where a child project came from: template source, version and answers (`.mlt.yaml`).

`mlt new` writes it into the first (pristine) render; `mlt update` rewrites it in every new
pristine render, so the merge carries it along like any other template file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import MltError

PROVENANCE_FILE = ".mlt.yaml"
SCHEMA = "mlt.provenance/1"
# Every pristine template render is committed on this branch of the child (like nf-core's
# TEMPLATE branch), so the 3-way merge base is always in the child's own history, offline.
TEMPLATE_BRANCH = "mlt/template"
BUNDLED_PREFIX = "bundled:"


_RESTORE_HINT = f"restore it from git: `git checkout HEAD -- {PROVENANCE_FILE}`"


def _field_error(where: str, field_name: str, expected: str) -> MltError:
    return MltError(f"{where}: field '{field_name}' must be {expected}", hint=_RESTORE_HINT)


@dataclass
class Provenance:
    """The record of a child's template."""

    source: str  # "bundled:<type>", a local path, or a git URL
    version: str  # template version: bundled template version, or git tag / commit
    answers: dict[str, Any] = field(default_factory=dict)
    commit: str | None = None  # resolved git commit of an external template
    template_branch: str = TEMPLATE_BRANCH
    format: str = "copier"  # the template's tool: "copier" or "cookiecutter"
    directory: str | None = None  # the template's folder inside its repository

    @property
    def bundled_type(self) -> str | None:
        """The bundled project type ('service', ...) or None for an external template."""
        if self.source.startswith(BUNDLED_PREFIX):
            return self.source[len(BUNDLED_PREFIX) :]
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML/JSON."""
        template: dict[str, Any] = {
            "source": self.source,
            "version": self.version,
            "commit": self.commit,
            "branch": self.template_branch,
        }
        # Only when not the default, so copier children's files stay as they were.
        if self.format != "copier":
            template["format"] = self.format
        if self.directory:
            template["directory"] = self.directory
        return {
            "schema": SCHEMA,
            "template": template,
            "answers": dict(sorted(self.answers.items())),
        }

    def dumps(self) -> str:
        """YAML text, with a header telling people not to edit it by hand."""
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.default_flow_style = False
        buffer = io.StringIO()
        buffer.write(
            "# Written by mlt. Change answers with `mlt update -d KEY=VALUE`, not by hand.\n"
        )
        yaml.dump(self.to_dict(), buffer)
        return buffer.getvalue()

    def write(self, project_dir: Path) -> Path:
        """Write `.mlt.yaml` into project_dir and return its path."""
        path = project_dir / PROVENANCE_FILE
        path.write_text(self.dumps(), encoding="utf-8")
        return path

    @classmethod
    def loads(cls, text: str, where: str = PROVENANCE_FILE) -> Provenance:
        """Parse `.mlt.yaml` text; MltError names what is wrong."""
        from ruamel.yaml import YAML, YAMLError

        try:
            data = YAML(typ="safe").load(text)
        except YAMLError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
            raise MltError(f"{where} is not valid YAML: {first}", hint=_RESTORE_HINT) from None
        if data is None:
            message = f"{where} is empty, so it is not an mlt provenance file"
            raise MltError(message, hint=_RESTORE_HINT)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            found = data.get("schema") if isinstance(data, dict) else None
            what = f"schema {found!r}, " if found else ""
            raise MltError(
                f"{where} is not an mlt provenance file ({what}expected schema {SCHEMA})",
                hint=_RESTORE_HINT,
            )
        template = data.get("template")
        if not isinstance(template, dict):
            raise _field_error(where, "template", "a mapping (source, version, commit, branch)")
        for key in ("source", "version"):
            if template.get(key) is None:
                raise MltError(f"{where}: field 'template.{key}' is missing", hint=_RESTORE_HINT)
            if not isinstance(template[key], (str, int, float)) or template[key] == "":
                raise _field_error(where, f"template.{key}", "a non-empty string")
        for key in ("commit", "branch"):
            if template.get(key) is not None and not isinstance(template[key], str):
                raise _field_error(where, f"template.{key}", "a string")
        answers = data.get("answers")
        if answers is None:
            answers = {}
        if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
            raise _field_error(where, "answers", "a mapping of question names to values")
        return cls(
            source=str(template["source"]),
            version=str(template["version"]),
            commit=template.get("commit"),
            template_branch=str(template.get("branch") or TEMPLATE_BRANCH),
            answers=dict(answers),
            format=str(template.get("format") or "copier"),
            directory=template.get("directory") or None,
        )

    @classmethod
    def read(cls, project_dir: Path) -> Provenance:
        """Read `.mlt.yaml` from project_dir."""
        path = project_dir / PROVENANCE_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise MltError(
                f"{project_dir} has no {PROVENANCE_FILE}: it was not made by `mlt new`"
            ) from None
        except UnicodeDecodeError as exc:
            raise MltError(
                f"{path} is not UTF-8 text (byte {exc.start})", hint=_RESTORE_HINT
            ) from None
        except OSError as exc:
            raise MltError(f"cannot read {path}: {exc.strerror or exc}") from None
        return cls.loads(text, str(path))
