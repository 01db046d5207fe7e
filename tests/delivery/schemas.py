"""Run check-jsonschema over many files in one process (it takes ~1 s to start)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def check(schema: str, files: Sequence[Path], *extra: str) -> dict[Path, list[str]]:
    """Validate `files` against a builtin schema; map every file to its error messages."""
    command = [
        sys.executable, "-m", "check_jsonschema", "--output-format", "json",
        "--builtin-schema", schema, *extra, *map(str, files),
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(
            f"check-jsonschema gave no report:\n{proc.stdout}{proc.stderr}"
        ) from None
    errors: dict[Path, list[str]] = {Path(f): [] for f in files}
    for error in report.get("errors", []) + report.get("parse_errors", []):
        best = error.get("best_deep_match") or error
        errors[Path(error["filename"])].append(f"{best.get('path')}: {best.get('message')}")
    if proc.returncode != 0 and not any(errors.values()):
        raise AssertionError(f"check-jsonschema failed without file errors:\n{proc.stderr}")
    return errors
