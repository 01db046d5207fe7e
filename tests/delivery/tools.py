"""Find the external linters the delivery tests run; under CI a missing one is a failure."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require(name: str, hint: str) -> str:
    """Path of executable `name` (PATH, then beside this interpreter); skip locally, fail in
    CI (CI=true), where the repository's own setup must have installed it."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    message = f"{name} is not installed ({hint})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
