"""Thin, fast wrappers around the git CLI, shared by `mlt new` and `mlt update`.

Every call is one `git` process; callers keep the count low (copier spends ~200 per update).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mlt.errors import MltError

# Used only when the user has no git identity configured, so commits never fail on a fresh machine.
_FALLBACK_IDENTITY = {"name": "mlt", "email": "mlt@localhost"}


class GitError(MltError):
    """A git command failed; the message carries git's own last line of stderr."""


@dataclass
class GitRun:
    """A finished git process, for callers whose exit codes carry meaning (merge, grep)."""

    rc: int
    stdout: bytes
    err: str

    @property
    def out(self) -> str:
        """stdout as text."""
        return self.stdout.decode(errors="replace")

    @property
    def last_error(self) -> str:
        """git's most telling stderr line (its first 'error:'/'fatal:' line, else the last)."""
        lines = [line.strip() for line in self.err.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("error:", "fatal:")):
                return line
        return lines[-1] if lines else f"exit code {self.rc}"


def run_git(
    *args: str,
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    input: str | bytes | None = None,
) -> GitRun:
    """Run `git ARGS` in cwd without raising on a non-zero exit; the caller reads `rc`."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("GIT_TERMINAL_PROMPT", "0")
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=full_env,
            input=input.encode() if isinstance(input, str) else input,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (needed to record the project history)") from None
    return GitRun(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))


def git(
    *args: str,
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    input: str | bytes | None = None,
) -> str:
    """Run `git ARGS` in cwd and return stdout (text, stripped of the final newline)."""
    run = run_git(*args, cwd=cwd, env=env, input=input)
    if check and run.rc != 0:
        err = run.err.strip().splitlines()
        raise GitError(f"git {args[0]} failed: {err[-1] if err else f'exit code {run.rc}'}")
    return run.out.removesuffix("\n")


@dataclass(frozen=True)
class Identity:
    """Who commits: env vars for git's own commit commands, and the two ident lines
    ("Name <email> 1700000000 +0000") for commits written through `commit_files`."""

    env: dict[str, str]
    author: str
    committer: str
    fallback: bool = False  # no name/email configured: mlt's neutral one is used (NOTICE)


# What mlt says when it commits with its own fallback identity (once per command).
FALLBACK_NOTICE = (
    "no git identity is configured, so mlt commits as "
    f"{_FALLBACK_IDENTITY['name']} <{_FALLBACK_IDENTITY['email']}>; set yours with "
    '`git config --global user.name "Your Name"` and '
    "`git config --global user.email you@example.com`"
)


_IDENT = re.compile(r"(.*) <([^<>]*)> (\d+ [+-]\d{4})")


def identity(repo: Path | str) -> Identity:
    """The committer, with a neutral fallback name/email where none is configured (one git
    process: `git var -l` lists the config and both idents, as git would use them)."""
    listed: dict[str, str] = {}
    for line in git("var", "-l", cwd=repo).splitlines():
        key, sep, value = line.partition("=")
        if sep:
            listed[key] = value
    env: dict[str, str] = {}
    for key, var in (("name", "NAME"), ("email", "EMAIL")):
        if f"user.{key}" not in listed and not os.environ.get(f"GIT_AUTHOR_{var}"):
            env[f"GIT_AUTHOR_{var}"] = env[f"GIT_COMMITTER_{var}"] = _FALLBACK_IDENTITY[key]

    def ident(var: str) -> str:
        match = _IDENT.fullmatch(listed.get(var, ""))
        if match is None:
            raise GitError(f"git var: no {var} in its listing")
        name = env.get(f"{var[:-6]}_NAME", match.group(1))
        email = env.get(f"{var[:-6]}_EMAIL", match.group(2))
        return f"{name} <{email}> {match.group(3)}"

    if env:
        _FELL_BACK.append(True)
    return Identity(env, ident("GIT_AUTHOR_IDENT"), ident("GIT_COMMITTER_IDENT"), bool(env))


# Whether this process has committed with the fallback identity: `mlt new` says so once,
# without another git process after the project is in place.
_FELL_BACK: list[bool] = []


def fell_back(forget: bool = True) -> bool:
    """True if `identity` used the fallback name/email since the last call (which forgets)."""
    used = bool(_FELL_BACK)
    if forget:
        _FELL_BACK.clear()
    return used


def identity_env(repo: Path | str) -> dict[str, str]:
    """Author/committer env vars, falling back to a neutral identity when none is configured."""
    return identity(repo).env


class FileBlob(Protocol):
    """A file to commit: its st_mode (regular file or symlink) and its bytes."""

    @property
    def mode(self) -> int: ...

    @property
    def data(self) -> bytes: ...


# fast-import needs a branch name to build a commit on; the `reset` at the end of the stream
# leaves it unset, so the repository's refs never change.
_SCRATCH_REF = "refs/mlt/fast-import"


def commit_files(
    repo: Path | str,
    files: Mapping[str, FileBlob],
    message: str,
    parents: Sequence[str],
    ident: Identity,
) -> str:
    """Commit exactly `files` ({POSIX path: blob}) as a new commit object; return its sha.

    One `git fast-import`: blobs, trees and the commit go into one new pack, nothing touches
    the index, the working tree or any ref. The caller moves a ref to it (`git update-ref`).
    Executable files are recorded 100755 (any user-exec bit), symlinks 120000.
    """
    chunks = [b"feature done\nreset ", _SCRATCH_REF.encode(), b"\ncommit ", _SCRATCH_REF.encode()]
    chunks.append(f"\nmark :1\nauthor {ident.author}\ncommitter {ident.committer}\n".encode())
    text = message.encode() + (b"" if message.endswith("\n") else b"\n")
    chunks += [b"data %d\n" % len(text), text, b"\n"]
    chunks += [f"{'from' if i == 0 else 'merge'} {sha}\n".encode() for i, sha in enumerate(parents)]
    chunks.append(b"deleteall\n")
    for path, blob in sorted(files.items()):
        if stat.S_ISLNK(blob.mode):
            mode = b"120000"
        else:
            mode = b"100755" if blob.mode & stat.S_IXUSR else b"100644"
        chunks += [b"M ", mode, b" inline ", _quote_path(path), b"\n"]
        chunks += [b"data %d\n" % len(blob.data), blob.data, b"\n"]
    chunks.append(f"get-mark :1\nreset {_SCRATCH_REF}\ndone\n".encode())
    return _fast_import(repo, b"".join(chunks))


def commit_without(
    repo: Path | str, parent: str, paths: Sequence[str], message: str, ident: Identity
) -> str:
    """A new commit object: `parent`'s tree minus `paths` (one fast-import, no ref moves)."""
    chunks = [b"feature done\nreset ", _SCRATCH_REF.encode(), b"\ncommit ", _SCRATCH_REF.encode()]
    chunks.append(f"\nmark :1\nauthor {ident.author}\ncommitter {ident.committer}\n".encode())
    text = message.encode() + (b"" if message.endswith("\n") else b"\n")
    chunks += [b"data %d\n" % len(text), text, f"from {parent}\n".encode()]
    chunks += [b"D " + _quote_path(path) + b"\n" for path in paths]
    chunks.append(f"get-mark :1\nreset {_SCRATCH_REF}\ndone\n".encode())
    return _fast_import(repo, b"".join(chunks))


def _fast_import(repo: Path | str, stream: bytes) -> str:
    run = run_git(
        "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", cwd=repo, input=stream
    )
    if run.rc != 0 and "keep file" in run.err and _drop_stale_keeps(repo):
        # A fast-import killed between writing its pack and unkeeping it left `pack-X.keep`;
        # the same render makes the same pack X again, so it could never be re-imported.
        run = run_git(
            "-c", "fastimport.unpackLimit=0", "fast-import", "--quiet", cwd=repo, input=stream
        )
    sha = run.out.strip()
    if run.rc != 0 or not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha):
        raise GitError(f"git fast-import failed: {run.last_error}")
    return sha


def _drop_stale_keeps(repo: Path | str) -> bool:
    """Delete the `.keep` files a killed `git fast-import` left (they hold exactly
    "fast-import"; a fetch's or the user's say something else); True if any was."""
    packs = Path(git("rev-parse", "--git-path", "objects/pack", cwd=repo))
    packs = packs if packs.is_absolute() else Path(repo) / packs
    dropped = False
    for keep in packs.glob("pack-*.keep"):
        try:
            if keep.read_bytes().strip() == b"fast-import":
                keep.unlink()
                dropped = True
        except OSError:
            continue
    return dropped


def _quote_path(path: str) -> bytes:
    """A path as fast-import reads it: C-quoted when it starts with `"` or holds a newline."""
    raw = os.fsencode(path)
    if not raw.startswith(b'"') and b"\n" not in raw:
        return raw
    quoted = bytearray(b'"')
    for byte in raw:
        if byte in (0x22, 0x5C):  # " and backslash
            quoted += b"\\" + bytes([byte])
        elif byte == 0x0A:
            quoted += b"\\n"
        elif byte < 0x20 or byte == 0x7F:
            quoted += b"\\%03o" % byte
        else:
            quoted.append(byte)
    return bytes(quoted + b'"')
