"""A failing image build whose RUN step printed colours (pip's red errors) shows its log and
its error as plain text: no literal `[91m` on a log, a pipe or a CI page."""

from __future__ import annotations

import pytest

from mlt.cli.build_progress import QuietReporter
from mlt.errors import MltError
from mlt.images.build import _follow


def test_failed_step_output_and_error_have_no_colour_codes(capsys):
    events = [
        {"stream": "Step 1/1 : RUN pip install nope\n"},
        {"stream": "\x1b[91mERROR: No matching distribution found for nope\n\x1b[0m"},
        {"stream": "\x1b[1;31merror\x1b[0m: \x1b]8;;https://x\x07link\x1b]8;;\x07\n"},
        {
            "errorDetail": {
                "message": "\x1b[91mThe command 'pip' returned a non-zero code: 1\x1b[0m"
            }
        },
    ]
    with pytest.raises(MltError) as info:
        _follow(iter(events), "cpu", QuietReporter())
    err = capsys.readouterr().err
    assert "ERROR: No matching distribution found for nope" in err
    assert "error: link" in err
    for shown in (err, info.value.message):
        assert "\x1b" not in shown and "[91m" not in shown and "[0m" not in shown
    assert info.value.message.endswith("The command 'pip' returned a non-zero code: 1")
