"""Benchmark `mlt update` against `copier update` and `cruft update`, plus fleet and check.

Synthetic template with N files (40 and 400) in a local git repo tagged v1 and v2; v1 → v2
changes the same 8 files at both sizes (5 modified, 2 added, 1 deleted). Each child carries 3
local edits that do not collide (a clean update). cruft needs a cookiecutter template, so an
equivalent one is generated. Every timed run is a CLI subprocess on a fresh copy of the child.
Runs go in rounds (each tool once per round) and ratios are medians of per-round ratios, so
a shared machine's slow spells do not favour whichever tool ran during a quiet one.

    uv pip install -e '.[bench]'          # cruft
    python benchmarks/bench_update.py [--reps 9] [--no-400-baselines]

Targets (docs/issue #3): mlt ≤ 0.5× cruft and ≤ 0.25× copier at 40 files; mlt at 400 files
≤ 2× mlt at 40; 20 children ≤ 5 s; `mlt check` (bundled template) ≤ 0.3 s. Issue #10: the same
40-file template with the settings real templates commonly add (`_min_copier_version`,
`_skip_if_exists`, `_tasks`) stays on mlt's fast path: ≤ 0.5× cruft and ≤ 0.2× copier on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Bytecode caching on (into a private prefix), as on a user's machine: this box sets
# PYTHONDONTWRITEBYTECODE, which would make every tool recompile its imports on every run.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": str(Path.home() / ".cache" / "mlt-bench" / "pycache"),
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
BIN = Path(sys.executable).parent


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; fail loudly with its stderr."""
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env or ENV, capture_output=True, text=True
    )
    if proc.returncode not in (0,):
        raise RuntimeError(f"{' '.join(map(str, args))} -> {proc.returncode}\n{proc.stderr}")
    return proc.stdout


def timed(args: list[str | Path], cwd: Path | None = None, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds one CLI call takes (the exit code must be in ok)."""
    start = time.perf_counter()
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(map(str, args))} -> {proc.returncode}\n{proc.stderr}")
    return elapsed


# --- the synthetic template ---------------------------------------------------------------


def body(i: int, var: str) -> str:
    """Twenty lines; every fourth file mentions the project name (a real Jinja render)."""
    lines = [f"file {i} line {n}\n" for n in range(20)]
    if i % 4 == 0:
        lines[0] = f"# {var} file {i}\n"
    return "".join(lines)


def template_files(n: int, var: str, version: int) -> dict[str, str]:
    """{relative name: text} of the template's project files at v1 or v2."""
    files = {f"file_{i:03d}.txt": body(i, var) for i in range(n)}
    if version == 2:
        for i in range(5):  # 5 modified, at line 15 (local edits go to the end of other files)
            files[f"file_{i:03d}.txt"] = files[f"file_{i:03d}.txt"].replace(
                f"file {i} line 15\n", f"file {i} line 15 (v2)\n"
            )
        files["added_1.txt"] = "new in v2\n"  # 2 added
        files["added_2.txt"] = f"{var} new in v2\n"
        del files[f"file_{n - 1:03d}.txt"]  # 1 deleted
    return files


def git_repo_with_tags(root: Path, write: Callable[[Path, int], None]) -> Path:
    """A git repo where write(root, version) produced v1 then v2, each tagged."""
    root.mkdir(parents=True)
    run("git", "init", "-q", "-b", "main", cwd=root)
    for version in (1, 2):
        write(root, version)
        run("git", "add", "-A", cwd=root)
        run("git", "commit", "-q", "-m", f"v{version}", cwd=root)
        run("git", "tag", f"v{version}", cwd=root)
    return root


# What real templates commonly add (a skipped file that v2 changes, and a task).
SETTINGS = (
    "_min_copier_version: '9.0.0'\n"
    "_skip_if_exists: [file_004.txt, '*.local']\n"
    "_tasks: ['git status']\n"
)


def write_copier(root: Path, n: int, version: int, settings: str = "") -> None:
    """copier layout: copier.yml + project/*.jinja."""
    project = root / "project"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    (root / "copier.yml").write_text(
        settings + "_subdirectory: project\nproject_name:\n  type: str\n  default: demo\n"
    )
    (project / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n"
    )
    for name, text in template_files(n, "{{ project_name }}", version).items():
        (project / f"{name}.jinja").write_text(text)


def write_cookiecutter(root: Path, n: int, version: int) -> None:
    """cookiecutter layout (for cruft): cookiecutter.json + {{cookiecutter.project_name}}/."""
    project = root / "{{cookiecutter.project_name}}"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    (root / "cookiecutter.json").write_text('{"project_name": "demo"}\n')
    for name, text in template_files(n, "{{ cookiecutter.project_name }}", version).items():
        (project / name).write_text(text)


# --- children -------------------------------------------------------------------------------


def local_edits(child: Path) -> None:
    """3 local edits away from the upstream change, committed."""
    for i in (5, 6, 7):
        with (child / f"file_{i:03d}.txt").open("a") as fh:
            fh.write("team-local line\n")
    run("git", "add", "-A", cwd=child)
    run("git", "commit", "-q", "-m", "local edits", cwd=child)


def git_init_commit(child: Path) -> None:
    run("git", "init", "-q", "-b", "main", cwd=child)
    run("git", "add", "-A", cwd=child)
    run("git", "commit", "-q", "-m", "initial", cwd=child)


def mlt_child(template: Path, parent: Path, name: str = "demo") -> Path:
    from mlt.scaffold.new import NewRequest, create_project

    path = create_project(
        NewRequest("bench", name, parent, {}, template=str(template), ref="v1")
    ).path
    local_edits(path)
    return path


def copier_child(template: Path, parent: Path, *extra: str) -> Path:
    child = parent / "demo"
    run(
        BIN / "copier",
        "copy",
        *extra,
        "--defaults",
        "--vcs-ref",
        "v1",
        "-d",
        "project_name=demo",
        template,
        child,
    )
    git_init_commit(child)
    local_edits(child)
    return child


def cruft_child(template: Path, parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    run(BIN / "cruft", "create", "--no-input", "--checkout", "v1", "--output-dir", parent, template)
    child = parent / "demo"
    git_init_commit(child)
    local_edits(child)
    return child


# --- measurements ---------------------------------------------------------------------------


def median_update(
    pristine: Path, command: Callable[[Path], list[str | Path]], reps: int, work: Path
) -> float:
    """Median seconds of `command(child)` over reps fresh copies of the pristine child."""
    times = []
    for rep in range(reps):
        child = work / f"rep{rep}" / pristine.name
        shutil.copytree(pristine, child, symlinks=True)
        times.append(timed(command(child), cwd=child))
        shutil.rmtree(child.parent)
    return statistics.median(times)


def count_git(command: list[str | Path], cwd: Path, work: Path) -> int:
    """How many git processes one command spawns (a counting wrapper first on PATH)."""
    shim = work / "shim"
    shim.mkdir(parents=True, exist_ok=True)
    log = work / "git.log"
    real = shutil.which("git")
    (shim / "git").write_text(f'#!/bin/sh\necho "$1" >> {log}\nexec {real} "$@"\n')
    (shim / "git").chmod(0o755)
    env = {**ENV, "PATH": f"{shim}:{ENV['PATH']}"}
    subprocess.run([str(a) for a in command], cwd=cwd, env=env, capture_output=True, check=False)
    return len(log.read_text().splitlines()) if log.exists() else 0


Command = Callable[[Path], list[str | Path]]


def mlt_update(child: Path) -> list[str | Path]:
    return [BIN / "mlt", "update", child]


def contestants(n: int, work: Path, baselines: bool) -> dict[str, tuple[Path, Command]]:
    """{label: (pristine child, update command)} for one template size."""
    root = work / f"n{n}"
    copier_tpl = git_repo_with_tags(root / "tpl-copier", lambda r, v: write_copier(r, n, v))
    found: dict[str, tuple[Path, Command]] = {
        f"mlt{n}": (mlt_child(copier_tpl, root / "mlt"), mlt_update)
    }
    if baselines:
        found[f"copier{n}"] = (
            copier_child(copier_tpl, root / "copier"),
            lambda c: [BIN / "copier", "update", "--defaults", "--vcs-ref", "v2", c],
        )
        cc_tpl = git_repo_with_tags(root / "tpl-cc", lambda r, v: write_cookiecutter(r, n, v))
        found[f"cruft{n}"] = (
            cruft_child(cc_tpl, root / "cruft"),
            lambda c: [BIN / "cruft", "update", "-y", "--checkout", "v2", "-p", c],
        )
    return found


def settings_contestants(work: Path) -> dict[str, tuple[Path, Command]]:
    """mlt and copier on the 40-file template with SETTINGS (cruft's is the plain one)."""
    root = work / "settings40"
    tpl = git_repo_with_tags(root / "tpl", lambda r, v: write_copier(r, 40, v, SETTINGS))
    return {
        "mlt-settings40": (mlt_child(tpl, root / "mlt"), mlt_update),
        "copier-settings40": (
            copier_child(tpl, root / "copier", "--trust", "--skip-tasks"),
            # --trust: copier refuses a template with tasks otherwise (mlt warns instead)
            lambda c: (
                [BIN / "copier", "update", "--defaults", "--trust", "--skip-tasks"]
                + ["--vcs-ref", "v2", c]
            ),
        ),
    }


def rounds(entries: dict[str, tuple[Path, Command]], reps: int, work: Path) -> dict[str, list]:
    """Seconds per update, in rounds: every contestant once per round (order rotating), so
    a slow spell of a shared machine hits all of them alike and the ratios stay fair."""
    times: dict[str, list[float]] = {label: [] for label in entries}
    labels = list(entries)
    for rep in range(reps):
        shift = rep % len(labels)
        for label in labels[shift:] + labels[:shift]:
            pristine, command = entries[label]
            child = work / "t" / label / pristine.name
            shutil.copytree(pristine, child, symlinks=True)
            times[label].append(timed(command(child), cwd=child))
            shutil.rmtree(child.parent)
    return times


def paired_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """Median over rounds of a/b (each round's two runs saw the same machine)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))


def bench_bundled(n: int, reps: int, work: Path) -> float:
    """mlt update with the template as a bundled one (MLT_TEMPLATES_DIR): no clone at all."""
    from mlt.scaffold.new import NewRequest, create_project

    templates = work / f"bundled{n}"
    tpl = templates / "library"
    write_copier(tpl, n, 1)
    (tpl / "mlt-template.yml").write_text("version: 1.0.0\nmigrations: []\n")
    os.environ["MLT_TEMPLATES_DIR"] = ENV["MLT_TEMPLATES_DIR"] = str(templates)
    try:
        child = create_project(NewRequest("library", "demo", work / f"bkids{n}", {})).path
        local_edits(child)
        write_copier(tpl, n, 2)
        (tpl / "mlt-template.yml").write_text("version: 1.1.0\nmigrations: []\n")
        return median_update(child, lambda c: [BIN / "mlt", "update", c], reps, work / "bt")
    finally:
        del os.environ["MLT_TEMPLATES_DIR"], ENV["MLT_TEMPLATES_DIR"]


def bench_fleet(count: int, reps: int, work: Path) -> float:
    root = work / "fleet"
    tpl = git_repo_with_tags(root / "tpl", lambda r, v: write_copier(r, 40, v))
    pristine = root / "pristine"
    kids = [mlt_child(tpl, pristine, f"kid{i}") for i in range(count)]
    times = []
    for rep in range(reps):
        rep_dir = root / f"rep{rep}"
        shutil.copytree(pristine, rep_dir, symlinks=True)
        fleet = rep_dir / "fleet.txt"
        fleet.write_text("".join(f"{rep_dir / k.name}\n" for k in kids))
        times.append(timed([BIN / "mlt", "fleet", "update", fleet]))
        shutil.rmtree(rep_dir)
    return statistics.median(times)


def bench_check(reps: int, work: Path) -> float:
    from mlt.scaffold.new import NewRequest, create_project

    child = create_project(NewRequest("service", "checked", work / "check", {})).path
    times = [timed([BIN / "mlt", "check", child], ok=(0, 2)) for _ in range(reps)]
    return statistics.median(times)


def report(times: dict[str, list[float]], git40: int, git400: int, extra: dict[str, float]) -> None:
    med = {label: statistics.median(values) for label, values in times.items()}
    print("\nmedians (seconds)")
    print(f"{'':24}{'mlt':>8}{'copier':>9}{'cruft':>8}")
    for n in (40, 400):
        cells = [
            f"{med[k]:.2f}" if k in med else "-" for k in (f"mlt{n}", f"copier{n}", f"cruft{n}")
        ]
        print(f"{f'update, {n} files':24}{cells[0]:>8}{cells[1]:>9}{cells[2]:>8}")
    print(f"git processes per mlt update: {git40} (40 files), {git400} (400 files)")
    print(f"mlt update, bundled template (no clone), 40 files: {extra['bundled']:.2f}")
    print(
        "update, 40 files, _min_copier_version + _skip_if_exists + _tasks: "
        f"mlt {med['mlt-settings40']:.2f}, copier {med['copier-settings40']:.2f}"
    )
    print("\ntargets (ratios: median of per-round ratios)")
    checks = [
        ("mlt / cruft, 40 files", paired_ratio(times, "mlt40", "cruft40"), 0.5),
        ("mlt / copier, 40 files", paired_ratio(times, "mlt40", "copier40"), 0.25),
        ("mlt / cruft, settings", paired_ratio(times, "mlt-settings40", "cruft40"), 0.5),
        ("mlt / copier, settings", paired_ratio(times, "mlt-settings40", "copier-settings40"), 0.2),
        ("mlt 400 / mlt 40", paired_ratio(times, "mlt400", "mlt40"), 2.0),
        ("fleet of 20 (s)", extra["fleet"], 5.0),
        ("mlt check, bundled (s)", extra["check"], 0.3),
    ]
    for label, value, limit in checks:
        verdict = "ok" if value <= limit else "MISSED"
        print(f"  {label:26} {value:6.2f}  (target ≤ {limit:g})  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument(
        "--no-400-baselines",
        action="store_true",
        help="skip copier/cruft at 400 files (copier takes ~10 s per update)",
    )
    args = parser.parse_args()
    for tool in ("mlt", "copier", "cruft"):  # warm the bytecode cache
        subprocess.run([BIN / tool, "--help"], env=ENV, capture_output=True, check=False)
    with tempfile.TemporaryDirectory(prefix="mlt-bench-") as tmp:
        work = Path(tmp)
        entries = contestants(40, work, baselines=True) | settings_contestants(work)
        entries |= contestants(400, work, baselines=not args.no_400_baselines)
        times = rounds(entries, args.reps, work)
        git40, git400 = (
            count_git(mlt_update(entries[k][0]), entries[k][0], work / k)
            for k in ("mlt40", "mlt400")
        )
        extra = {
            "fleet": bench_fleet(20, max(1, args.reps // 2), work),
            "check": bench_check(max(5, args.reps), work),
            "bundled": bench_bundled(40, args.reps, work),
        }
        report(times, git40, git400, extra)


if __name__ == "__main__":
    main()
