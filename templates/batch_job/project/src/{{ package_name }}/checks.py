"""Checks around the run step: inputs before it runs, outputs before they are published."""

from __future__ import annotations

import math
from pathlib import Path

from .config import JobConfig
from .features import COLUMNS
from .tables import InputTable, read_header, read_output


class CheckError(RuntimeError):
    """A pre-run or post-run check failed; nothing gets published."""


def check_input_file(config: JobConfig) -> None:
    """Before reading: the input exists and has the columns the job needs."""
    path = config.input.uri
    if not path.is_file():
        raise CheckError(f"input {path} does not exist")
    header = read_header(path)
    missing = [c for c in (config.input.key_column, config.input.value_column) if c not in header]
    if missing:
        raise CheckError(f"input {path} lacks column(s) {', '.join(missing)}")


def check_input_rows(config: JobConfig, table: InputTable) -> None:
    """After reading: enough rows overall (an empty extract is an upstream incident)."""
    if table.total_rows < config.input.min_rows:
        raise CheckError(
            f"input has {table.total_rows} rows, fewer than input.min_rows={config.input.min_rows}"
        )


def check_output(path: Path, expected_rows: int, min_count: int) -> int:
    """After writing: the part file reads back with the right shape and sane values."""
    rows = read_output(path)
    if len(rows) != expected_rows:
        raise CheckError(f"{path} has {len(rows)} rows, expected {expected_rows}")
    for n, row in enumerate(rows, start=2):
        if tuple(row) != COLUMNS:
            raise CheckError(f"{path} has columns {list(row)}, expected {list(COLUMNS)}")
        count = int(row["count"])
        low, mean, high = float(row["min"]), float(row["mean"]), float(row["max"])
        if count < min_count or not all(map(math.isfinite, (low, mean, high))):
            raise CheckError(f"{path}:{n}: implausible row {row}")
        if not low - 1e-9 <= mean <= high + 1e-9:
            raise CheckError(f"{path}:{n}: mean {mean} outside [{low}, {high}]")
    return len(rows)
