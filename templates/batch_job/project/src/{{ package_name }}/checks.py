"""Checks around the run step: inputs before it runs, outputs before they are written."""

from __future__ import annotations

import math

from .config import JobConfig
from .features import COLUMNS
from .tables import InputScan, parse_output, read_header


class CheckError(RuntimeError):
    """A pre-run or post-run check failed; nothing gets published."""


def check_input_file(config: JobConfig) -> None:
    """Before reading: the input exists and has the columns the job needs."""
    uri = config.input.uri
    try:
        header = read_header(uri)
    except FileNotFoundError:
        raise CheckError(f"input {uri} does not exist") from None
    missing = [c for c in (config.input.key_column, config.input.value_column) if c not in header]
    if missing:
        raise CheckError(f"input {uri} lacks column(s) {', '.join(missing)}")


def check_input_rows(config: JobConfig, scan: InputScan) -> None:
    """After reading: enough rows overall (an empty extract is an upstream incident)."""
    if scan.total_rows < config.input.min_rows:
        raise CheckError(
            f"input has {scan.total_rows} rows, fewer than input.min_rows={config.input.min_rows}"
        )


def check_output(text: str, expected_rows: int, min_count: int, where: str = "output") -> int:
    """The part file's text has the right shape and sane values (checked before it is written,
    so a failing check leaves nothing to clean up)."""
    rows = parse_output(text)
    if len(rows) != expected_rows:
        raise CheckError(f"{where} has {len(rows)} rows, expected {expected_rows}")
    for n, row in enumerate(rows, start=2):
        if tuple(row) != COLUMNS:
            raise CheckError(f"{where} has columns {list(row)}, expected {list(COLUMNS)}")
        count = int(row["count"])
        low, mean, high = float(row["min"]), float(row["mean"]), float(row["max"])
        if count < min_count or not all(map(math.isfinite, (low, mean, high))):
            raise CheckError(f"{where}:{n}: implausible row {row}")
        if not low <= mean <= high:
            raise CheckError(f"{where}:{n}: mean {mean} outside [{low}, {high}]")
    return len(rows)
