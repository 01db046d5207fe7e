"""The three templates share one question block and one set of tooling files; keep them equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mlt import resources
from mlt.errors import UsageError
from mlt.scaffold.render import TemplateSource, render_template

TYPE_SPECIFIC = {
    "batch-job": {
        "job_completions",
        "job_parallelism",
        "schedule",
        "k8s_storage",
        "k8s_output_uri",
    },
    "service": {"port", "min_replicas", "max_replicas"},
    "library": set(),
}
# Tooling files that must be byte-identical in every template (copied, not generated).
SHARED_FILES = (
    ".dockerignore",
    ".gitignore",
    ".hadolint.yaml",
    ".pre-commit-config.yaml",
    "LICENSE.jinja",
    "certs/README.md",
)


def questions(project_type: str) -> dict:
    path = resources.template_dir(project_type) / "copier.yml"
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def shared_block(project_type: str) -> dict:
    data = questions(project_type)
    return {k: v for k, v in data.items() if k not in TYPE_SPECIFIC[project_type]}


def test_shared_questions_are_identical():
    reference = shared_block("library")
    assert "project_name" in reference and "gpu_node_selector" in reference
    for project_type in ("batch-job", "service"):
        assert shared_block(project_type) == reference, project_type


@pytest.mark.parametrize("project_type", sorted(TYPE_SPECIFIC))
def test_type_specific_questions_exist(project_type):
    assert TYPE_SPECIFIC[project_type] <= questions(project_type).keys()


@pytest.mark.parametrize("name", SHARED_FILES)
def test_shared_files_are_identical(name):
    texts = {t: (resources.template_dir(t) / "project" / name).read_bytes() for t in TYPE_SPECIFIC}
    assert len(set(texts.values())) == 1, f"{name} differs between templates"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "Bad_Name"}, "project_name must be lowercase"),
        ({"project_name": "ok", "author_email": "nobody"}, "author_email must look like"),
        (
            {"project_name": "ok", "framework": "pytorch", "gpu": True, "base_image": "tensorflow"},
            "framework=pytorch cannot use the tensorflow base image",
        ),
    ],
)
def test_validators(tmp_path: Path, answers, message):
    with pytest.raises(UsageError, match=message):
        render_template(TemplateSource.bundled("library"), tmp_path / "x", answers)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"schedule": "not a cron"}, "schedule must be a cron expression"),
        ({"schedule": "0 2 * *"}, "schedule must be a cron expression"),
        ({"k8s_output_uri": "outputs/x"}, "k8s_output_uri must be s3://bucket"),
    ],
)
def test_batch_job_validators(tmp_path: Path, answers, message):
    with pytest.raises(UsageError, match=message):
        render_template(
            TemplateSource.bundled("batch-job"), tmp_path / "x", {"project_name": "ok", **answers}
        )


@pytest.mark.parametrize("schedule", ["0 2 * * *", "*/15 1-5 * * MON-FRI", "@daily"])
def test_batch_job_accepts_real_schedules(tmp_path: Path, schedule):
    answers = {"project_name": "ok", "schedule": schedule}
    render_template(TemplateSource.bundled("batch-job"), tmp_path / "x", answers)
    assert schedule in (tmp_path / "x" / "deploy/k8s/cronjob/cronjob.yaml").read_text()
