"""The option sets the template tests render, and the file set each one must produce."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

# Owned by the delivery (CI/deploy) templates, not by the project-content templates.
DELIVERY_GLOBS = ("Jenkinsfile*", ".github/*", ".gitlab-ci.yml*", "deploy/*")

COMMON = {
    ".dockerignore",
    ".gitignore",
    ".hadolint.yaml",
    ".pre-commit-config.yaml",
    "Dockerfile",
    "LICENSE",
    "Makefile",
    "README.md",
    "certs/README.md",
    "pyproject.toml",
    "renovate.json",
}

PER_TYPE = {
    "service": {
        "scripts/loadtest.py",
        "src/{pkg}/__init__.py",
        "src/{pkg}/__main__.py",
        "src/{pkg}/app.py",
        "src/{pkg}/batching.py",
        "src/{pkg}/device.py",
        "src/{pkg}/errors.py",
        "src/{pkg}/lifecycle.py",
        "src/{pkg}/metrics.py",
        "src/{pkg}/model.py",
        "src/{pkg}/schemas.py",
        "src/{pkg}/server.py",
        "src/{pkg}/settings.py",
        "src/{pkg}/weights.json",
        "tests/conftest.py",
        "tests/test_api.py",
        "tests/test_batching.py",
        "tests/test_device.py",
        "tests/test_loadtest.py",
        "tests/test_model.py",
        "tests/test_server.py",
        "tests/test_settings.py",
    },
    "batch-job": {
        "config.yaml",
        "data/transactions.csv",
        "src/{pkg}/__init__.py",
        "src/{pkg}/__main__.py",
        "src/{pkg}/batches.py",
        "src/{pkg}/checks.py",
        "src/{pkg}/cli.py",
        "src/{pkg}/config.py",
        "src/{pkg}/device.py",
        "src/{pkg}/features.py",
        "src/{pkg}/job.py",
        "src/{pkg}/manifest.py",
        "src/{pkg}/shard.py",
        "src/{pkg}/storage.py",
        "src/{pkg}/tables.py",
        "tests/conftest.py",
        "tests/test_batches.py",
        "tests/test_cli.py",
        "tests/test_config.py",
        "tests/test_device.py",
        "tests/test_features.py",
        "tests/test_job.py",
        "tests/test_shard.py",
        "tests/test_storage.py",
    },
    "library": {
        "CHANGELOG.md",
        "mkdocs.yml",
        "docs/api.md",
        "docs/changelog.md",
        "docs/index.md",
        "src/{pkg}/__init__.py",
        "src/{pkg}/metrics.py",
        "src/{pkg}/py.typed",
        "tests/test_metrics.py",
        "tests/test_release.py",
    },
}

# Files that exist only for some answers: (type, predicate on answers, files).
CONDITIONAL = [
    (
        "library",
        lambda a: a["framework"] != "none",
        {"src/{pkg}/tensors.py", "tests/test_tensors.py"},
    ),
]


@dataclass(frozen=True)
class Case:
    """One render: a template type and the answers that differ from the defaults."""

    type: str
    name: str
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.type}-{self.name}"

    def full_answers(self) -> dict[str, Any]:
        """Answers with the defaults the rules below depend on filled in."""
        answers = {
            "project_name": f"{self.type}-{self.name}".replace("_", "-"),
            "framework": "none",
            "gpu": False,
            "python_version": "3.11",
            "license": "Apache-2.0",
            "ci": "jenkins",
            **self.answers,
        }
        answers.setdefault("package_name", answers["project_name"].replace("-", "_"))
        return answers

    def expected_files(self) -> set[str]:
        """The exact set of non-delivery files this render must produce."""
        answers = self.full_answers()
        files = COMMON | PER_TYPE[self.type]
        for kind, applies, extra in CONDITIONAL:
            if kind == self.type and applies(answers):
                files |= extra
        return {f.format(pkg=answers["package_name"]) for f in files}


def expected_base_image(answers: dict[str, Any]) -> str:
    """The base image answered, else the copier.yml default restated."""
    if "base_image" in answers:
        return answers["base_image"]
    if not answers["gpu"]:
        return "cpu"
    return {"pytorch": "pytorch", "tensorflow": "tensorflow"}.get(
        answers["framework"], "cuda-runtime"
    )


def is_delivery(path: str) -> bool:
    """Whether a rendered path belongs to the delivery templates."""
    return any(fnmatch.fnmatch(path, glob) for glob in DELIVERY_GLOBS)


# Pruned matrix: every type × framework, both gpu values, every ci value, python version and
# license at least once, plus a long package name (line-length sensitive code).
OPTION_SETS = {
    "defaults": {},
    "torch-gpu": {
        "framework": "pytorch",
        "gpu": True,
        "ci": "github",
        "python_version": "3.10",
        "license": "MIT",
    },
    "tf-cpu": {
        "framework": "tensorflow",
        "ci": "gitlab",
        "python_version": "3.12",
        "license": "Proprietary",
    },
    "tf-gpu": {"framework": "tensorflow", "gpu": True, "ci": "none"},
    "cuda-none": {
        "gpu": True,
        "ci": "none",
        "python_version": "3.12",
        "project_name": "a-rather-long-project-name-for-line-lengths",
    },
    "torch-cpu": {"framework": "pytorch", "python_version": "3.12", "base_image": "pytorch"},
}

TYPES = ("service", "batch-job", "library")
CASES = [Case(t, name, answers) for t in TYPES for name, answers in OPTION_SETS.items()] + [
    # The shared RWX volume instead of object storage, with a cron shortcut and 4 shards.
    Case(
        "batch-job",
        "volume",
        {"k8s_storage": "volume", "job_completions": 4, "schedule": "@hourly"},
    ),
]
