"""Render each template once per option set and share the renders across the delivery tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

TYPES = ("batch-job", "service", "library")
CI_SYSTEMS = ("jenkins", "github", "gitlab", "none")


@dataclass(frozen=True)
class Case:
    """One point of the option matrix."""

    project_type: str
    ci: str
    gpu: bool

    @property
    def id(self) -> str:
        return f"{self.project_type}-{self.ci}-{'gpu' if self.gpu else 'cpu'}"

    def answers(self) -> dict[str, Any]:
        """Answers for this case. GPU cases also move the other knobs off their defaults,
        so a template that ignores an answer shows up as a mismatch."""
        answers: dict[str, Any] = {
            "project_name": f"demo-{self.project_type}",
            "ci": self.ci,
            "gpu": self.gpu,
        }
        if self.gpu:
            answers |= {
                "framework": "pytorch",
                "gpu_node_selector": "cloud.google.com/gke-accelerator=nvidia-l4",
                "image_registry": "ghcr.io/acme/ml",
                "python_version": "3.12",
            }
        if self.project_type == "batch-job":
            answers |= (
                {"job_completions": 8, "job_parallelism": 3, "schedule": "30 4 * * 1-5"}
                if self.gpu
                else {}
            )
        if self.project_type == "service" and self.gpu:
            answers |= {"port": 8080, "min_replicas": 1, "max_replicas": 4}
        return answers


# Every CI system with and without GPU for every type; 'none' once per type (nothing to vary).
CASES = [Case(t, ci, gpu) for t in TYPES for ci in CI_SYSTEMS[:3] for gpu in (False, True)] + [
    Case(t, "none", False) for t in TYPES
]


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
