"""Parsers for the `-z` outputs of the git calls the updater makes (run through gitops)."""

from __future__ import annotations


def split_z(text: str) -> list[str]:
    """Records of a `-z` git output, without the empty tail."""
    return [item for item in text.split("\0") if item]


def parse_name_status(text: str) -> list[tuple[str, str, str | None]]:
    """`git diff --name-status -z -M` → [(status letter, path, renamed-from or None)]."""
    items, out, i = text.split("\0"), [], 0
    while i < len(items) and items[i]:
        status = items[i][0]
        if status in "RC":
            out.append((status, items[i + 2], items[i + 1]))
            i += 3
        else:
            out.append((status, items[i + 1], None))
            i += 2
    return out


def parse_stages(records: list[str]) -> dict[str, set[int]]:
    """`mode sha stage<TAB>path` records (ls-files -u, merge-tree) → {path: {stages}}."""
    stages: dict[str, set[int]] = {}
    for record in records:
        meta, _, path = record.partition("\t")
        stages.setdefault(path, set()).add(int(meta.split()[2]))
    return stages
