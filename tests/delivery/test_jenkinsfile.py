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
    names |= {"Publish"} if case.project_type == "library" else {"Image", "Push"}
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
    delivery = {"Build", "Test", "Image", "Push", "Publish", "GPU tests"}
    assert inner == expected_stages(rendered.case) - delivery


def test_gpu_tests_never_gate_the_image(parsed) -> None:
    rendered, jf = parsed
    if not rendered.case.gpu:
        return
    top = [c.args[0] for c in jf.pipeline().find("stages")[0].children if c.name == "stage"]
    # Last, after the image is built and pushed (or the package built): not in Test's parallel.
    assert top[-1] == "GPU tests" and top.index("GPU tests") > top.index("Test")
    gpu = jf.stages()["GPU tests"]
    (guard,) = gpu.find("catchError")
    assert guard.kwargs == {"buildResult": "UNSTABLE", "stageResult": "UNSTABLE"}
    assert any(sh.startswith("uv run pytest -m gpu") for sh in guard.strings("sh"))
    env = {k: v for e in gpu.find("environment") for k, v in e.assignments.items()}
    assert env["DEVICE"] in {"'cuda'", '"cuda"', "cuda"}


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
    stages = jf.stages()
    # Image's sequential stages run on Image's agent (one workspace, one Docker engine).
    inherit = {c.args[0] for c in stages["Image"].find("stage")} if "Image" in stages else set()
    for name, stage in stages.items():
        if name == "Test" or name in inherit:
            continue  # a parallel wrapper picks no agent; Image's stages share its agent
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
        junit = always.find("junit")
        assert reports and [c.kwargs["testResults"] for c in junit] == reports, name
        # A stage that dies before pytest writes its report keeps its own error message.
        assert all(c.kwargs["allowEmptyResults"] == "true" for c in junit), name


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
    stages = jf.stages()
    image = stages["Image"]
    # Build and Push are sequential stages of Image, on Image's agent: Push pushes the image
    # Build built and smoke-tested, no rebuild.
    assert {c.args[0] for c in image.find("stage")} == {"Build", "Push"}
    assert image.strings("label") == ["docker"]
    assert "GIT_COMMIT.take(" in image.find("environment")[0].assignments["IMAGE"]
    build_sh = " ".join(stages["Build"].strings("sh"))
    assert "docker buildx build --builder mlt-attest --pull --load" in build_sh
    assert "BASE_IMAGE" in build_sh and '--build-arg GIT_COMMIT="$GIT_COMMIT"' in build_sh
    assert "docker login" in build_sh and "docker run --rm" in build_sh
    (base_creds,) = stages["Build"].find("usernamePassword")
    assert base_creds.kwargs["credentialsId"] == "base-image-registry-credentials"
    push = stages["Push"]
    (when,) = push.find("when")
    assert when.strings("branch") == ["main"] and when.strings("beforeAgent") == ["true"]
    (creds,) = push.find("usernamePassword")
    assert creds.kwargs["credentialsId"] == "registry-credentials"
    push_sh = " ".join(push.strings("sh"))
    # The tested build, pushed by buildx from its cache with attestations; the digest comes
    # from buildx's metadata file, not from scraping `docker push` output.
    assert "docker buildx build --builder mlt-attest --push" in push_sh
    assert "--provenance=true --sbom=true --metadata-file build-metadata.json" in push_sh
    assert "docker push" not in push_sh and "sed " not in push_sh
    assert '"containerimage.digest"' in push_sh
    assert "image-digest.txt" in push.strings("archiveArtifacts") or any(
        c.kwargs.get("artifacts") == "image-digest.txt" for c in push.find("archiveArtifacts")
    )
    # Nothing outside Push may push, and nothing is tagged :latest (deploys use commit tags).
    others = [s for n, s in stages.items() if n not in {"Push", "Image"}]
    assert not any("--push" in sh for s in others for sh in s.strings("sh"))
    assert not any(":latest" in sh for sh in jf.root.strings("sh"))


def test_ci_runs_day_one(parsed) -> None:
    """Locked installs, mypy, coverage, a pinned mlt, and every `when` decided before an agent
    is allocated."""
    rendered, jf = parsed
    stages = jf.stages()
    env = jf.pipeline().find("environment")[0].assignments
    assert env["MLT_SPEC"] == rendered.answers["mlt_spec"]
    assert rendered.answers["mlt_spec"] != "mlt"
    syncs = [sh for sh in jf.root.strings("sh") if sh.startswith("uv sync")]
    assert syncs and all("--locked" in sh for sh in syncs)
    assert "uv run mypy" in stages["Lint"].strings("sh")
    assert any("--cov" in sh for sh in stages["Unit tests (CPU)"].strings("sh"))
    for when in jf.root.find("when"):
        assert when.strings("beforeAgent") == ["true"]
    if rendered.case.gpu:
        (docker,) = stages["GPU tests"].find("docker")
        assert docker.strings("registryCredentialsId") == ["base-image-registry-credentials"]
        host = rendered.answers["base_image_registry"].split("/")[0]
        assert docker.strings("registryUrl") == [f"https://{host}"]


def test_library_publishes_wheels_on_tags(parsed_library) -> None:
    _, jf = parsed_library
    assert "uv build" in " ".join(jf.stages()["Build"].strings("sh"))
    publish = jf.stages()["Publish"]
    assert publish.find("buildingTag")
    (creds,) = publish.find("usernamePassword")
    assert creds.kwargs["credentialsId"] == "package-index-credentials"
