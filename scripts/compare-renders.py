#!/usr/bin/env python3
"""Render every type x option set of tests/templates/matrix.py from the templates at a git REF
and from the working tree, and list the files that differ (exit 1 when any does).

Proves a template refactoring renders the same (e.g. the move into templates/_shared, or into
one template; either layout on either side):

    python scripts/compare-renders.py bb51207          # the commit before the move
    python scripts/compare-renders.py HEAD~1 --diff    # show unified diffs too
"""

from __future__ import annotations

import argparse
import difflib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def render_all(templates: Path, out: Path) -> None:
    from copier import run_copy
    from tests.templates.matrix import CASES

    one = (templates / "copier.yml").is_file()  # one template (issue 20), or one per type
    for case in CASES:
        src = templates if one else templates / case.type.replace("-", "_")
        data = {**case.full_answers(), **({"project_type": case.type} if one else {})}
        run_copy(str(src), str(out / case.id), data=data, defaults=True, quiet=True)


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ref", help="git commit or tag whose templates/ is the baseline")
    parser.add_argument("--diff", action="store_true", help="print unified diffs")
    args = parser.parse_args()
    archive = subprocess.run(
        ["git", "archive", args.ref, "templates"], cwd=REPO, capture_output=True, check=False
    )
    if archive.returncode != 0:
        print(f"error: {archive.stderr.decode().strip()}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        base, old, new = Path(tmp, "base"), Path(tmp, "old"), Path(tmp, "new")
        tarfile.open(fileobj=io.BytesIO(archive.stdout)).extractall(base, filter="data")
        render_all(base / "templates", old)
        render_all(REPO / "templates", new)
        before, after = files(old), files(new)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for name in changed:
        state = "added" if name not in before else "removed" if name not in after else "changed"
        print(f"{state}: {name}")
        if args.diff and state == "changed":
            a, b = (x[name].decode(errors="replace").splitlines(True) for x in (before, after))
            sys.stdout.writelines(difflib.unified_diff(a, b, f"{args.ref}/{name}", name))
    print(f"{len(changed)} of {len(before.keys() | after.keys())} rendered files differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
