"""Say it once (issue 20): the template, ref and default answers of `mlt new` come from
--template, MLT_TEMPLATE, the user's config file, else the bundled template; `mlt config
show` says which; the default mlt_spec is the running mlt; placeholder answers are named."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlt.cli import app
from mlt.config.placeholders import placeholder_answers
from mlt.install_spec import running_spec, spec_from
from mlt.provenance import Provenance

pytestmark = pytest.mark.usefixtures("no_git_identity")

TINY = {
    "copier.yml": "project_name:\n  type: str\ngreeting:\n  type: str\n  default: hello\n",
    "README.md.jinja": "# {{ project_name }}\n{{ greeting }}\n",
}


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    """$XDG_CONFIG_HOME/mlt/config.toml (not written yet); no MLT_TEMPLATE/MLT_CONFIG."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("MLT_TEMPLATE", raising=False)
    monkeypatch.delenv("MLT_CONFIG", raising=False)
    return home / "mlt" / "config.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tiny(tree, root: Path, greeting: str) -> Path:
    files = {**TINY, "copier.yml": TINY["copier.yml"].replace("hello", greeting)}
    return tree(root, files)


def show(runner) -> dict:
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_without_settings_the_bundled_template_is_used(runner, config):
    data = show(runner)
    assert data["template"] == {"value": "bundled", "from": "default"}
    assert data["config_file"] == {"path": str(config), "exists": False}
    text = runner.invoke(app, ["config", "show"]).stdout
    assert "template     bundled  (from default)" in text


def test_flag_then_environment_then_config_file(runner, config, tree, tmp_path, monkeypatch):
    from_file = tiny(tree, tmp_path / "t-file", "from-file")
    from_env = tiny(tree, tmp_path / "t-env", "from-env")
    from_flag = tiny(tree, tmp_path / "t-flag", "from-flag")
    write(config, f'template = "{from_file}"\n')
    out = tmp_path / "out"

    assert show(runner)["template"] == {"value": str(from_file), "from": str(config)}
    made = runner.invoke(app, ["new", "x", "a", "-o", str(out), "--defaults"])
    assert made.exit_code == 0, made.output
    assert (out / "a" / "README.md").read_text() == "# a\nfrom-file\n"

    monkeypatch.setenv("MLT_TEMPLATE", str(from_env))
    assert show(runner)["template"] == {"value": str(from_env), "from": "MLT_TEMPLATE"}
    made = runner.invoke(app, ["new", "x", "b", "-o", str(out), "--defaults"])
    assert (out / "b" / "README.md").read_text() == "# b\nfrom-env\n", made.output

    args = ["new", "x", "c", "-o", str(out), "--defaults", "--template", str(from_flag)]
    made = runner.invoke(app, args)
    assert (out / "c" / "README.md").read_text() == "# c\nfrom-flag\n", made.output
    assert Provenance.read(out / "c").source == str(from_flag)


def test_mlt_config_names_another_file(runner, config, tmp_path, monkeypatch):
    other = write(tmp_path / "team.toml", '[defaults]\nimage_registry = "reg.acme.internal/ml"\n')
    monkeypatch.setenv("MLT_CONFIG", str(other))
    data = show(runner)
    assert data["config_file"] == {"path": str(other), "exists": True}
    assert data["defaults"] == {
        "image_registry": {"value": "reg.acme.internal/ml", "from": str(other)}
    }


def test_config_defaults_answer_the_bundled_template_below_d(runner, config, tmp_path):
    write(
        config,
        "[defaults]\n"
        'image_registry = "registry.acme.internal/ml"\n'
        'base_image_registry = "registry.acme.internal/mlt"\n'
        'author_email = "ml@acme.internal"\n'
        "port = 9100\n"  # a service question: a library ignores it
        "gpu = false\n",
    )
    out = tmp_path / "out"
    made = runner.invoke(
        app, ["new", "service", "svc", "-o", str(out), "--defaults", "-d", "port=9200"]
    )
    assert made.exit_code == 0, made.output
    answers = Provenance.read(out / "svc").answers
    assert answers["image_registry"] == "registry.acme.internal/ml"
    assert answers["port"] == 9200 and answers["gpu"] is False
    assert "placeholder" not in made.stderr

    made = runner.invoke(app, ["new", "library", "lib", "-o", str(out), "--defaults"])
    assert made.exit_code == 0, made.output
    assert "port" not in Provenance.read(out / "lib").answers


BAD_CONFIGS = [
    ("template = [\n", "is not valid TOML"),
    ('tempalte = "x"\n', "unknown key 'tempalte'"),
    ('defaults = "x"\n', "key 'defaults' must be a table"),
    ("[defaults]\nproject_name = 'x'\n", "key 'defaults.project_name'"),
    ("template = 3\n", "key 'template' must be a non-empty string"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONFIGS, ids=[m for _, m in BAD_CONFIGS])
def test_a_malformed_config_is_one_line_naming_file_and_key(
    runner, config, tmp_path, text, message
):
    write(config, text)
    out = tmp_path / "out"
    for args in (["new", "service", "svc", "-o", str(out), "--defaults"], ["config", "show"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {config}"), result.stderr
        assert message in lines[0]
    assert not out.exists()


def test_missing_template_and_missing_config_file_are_one_line(
    runner, config, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    write(config, f'template = "{tmp_path / "nowhere"}"\n')
    result = runner.invoke(app, ["new", "service", "svc", "-o", str(out), "--defaults"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "nowhere is not a readable directory" in result.stderr
    monkeypatch.setenv("MLT_CONFIG", str(tmp_path / "absent.toml"))
    result = runner.invoke(app, ["new", "service", "svc", "-o", str(out), "--defaults"])
    assert result.exit_code == 2
    assert (
        result.stderr == f"error: {tmp_path / 'absent.toml'} (named by MLT_CONFIG) does not exist\n"
    )
    assert not out.exists()


def test_a_config_answer_the_template_rejects_writes_nothing(runner, config, tmp_path):
    write(config, '[defaults]\nimage_registry = "Not A Registry"\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["new", "service", "svc", "-o", str(out), "--defaults"])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: {config}: key 'defaults.image_registry': invalid ")
    assert not out.exists()


def test_placeholder_answers_are_named_once(runner, config, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["new", "service", "svc", "-o", str(out), "--defaults"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    for key in ("image_registry", "base_image_registry", "author_email"):
        assert f"{key}=" in warnings[0]
    assert str(config) in warnings[0]
    answers = Provenance.read(out / "svc").answers
    assert placeholder_answers(answers) == ["author_email", "base_image_registry", "image_registry"]


# --- mlt_spec: the running mlt (PEP 610 direct_url.json) -------------------------------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "ab" * 32


@pytest.mark.parametrize(
    ("direct_url", "spec"),
    [
        (None, "mlt==0.4.1"),  # from an index: no direct_url.json
        (
            {"url": "https://git.acme.internal/tools/mlt.git",
             "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "v0.4.1"}},
            f"mlt @ git+https://git.acme.internal/tools/mlt.git@{COMMIT}",
        ),
        (
            {"url": "https://pkgs.acme.internal/mlt-0.4.1-py3-none-any.whl",
             "archive_info": {"hashes": {"sha256": SHA}}},
            f"mlt @ https://pkgs.acme.internal/mlt-0.4.1-py3-none-any.whl#sha256={SHA}",
        ),
        (
            {"url": "file:///opt/wheels/mlt-0.4.1-py3-none-any.whl",
             "archive_info": {"hash": f"sha256={SHA}"}},
            f"mlt @ file:///opt/wheels/mlt-0.4.1-py3-none-any.whl#sha256={SHA}",
        ),
        # An sdist is no spec the template accepts: the version that is running.
        ({"url": "https://x/mlt-0.4.1.tar.gz", "archive_info": {}}, "mlt==0.4.1"),
        ({"url": "file:///nowhere/mlt", "dir_info": {"editable": True}}, "mlt==0.4.1"),
    ],
)  # fmt: skip
def test_spec_from_direct_url(direct_url, spec):
    text = json.dumps(direct_url) if direct_url is not None else None
    assert spec_from("0.4.1", text) == spec


def test_an_editable_checkout_with_an_origin_is_its_commit(tmp_path):
    repo = tmp_path / "mlt"
    repo.mkdir()
    env = ["-c", "user.name=t", "-c", "user.email=t@t"]
    for args in (
        ["init", "-q"],
        ["commit", "-q", "--allow-empty", "-m", "x"],
        ["remote", "add", "origin", "https://git.acme.internal/tools/mlt.git"],
    ):
        subprocess.run(["git", *env, *args], cwd=repo, check=True)  # fmt: skip
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    direct = json.dumps({"url": repo.as_uri(), "dir_info": {"editable": True}})
    assert spec_from("0.4.1", direct) == f"mlt @ git+https://git.acme.internal/tools/mlt.git@{head}"


def test_the_bundled_default_mlt_spec_is_the_running_mlt(runner, config, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["new", "library", "lib", "-o", str(out), "--defaults"])
    assert result.exit_code == 0, result.output
    spec = Provenance.read(out / "lib").answers["mlt_spec"]
    assert spec == running_spec()
    assert "github.com/mlt-dev" not in spec
    assert show(runner)["mlt_spec"] == spec
