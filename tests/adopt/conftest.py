"""Fixtures of the adopt/cookiecutter tests: the isolated git (tests.support.fixtures) and the
real public templates and tiny cookiecutter template of adopt_kit."""

from tests.adopt.adopt_kit import autopretty, pypackage, tiny
from tests.support.fixtures import git_env

__all__ = ["autopretty", "git_env", "pypackage", "tiny"]
