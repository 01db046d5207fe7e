"""The three types share one question block (templates/_shared); each adds its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlt.cli import app
from mlt.errors import UsageError
from mlt.scaffold.project_type import bundled_questions
from mlt.scaffold.render import render_template
from mlt.template.source import TemplateSource

TYPE_SPECIFIC = {
    "batch-job": {
        "delivers",
        "job_completions",
        "job_parallelism",
        "schedule",
        "k8s_storage",
        "k8s_output_uri",
    },
    "service": {"delivers", "port", "min_replicas", "max_replicas", "target_requests_per_second"},
    "library": {"delivers"},
}


def questions(project_type: str) -> dict:
    return bundled_questions(project_type)


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


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_name": "Bad_Name"}, "project_name must be lowercase"),
        ({"project_name": "ok", "author_email": "nobody"}, "author_email must look like"),
        (
            {"project_name": "ok", "framework": "pytorch", "gpu": True, "base_image": "tensorflow"},
            "framework=pytorch cannot use the tensorflow base image",
        ),
        ({"project_name": "ok", "package_name": "class"}, "must not be a Python keyword"),
        ({"project_name": "ok", "base_image_tag": "not a tag!"}, "base_image_tag must be an"),
        ({"project_name": "ok", "image_registry": "Bad Registry"}, "image_registry must be a"),
        ({"project_name": "ok", "base_image_registry": "a/B c"}, "base_image_registry must be"),
        ({"project_name": "ok", "mlt_spec": "mlt"}, "mlt_spec must pin mlt"),
        ({"project_name": "ok", "mlt_spec": "mlt @ git+https://x/mlt"}, "mlt_spec must pin"),
        (
            {"project_name": "ok", "gpu": True, "gpu_node_selector": "gpu"},
            "gpu_node_selector must be one Kubernetes label",
        ),
        (
            {"project_name": "ok", "framework": "pytorch", "torch_index_url": "pytorch.org"},
            "torch_index_url must be an http",
        ),
    ],
)
def test_validators(tmp_path: Path, answers, message):
    with pytest.raises(UsageError, match=message):
        render_template(TemplateSource.bundled("library"), tmp_path / "x", answers)


@pytest.mark.parametrize(
    "answers",
    [
        {"mlt_spec": "mlt==0.1.0"},
        {"mlt_spec": "mlt @ git+https://github.com/mlt-dev/mlt@0123abc"},
        {"mlt_spec": "mlt @ https://pypi.internal/mlt-0.1.0-py3-none-any.whl"},
        {"image_registry": "localhost:5000/team_a/ml", "base_image_tag": "2026.11-cu12.6_b1"},
        {"package_name": "match"},  # a soft keyword imports fine
        {"gpu": True, "gpu_node_selector": "cloud.google.com/gke-accelerator=nvidia-l4"},
    ],
)
def test_good_answers_pass_the_validators(tmp_path: Path, answers):
    render_template(
        TemplateSource.bundled("library"), tmp_path / "x", {"project_name": "ok", **answers}
    )


# mlt's own checks (scaffold/answers.py) word these before any render, at new and update.
BAD_D = [
    ("package_name=class", "error: invalid package_name 'class': a Python keyword cannot be "
     "imported as a package"),
    ("base_image_tag=not a tag!", "error: invalid base_image_tag 'not a tag!': expected an image "
     "tag: letters, digits, '_', '.', '-'"),
    ("image_registry=Bad Registry", "error: invalid image_registry 'Bad Registry': expected a "
     "lowercase registry host with an optional path, no spaces (e.g. ghcr.io/acme/ml)"),
]  # fmt: skip


@pytest.mark.parametrize(("pair", "message"), BAD_D, ids=[p for p, _ in BAD_D])
def test_mlt_new_refuses_bad_answers_in_one_line(tmp_path: Path, runner, pair, message):
    out = tmp_path / "out"
    result = runner.invoke(app, ["new", "service", "svc", "-o", str(out), "--defaults", "-d", pair])
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert not out.exists()


def test_mlt_new_words_a_template_validator_in_one_line(tmp_path: Path, runner):
    result = runner.invoke(
        app,
        ["new", "library", "lib", "-o", str(tmp_path / "o"), "--defaults", "-d", "mlt_spec=mlt"],
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: invalid mlt_spec 'mlt': mlt_spec must pin mlt")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("pair", "message"), BAD_D, ids=[p for p, _ in BAD_D])
def test_mlt_update_refuses_bad_answers_in_one_line(tmp_path: Path, runner, pair, message):
    made = runner.invoke(app, ["new", "library", "lib", "-o", str(tmp_path), "--defaults"])
    assert made.exit_code == 0, made.output
    child = tmp_path / "lib"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=child, capture_output=True, text=True, check=True
    ).stdout
    result = runner.invoke(app, ["update", str(child), "-d", pair])
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    after = subprocess.run(["git", "rev-parse", "HEAD"], cwd=child, capture_output=True, text=True)
    assert after.stdout == head


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


def test_the_templates_own_mlt_spec_default_is_the_mlt_that_ships_it():
    """A bare `copier copy` (no mlt to answer mlt_spec) pins the mlt release the template
    ships in: never a URL of a repository that does not exist."""
    from importlib.metadata import version

    default = bundled_questions("service")["mlt_spec"]["default"]
    assert default == f"mlt=={version('mlt')}"
