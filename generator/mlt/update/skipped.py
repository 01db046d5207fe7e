"""`_skip_if_exists`: files a template hands over to the child once they exist.

copier's update (9.x, `Worker._apply_update`) never overwrites an existing file that matches
one of the new version's rendered patterns, and leaves the child's own changes to it alone;
a matching file the child deleted is made again from the new version ("they should even be
recreated if deleted intentionally"), where copier matches it against the patterns rendered
*before* the update knows the answers (so `{{ name }}.env` is `.env` for that check).
Patterns are gitignore-style, matched by pathspec exactly as copier's `_path_matcher` does:
a pattern without `/` matches at any depth.

mlt keeps the 3-way merge for everything else and settles only these paths afterwards:
`ours` where the child has the file, `theirs` where it does not.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from mlt.gitops import git
from mlt.update._git import split_z

OURS, THEIRS = "ours", "theirs"


def matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """copier's `_path_matcher`: NFD-normalised gitignore patterns through pathspec; plain
    one-component globs (most patterns) without importing it, as the copier subset's excludes."""
    from unicodedata import normalize

    from mlt.copier_subset.fast_render import COMPONENT_GLOB, matches_a_component

    patterns = list(patterns)
    if all(COMPONENT_GLOB.fullmatch(p) for p in patterns):
        return lambda path: matches_a_component(tuple(patterns), PurePosixPath(path))

    import pathspec

    major = int(str(pathspec.__version__).split(".")[0])
    kind = "gitignore" if major >= 1 else "gitwildmatch"
    spec = pathspec.PathSpec.from_lines(kind, (normalize("NFD", p) for p in patterns))
    return spec.match_file


def skipped_paths(
    repo: Path, ours: str, theirs: str, patterns: list[str], if_deleted: list[str]
) -> dict[str, str]:
    """{path: OURS | THEIRS} for the matching paths whose merge result copier would decide
    differently from a plain merge; empty (and no git call) without patterns."""
    if not patterns:
        return {}
    match, match_deleted = matcher(patterns), matcher(if_deleted)
    ours_files, theirs_files = _entries(repo, ours), _entries(repo, theirs)
    settled: dict[str, str] = {}
    for path, entry in ours_files.items():
        if theirs_files.get(path) != entry and match(path):
            settled[path] = OURS
    for path in theirs_files.keys() - ours_files.keys():
        if match_deleted(path):
            settled[path] = THEIRS
    return dict(sorted(settled.items()))


def settle_worktree(repo: Path, ours: str, theirs: str, settled: dict[str, str]) -> None:
    """During a merge (MERGE_HEAD set): give each path its side in index and working tree."""
    for side, commit in ((OURS, ours), (THEIRS, theirs)):
        paths = [p for p, s in settled.items() if s == side]
        if paths:
            git("--literal-pathspecs", "checkout", "-q", commit, "--", *paths, cwd=repo)


def settle_tree(repo: Path, tree: str, ours: str, theirs: str, settled: dict[str, str]) -> str:
    """`tree` (a dry merge's result) with each path taken from its side; built in a
    throwaway index, so the repository's index and files are untouched."""
    if not settled:
        return tree
    sides = {
        side: _entries(repo, commit, [p for p, s in settled.items() if s == side])
        for side, commit in ((OURS, ours), (THEIRS, theirs))
    }
    lines = []
    for path, side in settled.items():
        lines.append(f"0 {'0' * 40}\t{path}")
        if path in sides[side]:
            mode, sha = sides[side][path]
            lines.append(f"{mode} {sha}\t{path}")
    with tempfile.TemporaryDirectory(prefix="mlt-skip-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git("read-tree", tree, cwd=repo, env=env)
        git("update-index", "--index-info", cwd=repo, env=env, input="\n".join(lines) + "\n")
        return git("write-tree", cwd=repo, env=env)


def _entries(
    repo: Path, treeish: str, only: Iterable[str] | None = None
) -> dict[str, tuple[str, str]]:
    """{path: (mode, blob)} of the files in treeish (all, or just `only`)."""
    args = ["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", treeish]
    if only is not None:
        only = list(only)
        if not only:
            return {}
        args += ["--", *only]
    found = {}
    for record in split_z(git(*args, cwd=repo)):
        meta, _, path = record.partition("\t")
        mode, _kind, sha = meta.split()
        found[path] = (mode, sha)
    return found
