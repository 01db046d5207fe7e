"""Help text breaks lines where the terminal ends, never mid-sentence where the source line
ended (`mlt update --help` at 60 columns used to print "Conflicts get" / "standard git
markers"; the command list cut `mlt new`'s summary after "record where it")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COMMANDS = [[], ["update"], ["new"], ["check"], ["adopt"], ["fleet", "update"], ["images"]]


def _help(args: list[str], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "mlt", *args, "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "mlt")
def test_wide_help_keeps_each_paragraph_on_one_line(args):
    from mlt.cli.root import app

    text = _help(args, 250)
    lines = [line.strip(" │") for line in text.splitlines()]
    for index, line in enumerate(lines[:-1]):
        following = lines[index + 1]
        # A plain sentence that goes on at the start of the next line was cut by the source.
        example = line.startswith(("mlt ", "-")) or following.startswith(("mlt ", "-"))
        if example or not line or not following:
            continue
        if following[0].islower() and not line.endswith((",", ":", ".")):
            if len(line) < 150 and "#" not in line and "  " not in line.strip():
                pytest.fail(f"help of `mlt {' '.join(args)}` breaks mid-sentence: {line!r}")
    assert app is not None


def test_update_help_at_60_columns_reads_as_sentences():
    text = " ".join(_help(["update"], 60).split())
    assert "Conflicts get standard git markers" in text
    narrow = _help(["update"], 60)
    assert "Conflicts get\n" not in narrow.replace(" \n", "\n")
