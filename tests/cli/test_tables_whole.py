"""Tables never cut or wrap an id, a path or a URL, at any width; piped, they are plain rows.

`mlt images list | cat` used to split `tensorflow` over two lines (rich wraps at 80 columns
when stdout is not a terminal).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from mlt.cli.tables import print_table

REPO = "/srv/git/" + "a-very-long-group-name/" * 4 + "service-with-a-long-name"
URL = "https://git.example.com/" + "org/" * 6 + "repo/-/merge_requests/12345"
ROWS = [(REPO, "pr-open", "1.2.0 → 1.3.0", URL, "passed", "2026-12-07")]
COLUMNS = ("repo", "template", "version", "PR", "CI", "last run")


def test_images_list_piped_is_one_plain_line_per_image():
    listed = subprocess.run(
        [sys.executable, "-m", "mlt", "images", "list"], capture_output=True, text=True, check=True
    )
    ids = {
        i["id"]: i
        for i in json.loads(
            subprocess.run(
                [sys.executable, "-m", "mlt", "images", "list", "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )["images"]
    }
    lines = listed.stdout.splitlines()
    assert lines[1].split()[:2] == ["id", "framework"]
    rows = lines[2:]
    assert len(rows) == len(ids), listed.stdout  # one line per image: nothing wrapped
    for line in rows:
        image_id, framework = line.split()[:2]
        assert image_id in ids
        assert framework == ids[image_id]["framework"]["name"]
    assert "│" not in listed.stdout and "…" not in listed.stdout


@pytest.mark.parametrize("width", [60, 200])
def test_a_terminal_of_any_width_shows_every_key_whole(width, capsys):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=width, color_system=None)
    print_table(console, COLUMNS, ROWS, keys=("repo", "template", "PR"))
    shown = out.getvalue() + capsys.readouterr().out
    for whole in (REPO, URL):
        assert whole in shown, shown


def test_piped_rows_are_not_wrapped(capsys):
    console = Console(file=io.StringIO(), force_terminal=False, width=80)
    print_table(console, COLUMNS, ROWS, keys=("repo",))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(REPO) and lines[1].split()[5] == URL
