"""Fixtures of the adopt/cookiecutter tests; they live in adoptkit, which the tests also import
helpers from (a module named `conftest` would clash with the other test folders' ones)."""

from adoptkit import autopretty, git_env, pypackage, tiny

__all__ = ["autopretty", "git_env", "pypackage", "tiny"]
