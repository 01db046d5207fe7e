"""The delivery option matrix (type x CI system x GPU), shared by the delivery tests and the
copier-subset parity tests (tests/scaffold/test_fastrender.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
