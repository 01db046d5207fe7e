"""A damaged `.mlt.yaml` gives one `error:` line naming the field, in update, check and diff,
and with --json one JSON document, never a traceback."""

from __future__ import annotations

import json

import pytest

from mlt.cli import app
from tests.support.git import git

SHAPES = {
    "answers-list": (
        "schema: mlt.provenance/1\ntemplate: {source: 'bundled:library', version: 1.0.0}\n"
        "answers: [a, b]\n",
        "field 'answers' must be a mapping",
    ),
    "template-string": (
        "schema: mlt.provenance/1\ntemplate: bundled:library\nanswers: {}\n",
        "field 'template' must be a mapping",
    ),
    "missing-version": (
        "schema: mlt.provenance/1\ntemplate: {source: 'bundled:library'}\n",
        "field 'template.version' is missing",
    ),
    "missing-template": ("schema: mlt.provenance/1\nanswers: {}\n", "field 'template' must be"),
    "source-list": (
        "schema: mlt.provenance/1\ntemplate: {source: [x], version: 1.0.0}\n",
        "field 'template.source' must be a non-empty string",
    ),
    "commit-mapping": (
        "schema: mlt.provenance/1\n"
        "template: {source: 'bundled:library', version: 1.0.0, commit: {a: 1}}\n",
        "field 'template.commit' must be a string",
    ),
    "answer-keys-not-names": (
        "schema: mlt.provenance/1\ntemplate: {source: 'bundled:library', version: 1.0.0}\n"
        "answers: {1: x}\n",
        "field 'answers' must be a mapping",
    ),
    "not-a-mapping": ("- just\n- a list\n", "is not an mlt provenance file"),
    "empty": ("", "is not an mlt provenance file"),
    "bad-yaml": ("schema: [unclosed\n", "is not valid YAML"),
    "non-utf8": (b"schema: mlt.provenance/1\n# caf\xe9\n", "is not UTF-8 text"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("command", ["update", "check", "diff"])
def test_malformed_provenance_is_one_error_line(tmp_path, runner, shape, command):
    child = tmp_path / "demo"  # a repository with one commit: enough to reach the read
    child.mkdir()
    git(child, "init", "-q")
    git(child, "commit", "-q", "--allow-empty", "-m", "init")
    content, message = SHAPES[shape]
    target = child / ".mlt.yaml"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    result = runner.invoke(app, [command, str(child)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    as_json = runner.invoke(app, [command, str(child), "--json"], catch_exceptions=False)
    data = json.loads(as_json.stdout)  # one JSON document, also on failure
    assert data["exit_code"] == 1 and message in data["error"]
