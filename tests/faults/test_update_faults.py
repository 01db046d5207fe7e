"""`mlt update` killed before and after each of its git calls, on a clean and a conflicting
child, with SIGKILL (a crash) and SIGINT to the process group (Ctrl-C).

After every interruption the repository must be sound (fsck, no locks, HEAD on main), the
user's view (branch, index, files, merge state) exactly "before" or exactly "after", the
template branch consistent with it or a journal present to repair it, and Ctrl-C must exit
130 only when nothing changed. Then the user's recovery (re-run; resolve + `--continue`) and
a later update must give the very same commits as on a child that was never interrupted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from mlt.update import continue_update, update_project
from mlt.update.journal import JOURNAL_FILE
from tests.faults.fault_kit import Shim, damage, run_mlt, snapshot, spawn_mlt, user_view
from tests.faults.fault_world import Expected, World, resolve, uninterrupted
from tests.support.git import git

_EXPECTED: dict[str, Expected] = {}


def expected(world: World, kind: str, tmp_path_factory) -> Expected:
    """The uninterrupted run (in-process), and the git calls of the same run as a CLI."""
    if kind not in _EXPECTED:
        where = tmp_path_factory.mktemp(f"expected-{kind}")
        shim = Shim.install(where / "shim")
        child = world.copy_child(kind, where / "cli")
        world.use("v2")
        proc = run_mlt(["update", "--json"], child, shim.env(0))
        assert proc.returncode == (3 if kind == "conflict" else 0), proc.stderr
        calls = shim.calls
        exp = uninterrupted(world, kind, where / "lib", calls)
        assert snapshot(child) == exp.after, "the CLI and the library disagree"
        _EXPECTED[kind] = exp
    return _EXPECTED[kind]


def differs(now: dict, want: dict) -> str:
    return ", ".join(k for k in want if now.get(k) != want[k]) or "nothing"


def check_interrupted(child, proc, exp: Expected, sig: str) -> list[str]:
    problems = damage(child)
    now = snapshot(child)
    view = user_view(now)
    state = {user_view(exp.before) == view: "before", user_view(exp.after) == view: "after"}
    if True not in state:
        problems.append(
            f"neither before ({differs(now, exp.before)} differ) nor after "
            f"({differs(now, exp.after)} differ)"
        )
    if now["merge_head"]:
        base = git(child, "rev-parse", "refs/heads/mlt/template")
        if base not in (now["merge_head"], git(child, "rev-parse", "MERGE_HEAD^")):
            problems.append("MERGE_HEAD without the matching template branch")
    journal = (child / ".git" / JOURNAL_FILE).exists()
    if now not in (exp.before, exp.after) and not journal:
        problems.append("the template branch disagrees with the branch and no journal says so")
    if "Traceback" in proc.stderr:
        problems.append(f"traceback: {proc.stderr[-300:]}")
    if sig == "KILL":
        if proc.returncode != -9:
            problems.append(f"exit {proc.returncode}, expected to be killed")
    elif now == exp.before:
        if proc.returncode != 130:
            problems.append(f"nothing changed but exit {proc.returncode}: {proc.stderr[-200:]}")
        if json.loads(proc.stdout).get("exit_code") != 130:
            problems.append(f"--json did not report the interruption: {proc.stdout!r}")
    elif proc.returncode not in (0, 3):
        problems.append(f"exit {proc.returncode} although the update was applied")
    elif not any("held off" in m for m in json.loads(proc.stdout)["messages"]):
        problems.append("the held-off Ctrl-C is not reported")
    return problems


def recover(world: World, child, kind: str, exp: Expected) -> list[str]:
    """Re-run, resolve, continue, then a later update: all must match the uninterrupted run."""
    problems = []
    world.use("v2")
    if snapshot(child)["merge_head"] is None:
        update_project(child)
    if snapshot(child) != exp.after:
        problems.append(
            f"re-run differs from an uninterrupted run in {differs(snapshot(child), exp.after)}"
        )
        return problems
    resolve(child, kind)
    if kind == "conflict":
        continue_update(child)
    if snapshot(child) != exp.resolved:
        problems.append("resolved state differs")
    world.use("v3")
    update_project(child)
    if snapshot(child) != exp.later:
        problems.append(f"the later update differs in {differs(snapshot(child), exp.later)}")
    if (child / ".git" / JOURNAL_FILE).exists():
        problems.append("journal left behind")
    return problems


@pytest.mark.parametrize("sig", ["KILL", "INT"])
@pytest.mark.parametrize("kind", ["clean", "conflict"])
def test_update_interrupted_at_every_git_call(world, kind, sig, tmp_path, tmp_path_factory):
    exp = expected(world, kind, tmp_path_factory)
    assert len(exp.calls) >= 8, exp.calls  # the shim saw the update's git calls
    shim = Shim.install(tmp_path / "shim")
    failures = []
    # The recovery is a function of the state a kill leaves; each distinct state is recovered
    # (re-run, continue, later update) once, which keeps the suite fast.
    recovered: dict[str, list[str]] = {}
    for at, call in enumerate(exp.calls, start=1):
        for when in ("before", "after"):
            child = world.copy_child(kind, tmp_path / f"{at}-{when}")
            world.use("v2")
            proc = run_mlt(["update", "--json"], child, shim.env(at, when, sig))
            problems = check_interrupted(child, proc, exp, sig)
            if not problems:
                journal = child / ".git" / JOURNAL_FILE
                state = repr(snapshot(child)) + (journal.read_text() if journal.exists() else "")
                if state not in recovered:
                    recovered[state] = recover(world, child, kind, exp)
                problems = recovered[state]
            if problems:
                failures.append(f"{when} git call {at} ({call}): " + "; ".join(problems))
            shutil.rmtree(child)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("sig", ["KILL", "INT"])
def test_update_interrupted_at_timed_moments(world, sig, tmp_path, tmp_path_factory):
    """Signals at fixed delays also land between git calls and inside the render."""
    exp = expected(world, "clean", tmp_path_factory)
    failures = []
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3, 0.45):
        child = world.copy_child("clean", tmp_path / f"at-{delay}")
        world.use("v2")
        proc = spawn_mlt(["update", "--json"], child)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            if sig == "KILL":
                os.kill(proc.pid, signal.SIGKILL)
            else:
                os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        finished = done.returncode == 0 and snapshot(child) == exp.after  # before the signal
        problems = [] if finished else check_interrupted(child, done, exp, sig)
        if not problems:
            problems = recover(world, child, "clean", exp)
        if problems:
            failures.append(f"after {delay}s: " + "; ".join(problems))
        shutil.rmtree(child)
    assert not failures, "\n".join(failures)
