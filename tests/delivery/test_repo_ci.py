"""This repository's own ci/Jenkinsfile: parses, tests the templates, builds every curated
base image in a matrix and pushes only from main or release tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import jenkins

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def jf() -> jenkins.Jenkinsfile:
    return jenkins.parse((REPO / "ci" / "Jenkinsfile").read_text(encoding="utf-8"))


def test_parses_without_errors(jf: jenkins.Jenkinsfile) -> None:
    assert jf.errors == []


def test_stages_and_agents(jf: jenkins.Jenkinsfile) -> None:
    pipeline = jf.pipeline()
    assert pipeline.children[0].name == "agent" and pipeline.children[0].args == ["none"]
    assert set(jf.stages()) == {"Lint", "Test", "Base images", "Build image", "Push image"}
    assert set(jf.root.strings("label")) == {"docker"}
    test = jf.stages()["Test"]
    assert any("make test" in sh for sh in test.strings("sh"))
    assert test.find("junit")


def test_matrix_builds_every_catalog_image(jf: jenkins.Jenkinsfile) -> None:
    (axis,) = jf.stages()["Base images"].find("axis")
    assert axis.strings("name") == ["IMAGE_ID"]
    (values,) = axis.find("values")
    expected = ["cpu", "cuda-runtime", "cuda-devel", "pytorch", "tensorflow"]
    assert values.args == expected
    try:  # the catalog is another capability's; compare when it is importable
        from mlt.images.catalog import load_catalog
    except ImportError:
        return
    assert sorted(values.args) == sorted(load_catalog().ids())


def test_only_main_and_tags_push(jf: jenkins.Jenkinsfile) -> None:
    stages = jf.stages()
    build_sh = " ".join(stages["Build image"].strings("sh"))
    assert 'mlt images build "$IMAGE_ID"' in build_sh and "--push" not in build_sh
    push = stages["Push image"]
    assert "--push" in " ".join(push.strings("sh"))
    (when,) = push.find("when")
    assert when.strings("branch") == ["main"] and when.find("buildingTag")
    (creds,) = push.find("usernamePassword")
    assert creds.kwargs["credentialsId"] == "registry-credentials"
