#!/usr/bin/env python3
"""Copy the shared template layer (templates/_shared) into every project type's template.

What the three templates share is edited once, in templates/_shared:
  - questions.yml: the shared questions, written into each copier.yml between the markers;
  - project/: files every generated project gets (CI, ignore and lint files, LICENSE, ...);
  - include/: Jinja pieces a type's own files `{% include %}` (outside project/: never rendered
    as files themselves).
Each type's own files live only in templates/<type>/. The copies are committed because copier
refuses symlinks, `{% include %}` and `!include` that reach outside a template's root, so a
copier template cannot read a sibling folder; the copies keep each type a plain copier
template that `copier copy templates/<type> DEST` renders on its own.

    python scripts/sync-templates.py          # write the copies
    python scripts/sync-templates.py --check  # exit 1 and list what is stale (CI runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "templates"
SHARED = ROOT / "_shared"
BEGIN = (
    "# >>> shared questions: edit templates/_shared/questions.yml, "
    "then run scripts/sync-templates.py\n"
)
END = "# <<< shared questions\n"


def shared_files() -> list[Path]:
    """Paths (relative to templates/_shared and to each type) of the files to copy."""
    found = (p for sub in ("project", "include") for p in (SHARED / sub).rglob("*"))
    return sorted(p.relative_to(SHARED) for p in found if p.is_file())


def expected_config(current: str) -> str:
    """copier.yml with the shared block replaced by questions.yml."""
    head, sep, rest = current.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise SystemExit(f"error: copier.yml lacks the markers {BEGIN.strip()!r} / {END.strip()!r}")
    return head + BEGIN + (SHARED / "questions.yml").read_text(encoding="utf-8") + END + tail


def types(root: Path = ROOT) -> list[str]:
    """Every project type: a folder of templates/ with a copier.yml."""
    return sorted(p.parent.name for p in root.glob("*/copier.yml") if p.parent != SHARED)


def stale(root: Path = ROOT) -> list[tuple[Path, bytes, int | None]]:
    """(destination, wanted bytes, wanted mode or None) for every copy that differs."""
    out: list[tuple[Path, bytes, int | None]] = []
    for kind in types(root):
        config = root / kind / "copier.yml"
        wanted = expected_config(config.read_text(encoding="utf-8")).encode()
        if config.read_bytes() != wanted:
            out.append((config, wanted, None))
        for rel in shared_files():
            src, dst = SHARED / rel, root / kind / rel
            data, mode = src.read_bytes(), src.stat().st_mode & 0o777
            if not dst.is_file() or dst.read_bytes() != data or dst.stat().st_mode & 0o777 != mode:
                out.append((dst, data, mode))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="list stale copies, write nothing")
    args = parser.parse_args()
    todo = stale()
    for path, data, mode in todo:
        rel = path.relative_to(ROOT.parent)
        if args.check:
            print(f"stale: {rel}", file=sys.stderr)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mode is not None:
            path.chmod(mode)
        print(f"wrote {rel}")
    if args.check and todo:
        print(
            "error: run `python scripts/sync-templates.py` and commit the result", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
