"""Reading the input table as a stream and writing the output part file (CSV, stdlib only).

The input is read in chunks of CHUNK_ROWS rows, so memory is bounded by a chunk plus the
per-key aggregates, not by the file; its SHA-256 is computed on the way through.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass

import fsspec

from .features import COLUMNS, FeatureRow

CHUNK_ROWS = 50_000
FLOAT_DIGITS = 6  # outputs are statistics, not bit patterns: 12.5, not 12.499999999999998


@dataclass(frozen=True)
class InputScan:
    """Facts about the whole input file, for the checks and the manifest."""

    total_rows: int
    shard_rows: int
    sha256: str


class _Hashing(io.RawIOBase):
    """A binary reader that hashes what passes through it."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_text(uri: str) -> Iterator[tuple[io.TextIOWrapper, _Hashing]]:
    """The input as text (local path or any fsspec URL) and its hashing reader."""
    with fsspec.open(uri, "rb") as raw:
        hashing = _Hashing(raw)
        buffered = io.BufferedReader(hashing, buffer_size=1 << 20)
        yield io.TextIOWrapper(buffered, encoding="utf-8", newline=""), hashing


def read_header(uri: str) -> list[str]:
    """The CSV header row."""
    with open_text(uri) as (text, _):
        return next(csv.reader(text), [])


def scan_input(
    uri: str,
    key_column: str,
    value_column: str,
    on_chunk: Callable[[list[str], list[float]], None],
    owns: Callable[[str], bool] = lambda key: True,
) -> InputScan:
    """Feed the key/value pairs of the rows `owns(key)` accepts to `on_chunk`, chunk by chunk;
    raise ValueError on a bad value (before any later chunk is read)."""
    with open_text(uri) as (text, hashing):
        reader = csv.reader(text)
        header = next(reader, [])
        try:
            k, v = header.index(key_column), header.index(value_column)
        except ValueError:
            raise ValueError(f"{uri} lacks column {key_column} or {value_column}") from None
        keys, values, total, mine = [], [], 0, 0
        for line, row in enumerate(reader, start=2):  # line 1 is the header
            total += 1
            key, value = _parse(row, k, v, uri, line, key_column, value_column)
            if owns(key):
                keys.append(key)
                values.append(value)
                if len(keys) >= CHUNK_ROWS:
                    on_chunk(keys, values)
                    mine += len(keys)
                    keys, values = [], []
        on_chunk(keys, values)
        while hashing.read(1 << 20):  # bytes after the last row (none for valid CSV) count too
            pass
    return InputScan(total, mine + len(keys), hashing.digest.hexdigest())


def _parse(row, k, v, uri, line, key_column, value_column) -> tuple[str, float]:
    key = row[k] if k < len(row) else ""
    text = row[v] if v < len(row) else ""
    if not key:
        raise ValueError(f"{uri}:{line}: empty {key_column}")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{uri}:{line}: {value_column}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{uri}:{line}: {value_column} is not finite")
    return key, value


def to_csv(rows: list[FeatureRow]) -> str:
    """The part file's text, floats rounded to FLOAT_DIGITS decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(round(x, FLOAT_DIGITS) if isinstance(x, float) else x for x in astuple(row))
    return buffer.getvalue()


def parse_output(text: str) -> list[dict[str, str]]:
    """Rows of a part file's text."""
    return list(csv.DictReader(io.StringIO(text, newline="")))
