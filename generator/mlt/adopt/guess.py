"""`mlt adopt --guess-ref`: which template version is a hand-copied repository closest to?

Each version tag is rendered with the repository's answers and committed as an object; the
score is the number of differing lines (`git diff --numstat`) over the files that version
makes, so the team's own files do not count and a template file they deleted does. The
version with the fewest is the best merge base: the first update is then the smallest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlt.errors import MltError
from mlt.gitops import Identity, commit_files, git
from mlt.template.versions import parse_version
from mlt.update.target import remote_tags

if TYPE_CHECKING:
    from mlt.adopt.pristine import TemplateRef

MAX_TAGS = 30  # the newest ones; a repository copied from older versions is rare


@dataclass
class Guess:
    """One tag and how many lines the repository differs from its render (None: no render)."""

    ref: str
    score: int | None
    error: str | None = None


def candidate_tags(source: str, cwd: Path) -> list[str]:
    """Release tags of the template, oldest first (pre-releases left out)."""
    tagged = [(v, t) for t in remote_tags(source, cwd) if (v := parse_version(t)) is not None]
    tagged = [(v, t) for v, t in tagged if not v.is_prerelease]
    return [t for _, t in sorted(tagged)][-MAX_TAGS:]


def guess_versions(repo: Path, head: str, template: TemplateRef, ident: Identity) -> list[Guess]:
    """A score for every candidate tag (oldest first)."""
    tags = candidate_tags(template.source, repo)
    if not tags:
        raise MltError(f"template {template.source} has no version tags to compare with")
    guesses = []
    for tag in tags:
        try:
            _, files = template.render(tag)
        except MltError as exc:
            if exc.exit_code == 4:  # untrusted code: every tag would say the same
                raise
            guesses.append(Guess(tag, None, exc.message))
            continue
        commit = commit_files(repo, files, f"mlt adopt --guess-ref {tag}", [], ident)
        guesses.append(Guess(tag, _distance(repo, commit, head, set(files))))
    return guesses


def _distance(repo: Path, render: str, head: str, made: set[str]) -> int:
    out = git("diff", "--numstat", "--no-renames", "-z", render, head, cwd=repo)
    total = 0
    for record in filter(None, out.split("\0")):
        added, deleted, name = record.split("\t", 2)
        if name in made:
            # Binary files show "-": count them as one line each way.
            total += (int(added) if added.isdigit() else 1) + (
                int(deleted) if deleted.isdigit() else 1
            )
    return total


def best_guess(guesses: list[Guess], source: str) -> Guess:
    """The closest version; on a tie the newest (its update brings less)."""
    scored = [g for g in guesses if g.score is not None]
    if not scored:
        reasons = "; ".join(f"{g.ref}: {g.error}" for g in guesses[-3:])
        raise MltError(f"no version of {source} could be rendered to compare with ({reasons})")
    return min(reversed(scored), key=lambda g: g.score or 0)
