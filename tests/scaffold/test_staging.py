"""Build beside the target, move in one rename, leave nothing on failure."""

from __future__ import annotations

import os

import pytest

from mlt.errors import MltError, UsageError
from mlt.scaffold.staging import STAGING_MARK, check_target, staged_directory


def listing(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_success_moves_the_staged_tree_into_place(tmp_path):
    target = tmp_path / "proj"
    with staged_directory(target) as staging:
        # Named like the target (templates read `_folder_name`), in a hidden holder beside it.
        assert staging.name == "proj"
        assert staging.parent.parent == tmp_path
        assert staging.parent.name.startswith(f".proj{STAGING_MARK}")
        assert not target.exists()
        (staging / "a.txt").write_text("a")
    assert listing(tmp_path) == ["proj", "proj/a.txt"]


def test_project_directory_gets_the_umask_mode_not_0700(tmp_path):
    old = os.umask(0o022)
    try:
        with staged_directory(tmp_path / "proj"):
            pass
    finally:
        os.umask(old)
    assert (tmp_path / "proj").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_removes_staging_and_created_parents(tmp_path, error):
    target = tmp_path / "a" / "b" / "proj"
    with pytest.raises(type(error)), staged_directory(target) as staging:
        (staging / "half.txt").write_text("half")
        raise error
    assert listing(tmp_path) == []


def test_failure_keeps_parents_that_existed(tmp_path):
    (tmp_path / "keep").mkdir()
    with pytest.raises(RuntimeError), staged_directory(tmp_path / "keep" / "proj"):
        raise RuntimeError
    assert listing(tmp_path) == ["keep"]


def test_empty_target_is_replaced(tmp_path):
    (tmp_path / "proj").mkdir()
    with staged_directory(tmp_path / "proj") as staging:
        (staging / "a.txt").write_text("a")
    assert listing(tmp_path) == ["proj", "proj/a.txt"]


def test_target_filled_meanwhile_is_not_overwritten(tmp_path):
    target = tmp_path / "proj"
    target.mkdir()
    with pytest.raises(MltError, match="^cannot move the new project to"):  # noqa: SIM117
        with staged_directory(target) as staging:
            (staging / "a.txt").write_text("a")
            (target / "theirs.txt").write_text("theirs")
    assert listing(tmp_path) == ["proj", "proj/theirs.txt"]


def test_check_target(tmp_path):
    check_target(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(UsageError, match=r"full already exists and is not empty$"):
        check_target(tmp_path / "full")
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"file already exists and is not a directory$"):
        check_target(tmp_path / "file")
    with pytest.raises(UsageError, match=r"file is not a directory$"):
        check_target(tmp_path / "file" / "sub" / "proj")
