"""Read a git template at a ref the way copier's clone would check it out, without cloning.

The files are read from the repository's objects into memory (a `SourceTree`), which the fast
renderer (`fast_render`) renders; `GitCheckout` carries what copier would record about the
template (`_commit`, `vcs_ref`, the full sha).
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from mlt.copier_subset.errors import Unsupported
from mlt.copier_subset.source_tree import Blob, SourceTree
from mlt.gitops import GitError, run_git


@dataclass(frozen=True)
class GitCheckout:
    """What copier's `Template` knows of a git template cloned at `ref`."""

    ref: str  # the ref as given (copier's `vcs_ref`)
    commit: str  # `git describe --tags --always` at the ref (copier's `Template.commit`)
    commit_hash: str  # the full sha (copier's `Template.commit_hash`)


# A ref that resolves in copier's clone exactly as `refs/tags/<ref>` or `refs/heads/<ref>`
# resolves in the repository: a plain ref name that no other rule of git's DWIM can claim in
# the clone (its own HEAD-like files, `refs/<ref>`, `refs/remotes/origin/...`, a sha prefix).
_PLAIN_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/+-]*")
_CLONE_NAMESPACES = ("refs/", "tags/", "heads/", "remotes/", "origin/", "HEAD")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_DESCRIBED_HASH = re.compile(r"(?:.+-\d+-g)?([0-9a-f]+)")
# Config that changes what a checkout writes or what `describe` prints: copier's clone reads
# the user's and system's config, the repository's own config it does not.
_CHECKOUT_CONFIG = r"^core\.(abbrev|autocrlf|eol|attributesfile|checkroundtripencoding)$"


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Raw stdout of `git -C repo ARGS`; any failure means "let copier do it"."""
    try:
        run = run_git("-C", str(repo), *args, cwd=repo, env={"LC_ALL": "C"}, input=stdin)
    except GitError as exc:
        raise Unsupported(f"git: {exc.message}") from exc
    if run.rc:
        raise Unsupported(f"git {args[0]}: {run.err.strip()}")
    return run.stdout


def read_local(url: str, ref: str) -> tuple[GitCheckout, SourceTree]:
    """The files of `ref` of the local git repository `url`, as copier's clone + `git
    checkout` would write them, and the ref described as copier does.

    copier 9 (`_vcs.clone`, `Template.commit`) clones a local repository with all its tags
    and branches (`refs/remotes/origin/*`), checks out `ref` (or `refs/remotes/origin/<ref>`)
    and runs `git describe --tags --always` there. Only refs that mean the same commit in
    that clone are taken: a tag, a branch, a full sha, or HEAD on a branch of a clean work
    tree (copier commits the changes of a dirty one). Files are written raw with git's
    modes (0666/0777 less the umask), which needs a tree without .gitattributes and no
    config that converts on checkout.
    """
    if url.startswith("~") or url.endswith(".git"):
        raise Unsupported("copier resolves this path its own way")
    repo = Path(url)
    # copier's `get_repo`: a local template is git when it is a work tree's top folder.
    lines = _git(repo, "rev-parse", "--show-toplevel", "--is-shallow-repository").splitlines()
    if len(lines) != 2 or Path(os.fsdecode(lines[0])).resolve() != repo.resolve():
        raise Unsupported("not the top of a git work tree")
    if lines[1] != b"false":
        raise Unsupported("a shallow repository")
    if _git_config_set(repo) or _global_attributes().is_file():
        raise Unsupported("git config or attributes that change a checkout")
    commit_hash = _resolve(repo, ref)
    commit = _git(repo, "describe", "--tags", "--always", commit_hash).decode().strip()
    described = _DESCRIBED_HASH.fullmatch(commit)
    abbrev = described.group(1) if described else ""
    if len(abbrev) >= 4 and commit_hash.startswith(abbrev) and len(abbrev) != 7:
        # The abbreviation grows with the object count, which the clone need not share.
        raise Unsupported(f"describe abbreviates to {abbrev}")
    tree = _read_tree(repo, commit_hash)
    return GitCheckout(ref=ref, commit=commit, commit_hash=commit_hash), tree


def _git_config_set(repo: Path) -> bool:
    try:
        _git(repo, "config", "--get-regexp", _CHECKOUT_CONFIG)
    except Unsupported:
        return False  # exit 1: none set
    return True


def _global_attributes() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME")
    return Path(base or Path("~/.config").expanduser(), "git", "attributes")


def _resolve(repo: Path, ref: str) -> str:
    """The commit `ref` names in copier's clone of `repo`, or Unsupported."""
    if ref == "HEAD":
        head = Path(repo, ".git", "HEAD")
        try:
            on_branch = head.read_text(encoding="utf-8").startswith("ref: refs/heads/")
        except OSError:
            on_branch = False
        if not on_branch:
            raise Unsupported("HEAD is not a branch of a plain work tree")
        if _git(repo, "status", "--porcelain"):
            raise Unsupported("dirty HEAD: copier commits the changes")
        candidates = ["HEAD"]
    elif _SHA.fullmatch(ref):
        candidates = [ref]
    elif (
        _PLAIN_REF.fullmatch(ref)
        and not ref.startswith(_CLONE_NAMESPACES)
        and ".." not in ref
        and not ref.endswith((".lock", "/", "."))
        and not re.fullmatch(r"[A-Z_]*HEAD", ref)
        and ref != "origin"
    ):
        candidates = [f"refs/tags/{ref}"]
        if not re.fullmatch(r"[0-9a-fA-F]{4,}", ref):
            # In the clone a branch other than the default is only `origin/<ref>`, which
            # git tries after taking a hex name for an abbreviated object name.
            candidates.append(f"refs/heads/{ref}")
    else:
        raise Unsupported(f"ref {ref!r} may resolve differently in copier's clone")
    query = "".join(f"{c}^{{commit}}\n" for c in candidates).encode()
    for line in _git(repo, "cat-file", "--batch-check=%(objectname)", stdin=query).splitlines():
        sha = line.decode().strip()
        if _SHA.fullmatch(sha):
            return sha
    raise Unsupported(f"no commit {ref!r}")  # copier says it in its own words


def _read_tree(repo: Path, commit_hash: str) -> SourceTree:
    """The files of `commit_hash` with the modes `git checkout` would give them."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit_hash)
    entries: list[tuple[str, str, str]] = []  # (mode, sha, path)
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        path = os.fsdecode(raw_path)
        name = path.rsplit("/", 1)[-1]
        if kind != "blob" or mode not in ("100644", "100755"):
            raise Unsupported(f"{path}: a {kind} of mode {mode} (symlink or submodule)")
        if name in (".gitattributes", ".gitmodules") or ".." in path.split("/"):
            raise Unsupported(f"{path}: attributes, submodules or an odd path")
        entries.append((mode, sha, path))
    wanted = "".join(f"{sha}\n" for _, sha, _ in entries).encode()
    blobs = _git(repo, "cat-file", "--batch", stdin=wanted)
    # git's checkout creates files with 0666 or 0777 and lets the umask take its part.
    umask = _umask()
    modes = {"100644": stat.S_IFREG | (0o666 & ~umask), "100755": stat.S_IFREG | (0o777 & ~umask)}
    files: dict[str, Blob] = {}
    offset = 0
    for mode, sha, path in entries:
        end = blobs.index(b"\n", offset)
        header = blobs[offset:end].split()
        if len(header) != 3 or header[0].decode() != sha or header[1] != b"blob":
            raise Unsupported(f"git cat-file: unexpected {header!r}")
        size = int(header[2])
        files[path] = Blob(modes[mode], blobs[end + 1 : end + 1 + size])
        offset = end + 1 + size + 1
    return SourceTree(files)


@functools.cache
def _umask() -> int:
    """The process umask, read without changing it where Linux allows (fleet updates run
    in threads, and os.umask can only be read by setting it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current
