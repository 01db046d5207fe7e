"""Render each template once per option set and share the renders across the delivery tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

from .cases import CASES, CI_SYSTEMS, TYPES, Case

__all__ = [
    "CASES",
    "CI_SYSTEMS",
    "TYPES",
    "Case",
    "Rendered",
]  # the delivery tests import them here


@dataclass
class Rendered:
    """A rendered project and the answers it was rendered with (defaults filled in)."""

    case: Case
    path: Path
    answers: dict[str, Any]


class _Renders:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[Case, Rendered] = {}

    def get(self, case: Case) -> Rendered:
        if case not in self.cache:
            dest = self.root / case.id
            result = render_template(
                TemplateSource.bundled(case.project_type), dest, case.answers()
            )
            self.cache[case] = Rendered(case, dest, result.answers)
        return self.cache[case]


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> _Renders:
    """Lazily rendered projects, one per Case, shared by the whole session."""
    return _Renders(tmp_path_factory.mktemp("delivery"))


@pytest.fixture(params=CASES, ids=lambda case: case.id)
def rendered(request: pytest.FixtureRequest, renders: _Renders) -> Rendered:
    """Every case of the option matrix."""
    return renders.get(request.param)
