"""What a repository already says about its template: cruft's `.cruft.json` or copier's
answers file (`.copier-answers.yml`, or a template's own name such as
`.copier-answers.autopretty.yml`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import MltError, UsageError

CRUFT_FILE = ".cruft.json"
COPIER_ANSWERS_GLOB = ".copier-answers*.y*ml"


@dataclass
class Recorded:
    """A template link found in the repository (or given on the command line)."""

    source: str | None
    ref: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    directory: str | None = None
    found_in: str | None = None  # the file it was read from; None: the command line


def read_recorded(repo: Path) -> Recorded | None:
    """The cruft or copier record of `repo`, or None when it has neither."""
    cruft = repo / CRUFT_FILE
    if cruft.is_file():
        return _read_cruft(cruft)
    answers = sorted(p for p in repo.glob(COPIER_ANSWERS_GLOB) if p.is_file())
    if len(answers) > 1:
        names = ", ".join(p.name for p in answers)
        raise UsageError(
            f"{repo} has several copier answers files ({names}): pick one template",
            hint="pass --template SRC --ref REF; the answers are read from the file of SRC",
        )
    return _read_copier(answers[0]) if answers else None


def _read_cruft(path: Path) -> Recorded:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        context = data["context"]["cookiecutter"]
        source = str(data["template"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MltError(f"{path} is not a readable cruft file: {exc}") from None
    answers = {k: v for k, v in dict(context).items() if not str(k).startswith("_")}
    ref = data.get("commit") or data.get("checkout")
    return Recorded(source, ref, answers, data.get("directory") or None, path.name)


def _read_copier(path: Path) -> Recorded:
    from ruamel.yaml import YAML, YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except (OSError, YAMLError) as exc:
        raise MltError(f"{path} is not a readable copier answers file: {exc}") from None
    if not isinstance(data, dict):
        raise MltError(f"{path} is not a copier answers file (not a mapping)")
    answers = {k: v for k, v in data.items() if not str(k).startswith("_")}
    src = data.get("_src_path")
    return Recorded(str(src) if src else None, data.get("_commit"), answers, None, path.name)
