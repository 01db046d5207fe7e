"""Reading the input table and writing the output part file (CSV, stdlib only)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import astuple, dataclass
from pathlib import Path

from .features import COLUMNS, FeatureRow


@dataclass(frozen=True)
class InputTable:
    """The rows this shard owns, plus facts about the whole file for the manifest."""

    keys: list[str]
    values: list[float]
    total_rows: int
    sha256: str


def read_header(path: Path) -> list[str]:
    """The CSV header row."""
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def read_input(path: Path, key_column: str, value_column: str, owns=lambda key: True) -> InputTable:
    """Read key/value pairs of the rows `owns(key)` accepts; raise ValueError on bad values."""
    raw = path.read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    keys, values, total = [], [], 0
    for line, row in enumerate(reader, start=2):  # line 1 is the header
        total += 1
        key, text = row.get(key_column) or "", row.get(value_column) or ""
        if not key:
            raise ValueError(f"{path}:{line}: empty {key_column}")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{path}:{line}: {value_column}={text!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{path}:{line}: {value_column} is not finite")
        if owns(key):
            keys.append(key)
            values.append(value)
    return InputTable(keys, values, total, hashlib.sha256(raw).hexdigest())


def to_csv(rows: list[FeatureRow]) -> str:
    """The part file's text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(astuple(row) for row in rows)
    return buffer.getvalue()


def read_output(path: Path) -> list[dict[str, str]]:
    """Rows of a written part file."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
