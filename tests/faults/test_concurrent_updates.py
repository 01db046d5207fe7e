"""Several `mlt update` runs on one repository at the same time (real processes).

Exactly one may apply the update; the others are refused with one clear line naming the
running one (or, started after it finished, find nothing to do). `mlt/template` must end at
the pristine render of the recorded version (the very commit an undisturbed update makes,
as commit dates are fixed), the repository sound, no lock left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.faults.fault_kit import damage, snapshot, spawn_mlt
from tests.faults.test_update_faults import expected

N = 4
ROUNDS = 4


def _start(child, env) -> subprocess.Popen:
    return spawn_mlt(["update", "--json"], child, env, new_session=False)


def test_concurrent_updates_apply_once(world, tmp_path, tmp_path_factory):
    exp = expected(world, "clean", tmp_path_factory)
    env = {**os.environ, "MLT_TEMPLATES_DIR": str(world.templates["v2"])}
    failures = []
    for round_ in range(ROUNDS):
        child = world.copy_child("clean", tmp_path / f"round-{round_}")
        procs = [_start(child, env) for _ in range(N)]
        outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        applied = refused = 0
        for rc, out, err in outs:
            if "Traceback" in err or "cannot lock ref" in err:
                failures.append(f"round {round_}: raw failure: {err[-400:]}")
                continue
            doc = json.loads(out)
            if rc == 0 and doc.get("status") == "updated":
                applied += 1
            elif rc == 0 and doc.get("status") == "up-to-date":
                pass  # started after the winner had finished
            elif rc == 1 and "another mlt update is running" in doc.get("error", ""):
                refused += 1
                if "pid " not in doc["error"] or not doc.get("hint"):
                    failures.append(f"round {round_}: the refusal names nobody: {doc}")
            else:
                failures.append(f"round {round_}: unexpected exit {rc}: {out} {err[-300:]}")
        if applied != 1:
            failures.append(f"round {round_}: {applied} updates applied, expected exactly 1")
        if snapshot(child) != exp.after:
            failures.append(f"round {round_}: the repository differs from one update's result")
        failures += [f"round {round_}: {p}" for p in damage(child)]
        if (child / ".git" / "mlt-update.lock").exists():
            failures.append(f"round {round_}: lock file left behind")
    assert not failures, "\n".join(failures)


def test_update_waits_for_the_running_one(world, tmp_path):
    """`--wait` queues behind a holder; a lock file whose holder died is taken over."""
    import fcntl

    child = world.copy_child("clean", tmp_path / "child")
    lock = child / ".git" / "mlt-update.lock"
    # A lock left by a killed process: the file, with a pid that no longer runs.
    lock.write_text('{"pid": 999999999, "host": "gone", "started": "long ago"}\n')
    env = {**os.environ, "MLT_TEMPLATES_DIR": str(world.templates["v2"])}
    holder = lock.open("w")  # noqa: SIM115 - held across the runs below
    fcntl.flock(holder, fcntl.LOCK_EX)
    holder.write(json.dumps({"pid": os.getpid(), "host": "here", "started": "now"}))
    holder.flush()
    refused = subprocess.run(
        [sys.executable, "-m", "mlt", "update"],
        cwd=child,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1, refused.stderr
    line = refused.stderr.splitlines()[0]
    assert f"pid {os.getpid()} on here, since now" in line, refused.stderr
    assert "--wait" in refused.stderr
    waiting = spawn_mlt(["update", "--wait"], child, env, new_session=False)
    time.sleep(1.0)
    assert waiting.poll() is None, waiting.communicate()
    holder.close()  # the holder ends (its lock goes with it, the file stays)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "waiting for the mlt update already running" in err
    assert "updated" in out
    assert not lock.exists()
