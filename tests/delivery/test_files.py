"""Only the chosen CI system's files are generated, and the templates' copies stay in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlt import resources

from .conftest import Rendered

CI_FILES = {
    "jenkins": {"Jenkinsfile"},
    "github": {".github/workflows/ci.yml"},
    "gitlab": {".gitlab-ci.yml"},
    "none": set(),
}
ALL_CI_FILES = set().union(*CI_FILES.values())


def test_only_the_chosen_ci_files_exist(rendered: Rendered) -> None:
    present = {f for f in ALL_CI_FILES if (rendered.path / f).is_file()}
    assert present == CI_FILES[rendered.case.ci]
    assert not (rendered.path / ".github").exists() or rendered.case.ci == "github"


def test_deploy_manifests_exist_for_deployable_types_only(rendered: Rendered) -> None:
    k8s = rendered.path / "deploy" / "k8s"
    if rendered.case.project_type == "library":
        assert not k8s.exists()
    else:
        assert (k8s / "kustomization.yaml").is_file()


def test_no_template_syntax_left_in_delivery_files(rendered: Rendered) -> None:
    # GitHub's ${{ }} is expected; a Jinja leftover would be {{ without the $ or a {% tag.
    for path in rendered.path.rglob("*"):
        rel = path.relative_to(rendered.path).as_posix()
        if path.is_file() and (rel in ALL_CI_FILES or rel.startswith("deploy/")):
            text = path.read_text(encoding="utf-8").replace("${{", "")
            assert "{%" not in text and "{{" not in text.replace("{{is_default_branch}}", ""), rel


def _template_file(project_type: str, name: str) -> Path:
    return resources.type_dir(project_type) / "project" / name


@pytest.mark.parametrize(
    "name",
    [
        "{% if ci == 'jenkins' %}Jenkinsfile{% endif %}.jinja",
        "{% if ci == 'github' %}.github{% endif %}/workflows/ci.yml.jinja",
        "{% if ci == 'gitlab' %}.gitlab-ci.yml{% endif %}.jinja",
    ],
)
def test_batch_job_and_service_share_their_ci_templates(name: str) -> None:
    # Both build and push an image the same way; a fix made in one copy must reach the other.
    batch_job, service = (_template_file(t, name).read_text() for t in ("batch-job", "service"))
    assert batch_job == service


def test_renovate_config_is_schema_valid_and_leaves_the_base_image_to_mlt(renders) -> None:
    from . import schemas
    from .conftest import CASES

    files = [renders.get(case).path / "renovate.json" for case in CASES]
    errors = schemas.check("vendor.renovate", files)
    assert {str(p): e for p, e in errors.items() if e} == {}
    rendered = renders.get(CASES[0])
    config = json.loads((rendered.path / "renovate.json").read_text(encoding="utf-8"))
    assert config["lockFileMaintenance"]["enabled"] is True
    # uv.lock is what make install, CI and the image install: updates change the lock.
    (python,) = [r for r in config["packageRules"] if r.get("matchManagers") == ["pep621"]]
    assert python["rangeStrategy"] == "update-lockfile"
    (base,) = [r for r in config["packageRules"] if r.get("matchDatasources") == ["docker"]]
    assert base["matchPackageNames"] == [f"{rendered.answers['base_image_registry']}/**"]
    assert base["enabled"] is False
