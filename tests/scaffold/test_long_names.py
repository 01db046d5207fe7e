"""A NAME as long as the file system allows (255 bytes) works: the hidden staging folder
beside it used to add ~40 bytes to the name and fail with "File name too long"."""

from __future__ import annotations

import os

import pytest

from mlt.errors import UsageError
from mlt.scaffold.new import NewRequest, create_project
from mlt.scaffold.staging import STAGING_MARK, _stem, sweep_stale


@pytest.mark.parametrize("length", [230, 255])
def test_names_up_to_255_bytes_are_created(tmp_path, length, no_git_identity):
    name = "a" * length
    made = create_project(NewRequest("library", name, tmp_path)).path
    assert made == tmp_path / name and (made / ".mlt.yaml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no staging folder left


def test_a_name_over_the_limit_is_one_clear_error(tmp_path):
    with pytest.raises(UsageError, match="File name too long"):
        create_project(NewRequest("library", "a" * 256, tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_killed_runs_staging_of_a_long_name_is_swept(tmp_path):
    target = tmp_path / ("b" * 250)
    stale = tmp_path / f".{_stem(target.name)}{STAGING_MARK}999999999-abcd"
    stale.mkdir()
    assert len(os.fsencode(stale.name)) <= 255
    sweep_stale(target)
    assert not stale.exists()
