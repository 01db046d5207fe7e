"""Declarative template migrations from `mlt-template.yml`, applied once when crossing a version.

    migrations:
      - version: "2.0.0"
        rename_files: {old/path.py: new/path.py}
        rename_answers: {old_key: new_key}

Answer renames happen before the render; file renames become a local `git mv` (and the same
rename on the template branch), so git merges the renamed file's content instead of seeing a
delete plus an add.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import MltError
from mlt.gitops import git
from mlt.template.meta import TEMPLATE_META, read_template_meta
from mlt.template.source import TemplateSource
from mlt.template.versions import parse_version


@dataclass
class Migration:
    """One version's migration."""

    version: str
    rename_files: dict[str, str] = field(default_factory=dict)
    rename_answers: dict[str, str] = field(default_factory=dict)


def load_migrations(template: TemplateSource) -> list[Migration]:
    """The template's declared migrations (empty when it declares none)."""
    from ruamel.yaml import YAML, YAMLError

    text = read_template_meta(template)
    if not text:
        return []
    try:
        data = YAML(typ="safe").load(text) or {}
    except YAMLError as exc:
        raise MltError(f"{TEMPLATE_META} of {template.source} is not valid YAML: {exc}") from exc
    migrations = []
    for item in data.get("migrations") or []:
        if not isinstance(item, dict) or "version" not in item:
            raise MltError(f"{TEMPLATE_META} of {template.source}: each migration needs a version")
        migrations.append(
            Migration(
                str(item["version"]),
                {str(k): str(v) for k, v in (item.get("rename_files") or {}).items()},
                {str(k): str(v) for k, v in (item.get("rename_answers") or {}).items()},
            )
        )
    return migrations


def crossing(migrations: list[Migration], current: str, target: str | None) -> list[Migration]:
    """Migrations with current < version <= target, oldest first (so each runs exactly once)."""
    cur, tgt = parse_version(current), parse_version(target)
    if cur is None or tgt is None:
        return []
    chosen = [m for m in migrations if (v := parse_version(m.version)) and cur < v <= tgt]
    return sorted(chosen, key=lambda m: parse_version(m.version))


def rename_answers(answers: dict[str, Any], migrations: list[Migration]) -> dict[str, Any]:
    """Answers with old keys renamed (a key the user already set under the new name wins)."""
    renamed = dict(answers)
    for migration in migrations:
        for old, new in migration.rename_answers.items():
            if old in renamed:
                value = renamed.pop(old)
                renamed.setdefault(new, value)
    return renamed


def file_renames(migrations: list[Migration]) -> dict[str, str]:
    """All file renames, chained (a→b in 2.0 and b→c in 3.0 gives a→c)."""
    renames: dict[str, str] = {}
    for migration in migrations:
        for old, new in migration.rename_files.items():
            sources = [k for k, v in renames.items() if v == old] or [old]
            for src in sources:
                renames[src] = new
    return renames


def renamed_tree(repo: Path, treeish: str, renames: dict[str, str]) -> tuple[str, list[str]]:
    """A tree like treeish with the files renamed (those present), and what was renamed.

    Built in a throwaway index, so the repo's index and working tree are untouched.
    """
    with tempfile.TemporaryDirectory(prefix="mlt-mig-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git("read-tree", treeish, cwd=repo, env=env)
        listed = git("ls-files", "-s", "-z", "--", *renames, cwd=repo, env=env)
        lines, done = [], []
        for record in filter(None, listed.split("\0")):
            meta, _, path = record.partition("\t")
            mode, sha, _stage = meta.split()
            if path in renames:
                lines += [f"0 {'0' * 40}\t{path}", f"{mode} {sha}\t{renames[path]}"]
                done.append(f"{path} → {renames[path]}")
        if lines:
            git("update-index", "--index-info", cwd=repo, env=env, input="\n".join(lines) + "\n")
        return git("write-tree", cwd=repo, env=env), done
