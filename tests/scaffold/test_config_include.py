"""copier.yml's `!include` and a templated `_subdirectory` in the fast renderer, against copier
(the bundled template uses both since issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlt.copier_subset import fast_render as fastrender
from mlt.copier_subset.errors import Unsupported

TEMPLATE = {
    "copier.yml": (
        '_subdirectory: "{{ kind }}/out"\n'
        "kind:\n  type: str\n  choices: [a, b]\n  default: a\n"
        "---\n!include shared/questions.yml\n"
        "---\n!include shared/not-there.yml\n"
        "---\n!include b/questions.yml\n"
    ),
    "shared/questions.yml": (
        "greeting:\n  type: str\n  default: hi\n---\n!include shared/more.yml\n"
    ),
    "shared/more.yml": "extra:\n  type: int\n  default: 3\n",
    "b/questions.yml": "only_b:\n  type: str\n  default: bee\n  when: \"{{ kind == 'b' }}\"\n",
    "shared/piece.jinja": "piece for {{ kind }}\n",
    "shared/out/plain.txt": "shared, plain\n",
    "a/out/README.md.jinja": "{{ greeting }} x{{ extra }}\n{% include 'shared/piece.jinja' %}",
    "a/out/plain.txt.jinja": '{% include "shared/out/plain.txt" -%}\n',
    "b/out/B.md.jinja": "{{ only_b }} {{ greeting }}\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("data", [{}, {"kind": "b"}, {"kind": "a", "extra": 7}])
def test_include_and_templated_subdirectory_render_as_copier_does(tmp_path, data):
    import copier

    src = write(tmp_path / "tpl", TEMPLATE)
    worker = copier.run_copy(
        str(src), str(tmp_path / "c" / "out"), data=data, defaults=True, quiet=True
    )
    fast = fastrender.FastTemplate(str(src))
    remembered, _ = fast.render(tmp_path / "f" / "out", data)
    assert snapshot(tmp_path / "f" / "out") == snapshot(tmp_path / "c" / "out")
    recorded = {k: v for k, v in worker._answers_to_remember().items() if k[0] != "_"}
    assert {k: v for k, v in remembered.items() if k[0] != "_"} == recorded
    assert list(fast.questions) == ["kind", "greeting", "extra", "only_b"]


@pytest.mark.parametrize("include", ["shared/*.yml", "../outside.yml", "/etc/x.yml"])
def test_includes_it_cannot_reproduce_are_left_to_copier(tmp_path, include):
    src = write(tmp_path / "tpl", {**TEMPLATE, "copier.yml": f"---\n!include {include}\n"})
    with pytest.raises(Unsupported):
        fastrender.FastTemplate(str(src))
