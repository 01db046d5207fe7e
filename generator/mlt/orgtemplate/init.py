"""`mlt template init DIR`: a git repository holding the organisation's template."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import UsageError
from mlt.kv_pairs import as_text
from mlt.template.org import DERIVED_TYPE, SOURCE
from mlt.template.source import TemplateSource


@dataclass
class InitResult:
    """What `mlt template init` made."""

    path: Path
    version: str  # the bundled template version it derives from
    answers: dict[str, Any]
    commit: str
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": SOURCE,
            "version": self.version,
            "answers": self.answers,
            "commit": self.commit,
            "files": self.files,
        }


def read_data_file(path: Path) -> dict[str, str]:
    """A YAML (or JSON) mapping of answers, as copier's --data-file, values as `-d` text."""
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"data file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read data file {path}: {exc}") from None
    except YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "parse error"
        raise UsageError(f"data file {path} is not valid YAML: {first}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"data file {path} must be a mapping of question names to answers")
    for key, value in data.items():
        if not isinstance(value, (str, int, float, bool)):
            raise UsageError(f"data file {path}: answer '{key}' must be a string, number or bool")
    return {key: as_text(value) for key, value in data.items()}


def check_answers(answers: Mapping[str, Any], root: Path | None = None) -> None:
    """Refuse answers the bundled template would refuse, as `mlt new` does: mlt's own checks,
    then a render of every type with them (copier's validators, via the fast renderer)."""
    import tempfile

    from mlt import resources
    from mlt.scaffold.answers import check_values
    from mlt.scaffold.derive import NOT_DEFAULTS
    from mlt.scaffold.render import render_files

    check_values(answers)
    given = {k: v for k, v in answers.items() if k not in NOT_DEFAULTS}
    with tempfile.TemporaryDirectory(prefix="mlt-derive-") as tmp:
        for kind in resources.PROJECT_TYPES:
            source = TemplateSource.bundled(kind)
            if root is not None and Path(source.path).resolve() != root.resolve():
                source.path = str(root)
            render_files(source, {"project_name": "org-check", **given}, dest=Path(tmp) / "c")


def init_template(directory: Path, raw: dict[str, str]) -> InitResult:
    """Make `directory` the organisation's template, with `raw` answers as its defaults."""
    from mlt.install_spec import running_spec
    from mlt.provenance import Provenance
    from mlt.scaffold.answers import coerce_answers
    from mlt.scaffold.derive import derived_files, settable
    from mlt.scaffold.new import record_and_commit
    from mlt.scaffold.staging import check_target, staged_directory

    for key in ("project_name", "project_type"):
        if key in raw:
            raise UsageError(f"{key} is chosen for each project (mlt new TYPE NAME), not here")
    # abspath, not resolve(): normalise `..` but keep the symlinks the user chose.
    target = Path(os.path.abspath(directory.expanduser()))  # noqa: PTH100 - see above
    check_target(target)
    template = TemplateSource.bundled(DERIVED_TYPE)
    answers = coerce_answers(raw, settable(), "bundled template", name_is_argument=True)
    # The template's own mlt_spec default cannot know where this organisation installs mlt.
    answers.setdefault("mlt_spec", running_spec())
    check_answers(answers)
    files = derived_files(answers)
    version = template.bundled_version()
    with staged_directory(target) as staging:
        for rel, blob in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob.data)
            path.chmod(blob.mode & 0o777)
        # The first commit is the pristine "render" that main and mlt/template share, in the
        # words `mlt update` recognises as one (update.integrity).
        commit = record_and_commit(staging, Provenance(SOURCE, version, answers), True) or ""
    return InitResult(target, version, answers, commit, sorted([*files, ".mlt.yaml"]))
