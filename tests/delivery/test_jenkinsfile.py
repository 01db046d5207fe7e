"""Generated Jenkinsfiles parse (tree-sitter-groovy) and have the stages, agents and guards
the delivery design promises."""

from __future__ import annotations

import re

import pytest

from . import jenkins
from .conftest import CASES, Case, Rendered

JENKINS_CASES = [c for c in CASES if c.ci == "jenkins"]
IMAGE_CASES = [c for c in JENKINS_CASES if c.project_type != "library"]
LIBRARY_CASES = [c for c in JENKINS_CASES if c.project_type == "library"]
CACHE_ENV = {"HOME", "XDG_CACHE_HOME", "UV_CACHE_DIR"}


def _parse(renders, case: Case) -> tuple[Rendered, jenkins.Jenkinsfile]:
    rendered = renders.get(case)
    return rendered, jenkins.parse((rendered.path / "Jenkinsfile").read_text(encoding="utf-8"))


@pytest.fixture(params=JENKINS_CASES, ids=lambda c: c.id)
def parsed(request: pytest.FixtureRequest, renders) -> tuple[Rendered, jenkins.Jenkinsfile]:
    return _parse(renders, request.param)


@pytest.fixture(params=IMAGE_CASES, ids=lambda c: c.id)
def parsed_image(request: pytest.FixtureRequest, renders) -> tuple[Rendered, jenkins.Jenkinsfile]:
    return _parse(renders, request.param)


@pytest.fixture(params=LIBRARY_CASES, ids=lambda c: c.id)
def parsed_library(request: pytest.FixtureRequest, renders) -> tuple[Rendered, jenkins.Jenkinsfile]:
    return _parse(renders, request.param)


def expected_stages(case: Case) -> set[str]:
    names = {"Build", "Test", "Unit tests (CPU)", "Lint", "mlt check"}
    names.add("Publish" if case.project_type == "library" else "Push")
    if case.gpu:
        names.add("GPU tests")
    return names


def test_parses_without_errors(parsed) -> None:
    _, jf = parsed
    assert jf.errors == []


def test_declarative_skeleton(parsed) -> None:
    _, jf = parsed
    pipeline = jf.pipeline()
    top = {call.name: call for call in pipeline.children}
    assert top["agent"].args == ["none"]
    options = {call.name for call in top["options"].children}
    assert {"timeout", "buildDiscarder", "disableConcurrentBuilds"} <= options


def test_stage_names(parsed) -> None:
    rendered, jf = parsed
    assert set(jf.stages()) == expected_stages(rendered.case)


def test_tests_run_in_parallel(parsed) -> None:
    rendered, jf = parsed
    (parallel,) = jf.stages()["Test"].find("parallel")
    inner = {call.args[0] for call in parallel.find("stage")}
    assert inner == expected_stages(rendered.case) - {"Build", "Test", "Push", "Publish"}


def test_gpu_label_and_args_iff_gpu(parsed) -> None:
    rendered, jf = parsed
    labels = jf.root.strings("label")
    assert ("gpu" in labels) == rendered.case.gpu
    if rendered.case.gpu:
        gpu = jf.stages()["GPU tests"]
        (docker,) = gpu.find("docker")
        assert docker.strings("label") == ["gpu"]
        (args,) = docker.strings("args")
        assert "--gpus all" in args and "--shm-size=" in args
        # The pipeline tests in the curated base image the project was made with.
        answers = rendered.answers
        assert docker.strings("image") == [
            f"{answers['base_image_registry']}/{answers['base_image']}:{answers['base_image_tag']}"
        ]


def test_every_stage_has_a_docker_or_gpu_agent(parsed) -> None:
    _, jf = parsed
    for name, stage in jf.stages().items():
        if name == "Test":
            continue  # a parallel wrapper: its branches pick their agents
        labels = stage.strings("label")
        assert labels and set(labels) <= {"docker", "gpu"}, name


def test_container_stages_move_home_into_the_workspace(parsed) -> None:
    # The docker agent runs as the agent's uid, whose HOME does not exist in the image.
    _, jf = parsed
    for name, stage in jf.stages().items():
        if name == "Test" or not stage.find("docker"):
            continue
        env = {k: v for e in stage.find("environment") for k, v in e.assignments.items()}
        assert CACHE_ENV - {"XDG_CACHE_HOME"} <= env.keys(), name
        assert all(v.startswith("${WORKSPACE}/.cache") for k, v in env.items() if k in CACHE_ENV)


def test_unit_tests_publish_junit(parsed) -> None:
    _, jf = parsed
    for name in ("Unit tests (CPU)", "GPU tests"):
        stage = jf.stages().get(name)
        if stage is None:
            continue
        reports = [m for sh in stage.strings("sh") for m in re.findall(r"--junitxml=(\S+)", sh)]
        (post,) = stage.find("post")
        (always,) = post.find("always")
        assert reports and always.strings("junit") == reports, name


def test_mlt_check_only_warns(parsed) -> None:
    _, jf = parsed
    stage = jf.stages()["mlt check"]
    (guard,) = stage.find("catchError")
    assert guard.kwargs == {"buildResult": "SUCCESS", "stageResult": "UNSTABLE"}
    assert any("mlt check" in sh for sh in guard.strings("sh"))


def test_build_and_push_image(parsed_image) -> None:
    rendered, jf = parsed_image
    answers = rendered.answers
    env = jf.pipeline().find("environment")[0].assignments
    assert env["IMAGE_NAME"] == f"{answers['image_registry']}/{answers['project_name']}"
    build_sh = " ".join(jf.stages()["Build"].strings("sh"))
    assert "docker build" in build_sh and "BASE_IMAGE" in build_sh
    push = jf.stages()["Push"]
    assert push.strings("branch") == ["main"]
    (creds,) = push.find("usernamePassword")
    assert creds.kwargs["credentialsId"] == "registry-credentials"
    assert "docker push" in " ".join(push.strings("sh"))
    for stage in (jf.stages()["Build"], push):
        (image_env,) = [e.assignments["IMAGE"] for e in stage.find("environment")]
        assert "GIT_COMMIT.take(" in image_env
    # Nothing outside Push may push.
    others = [s for n, s in jf.stages().items() if n not in {"Push", "Test"}]
    assert not any("docker push" in sh for s in others for sh in s.strings("sh"))


def test_library_publishes_wheels_on_tags(parsed_library) -> None:
    _, jf = parsed_library
    assert "uv build" in " ".join(jf.stages()["Build"].strings("sh"))
    publish = jf.stages()["Publish"]
    assert publish.find("buildingTag")
    (creds,) = publish.find("usernamePassword")
    assert creds.kwargs["credentialsId"] == "package-index-credentials"
