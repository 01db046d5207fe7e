"""Fixtures for `mlt fleet` tests: the same git identity and template repo as update's."""

from __future__ import annotations

from tests.support.fixtures import git_env, template

__all__ = ["git_env", "template"]
