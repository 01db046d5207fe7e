"""Title and body of a fleet pull request: what changed, what conflicts, what to do next."""

from __future__ import annotations

import re
from pathlib import Path

from mlt.update import result as R

MARKER = "<!-- mlt-fleet -->"  # lets a later run recognise its own PRs


def title(version_from: str | None, version_to: str, conflicts: bool) -> str:
    """One line; the version is what makes a PR per template release."""
    text = (
        f"Update template {version_from} → {version_to}"
        if version_from
        else (f"Update template to {version_to}")
    )
    return f"{text} (conflicts)" if conflicts else text


def body(result: R.UpdateResult, changelog: str | None) -> str:
    """Markdown: versions, files per outcome, a checklist of conflicts, the changelog."""
    lines = [
        MARKER,
        f"This pull request updates the project's template from `{result.version_from}` to "
        f"`{result.version_to}` with `mlt update` (3-way merge; local edits kept).",
        "",
    ]
    conflicts = result.conflicts
    if conflicts:
        lines += [
            f"**{len(conflicts)} file(s) conflict.** The markers are committed on this branch; "
            "resolve them here before merging:",
            "",
            *[f"- [ ] `{path}`" for path in conflicts],
            "",
            "Locally: `git fetch && git switch " + (result.branch or "") + "`, edit, commit, push.",
            "",
        ]
    changed = [f for f in result.files if f.outcome != R.CONFLICT]
    if changed:
        lines += [f"<details><summary>Files changed by the template ({len(changed)})</summary>", ""]
        lines += [
            f"- `{f.path}`: {f.outcome}" + (f" (from `{f.renamed_from}`)" if f.renamed_from else "")
            for f in changed
        ]
        lines += ["", "</details>", ""]
    if result.messages:
        lines += ["Notes:", "", *[f"- {m}" for m in result.messages], ""]
    if changelog:
        lines += [f"### Template changelog: {result.version_to}", "", changelog.strip(), ""]
    lines.append(
        "Merge with a merge commit (not squash) so the next update finds this template base."
    )
    return "\n".join(lines) + "\n"


def superseded_comment(new_url: str, version: str) -> str:
    """What a closed, older update PR says."""
    return f"{MARKER}\nSuperseded by {new_url} (template {version})."


def changelog_entry(text: str, version: str) -> str | None:
    """The section of a Keep-a-Changelog style file for `version` (with or without a `v`)."""
    bare = re.escape(version.removeprefix("v"))
    heading = re.compile(rf"^(#+)[ \t]*\[?v?{bare}\]?(?:[ \t(\-–].*)?$", re.M)
    match = heading.search(text)
    if not match:
        return None
    level = len(match.group(1))
    rest = text[match.end() :]
    end = re.search(rf"^#{{1,{level}}}[ \t]", rest, re.M)
    return (rest[: end.start()] if end else rest).strip() or None


def read_changelog(template_dir: Path | None, version: str) -> str | None:
    """The template's changelog entry for `version`, when the template has one."""
    if template_dir is None:
        return None
    for name in ("CHANGELOG.md", "CHANGES.md", "HISTORY.md"):
        path = template_dir / name
        if path.is_file():
            try:
                return changelog_entry(path.read_text(encoding="utf-8")[:200_000], version)
            except (OSError, UnicodeDecodeError):
                return None
    return None
