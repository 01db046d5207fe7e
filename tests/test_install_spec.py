"""install_spec.source_repository: the repository an image's source label names."""

from __future__ import annotations

import json

import pytest

from mlt import install_spec


class _Dist:
    def __init__(self, direct_url: dict | None) -> None:
        self.text = None if direct_url is None else json.dumps(direct_url)

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return self.text


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, ""),  # from an index: no repository is known
        ({"url": "https://pkgs.acme.internal/mlt-0.1.0-py3-none-any.whl", "archive_info": {}}, ""),
        ({"url": "file:///src/mlt", "dir_info": {"editable": True}}, ""),
        (
            {"url": "https://git.acme.internal/tools/mlt.git", "vcs_info": {"vcs": "git"}},
            "https://git.acme.internal/tools/mlt.git",
        ),
    ],
)
def test_source_repository_is_a_vcs_install_url_or_nothing(monkeypatch, direct_url, expected):
    monkeypatch.setattr(install_spec.metadata, "distribution", lambda name: _Dist(direct_url))
    assert install_spec.source_repository() == expected


def test_rendered_base_images_name_no_made_up_repository(tmp_path):
    from mlt.images.catalog import load_catalog
    from mlt.images.context import render_context

    catalog = load_catalog()
    render_context(catalog, catalog.images[0], tmp_path / "ctx")
    assert "mlt-dev" not in (tmp_path / "ctx" / "Dockerfile").read_text()
