"""`mlt new` killed before and after each of its git calls: the project directory appears
complete or not at all, Ctrl-C exits 130 and leaves nothing, a kill's staging folder is
removed by the next run, and that run makes the very same repository (same commit)."""

from __future__ import annotations

import pytest

from mlt.scaffold.new import NewRequest, create_project
from mlt.scaffold.staging import STAGING_MARK
from tests.faults.fault_kit import Shim, damage, run_mlt, snapshot


@pytest.mark.parametrize("sig", ["KILL", "INT"])
def test_new_interrupted_at_every_git_call(world, tmp_path, sig):
    world.use("v1")
    shim = Shim.install(tmp_path / "shim")
    first = tmp_path / "uninterrupted"
    first.mkdir()
    made = run_mlt(["new", "library", "demo", "-o", str(first), "--defaults"], first, shim.env(0))
    assert made.returncode == 0, made.stderr
    calls, want = shim.calls, snapshot(first / "demo")
    assert len(calls) >= 4, calls
    failures = []
    for at, call in enumerate(calls, start=1):
        for when in ("before", "after"):
            where = tmp_path / f"{at}-{when}"
            where.mkdir()
            args = ["new", "library", "demo", "-o", str(where), "--defaults"]
            proc = run_mlt(args, where, shim.env(at, when, sig))
            left = sorted(p.name for p in where.iterdir())
            problems = []
            if "Traceback" in proc.stderr:
                problems.append(f"traceback: {proc.stderr[-300:]}")
            if sig == "INT" and (proc.returncode, left) != (130, []):
                problems.append(f"exit {proc.returncode}, left {left}")
            if sig == "KILL" and not all(STAGING_MARK in name for name in left):
                problems.append(f"a half-made project is visible: {left}")
            create_project(NewRequest("library", "demo", where))  # the user runs it again
            if sorted(p.name for p in where.iterdir()) != ["demo"]:
                problems.append(f"the re-run left {sorted(p.name for p in where.iterdir())}")
            elif snapshot(where / "demo") != want or damage(where / "demo"):
                problems.append("the re-run made a different repository")
            if problems:
                failures.append(f"{when} git call {at} ({call}): " + "; ".join(problems))
    assert not failures, "\n".join(failures)
