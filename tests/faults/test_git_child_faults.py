"""Faults that land inside one of `mlt update`'s git processes, not between them.

- Ctrl-C while each git child runs (git and mlt both get SIGINT, as from a terminal): exit
  130 with "nothing was changed" whenever nothing changed, else the update completes.
- A `kill -9` in the middle of `git fast-import` (after it wrote its pack and its `.keep`,
  before it dropped the `.keep`): the next `mlt update` must work, not fail forever with
  "cannot create keep file".
"""

from __future__ import annotations

import json
import shutil

from tests.faults.fault_kit import Shim, damage, run_mlt, snapshot, spawn_mlt, user_view
from tests.faults.test_update_faults import expected

# At call FAULT_AT the real git runs in the background (job control on, so it does not
# ignore SIGINT unless mlt made it), then git and mlt both get SIGINT, as a terminal sends it.
DURING = """#!/usr/bin/env bash
n=$(( $(cat "$FAULT_DIR/count" 2>/dev/null || echo 0) + 1 )); echo $n > "$FAULT_DIR/count"
printf '%s %s\\n' "$n" "$*" >> "$FAULT_DIR/calls"
if [ "$n" != "$FAULT_AT" ]; then exec "$REAL_GIT" "$@"; fi
trap 'true' INT
set -m
"$REAL_GIT" "$@" & pid=$!
sleep "$FAULT_DELAY"
kill -INT "$pid" 2>/dev/null
kill -INT "$PPID"
wait "$pid"
"""


def test_sigint_while_each_git_child_runs(world, tmp_path, tmp_path_factory):
    exp = expected(world, "clean", tmp_path_factory)
    shim = Shim.install(tmp_path / "shim")
    (shim.dir / "git").write_text(DURING)
    failures = []
    for at, call in enumerate(exp.calls, start=1):
        # Right as git starts, or once it is running: alternated to keep the suite short.
        for delay in ("0",) if at % 2 else ("0.02",):
            child = world.copy_child("clean", tmp_path / f"{at}-{delay}")
            env = {**shim.env(at), "FAULT_DELAY": delay}
            env["MLT_TEMPLATES_DIR"] = str(world.templates["v2"])
            proc = run_mlt(["update", "--json"], child, env)
            now = snapshot(child)
            problems = damage(child)
            if "Traceback" in proc.stderr:
                problems.append(f"traceback: {proc.stderr[-300:]}")
            if user_view(now) == user_view(exp.before):
                doc = json.loads(proc.stdout or "{}")
                if proc.returncode != 130 or doc.get("exit_code") != 130:
                    problems.append(f"nothing changed but exit {proc.returncode}: {proc.stderr}")
                elif "nothing was changed" not in proc.stderr:
                    problems.append(f"does not say nothing changed: {proc.stderr}")
            elif user_view(now) == user_view(exp.after):
                if proc.returncode != 0:
                    problems.append(f"applied, but exit {proc.returncode}: {proc.stderr}")
            else:
                problems.append("neither before nor after")
            again = run_mlt(["update", "--json"], child, {**env, "FAULT_AT": "0"})
            if again.returncode != 0 or snapshot(child) != exp.after:
                problems.append(f"the re-run did not complete the update: {again.stderr}")
            if problems:
                failures.append(f"SIGINT {delay}s into git call {at} ({call}): {problems}")
            shutil.rmtree(child)
    assert not failures, "\n".join(failures)


def test_rerun_after_fast_import_killed_with_its_keep(world, tmp_path, tmp_path_factory):
    exp = expected(world, "clean", tmp_path_factory)
    env = {**Shim.install(tmp_path / "shim").env(0)}
    env["MLT_TEMPLATES_DIR"] = str(world.templates["v2"])
    # Which packs the update imports (renders are byte-identical: dates are fixed).
    probe = world.copy_child("clean", tmp_path / "probe")
    packs_before = {p.name for p in (probe / ".git/objects/pack").glob("pack-*.pack")}
    assert run_mlt(["update"], probe, env).returncode == 0
    made = [
        p.stem
        for p in (probe / ".git/objects/pack").glob("pack-*.pack")
        if p.name not in packs_before
    ]
    assert made, "the update imported no pack"
    # The state a kill -9 inside fast-import's keep window leaves: the .keep of its pack.
    child = world.copy_child("clean", tmp_path / "child")
    for stem in made:
        (child / ".git/objects/pack" / f"{stem}.keep").write_text("fast-import")
    user_keep = child / ".git/objects/pack/pack-0000000000000000000000000000000000000000.keep"
    user_keep.write_text("kept by the user\n")
    proc = run_mlt(["update", "--json"], child, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert snapshot(child) == exp.after
    assert damage(child) == []
    assert user_keep.exists()  # only fast-import's own leftovers are removed


def test_sigint_in_the_first_hundredths_of_a_second(world, tmp_path):
    """Ctrl-C while the interpreter and mlt load: once mlt's first line runs, 130 and one
    line, never a traceback. Before it (the interpreter's own start, ~15 ms on an idle
    machine: `import site`, runpy) Python itself prints a traceback no program can intercept;
    even then none of mlt's frames may appear in it."""
    import os
    import signal
    import time

    failures = []
    env = {**os.environ, "MLT_TEMPLATES_DIR": str(world.templates["v2"])}
    for delay in (0.0, 0.005, 0.01, 0.02, 0.025, 0.03, 0.04):
        child = world.copy_child("clean", tmp_path / f"at-{delay}")
        before = snapshot(child)
        proc = spawn_mlt(["update", "--json"], child, env)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        if snapshot(child) != before:
            continue  # finished before the signal (a very fast machine)
        interpreter = "Traceback" in err and "/mlt/" not in err  # Python's own start
        if "Traceback" in err and not interpreter:
            failures.append(f"{delay}s: traceback: {err[-300:]}")
        elif not interpreter and proc.returncode not in (130, -signal.SIGINT):
            failures.append(f"{delay}s: nothing changed but exit {proc.returncode}: {err}")
        elif proc.returncode == 130 and "interrupted" not in err:
            failures.append(f"{delay}s: exit 130 without saying so: {err}")
        shutil.rmtree(child)
    assert not failures, "\n".join(failures)
