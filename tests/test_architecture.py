"""The import graph of generator/mlt follows ARCHITECTURE.md: no cycle between modules, and
every import points down the declared layers (a capability never imports the CLI, scaffold never
imports update, the copier subset imports nothing of mlt but gitops).

A small AST walk over the package's sources, so function-level imports count too (a lazy import
that only hides a cycle is still a cycle). Imports under `if TYPE_CHECKING:` are left out: they
never run, and annotations may name a type from anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mlt

PACKAGE = Path(mlt.__file__).parent

# Top to bottom. A module may import its own package (mlt.<name>) and anything in a lower
# layer; packages sharing a layer stay independent of each other, except in the base layer.
LAYERS: list[tuple[str, ...]] = [
    ("__main__",),
    ("cli",),
    ("adopt", "fleet", "images", "doctor", "orgtemplate", "config"),
    ("update",),
    ("scaffold",),
    ("template",),
    ("copier_subset",),
]
BASE = (
    "gitops", "provenance", "errors", "resources", "compat", "kv_pairs", "interrupts",
    "install_spec", "",
)  # fmt: skip


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["mlt", *path.relative_to(PACKAGE).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _modules()


def _runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            visit(child)

    visit(tree)
    return found


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            prefix = ".".join([*base, *([node.module] if node.module else [])])
        else:
            prefix = node.module or ""
        # `from mlt.x import y`: the module mlt.x.y when there is one, else a name in mlt.x.
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix
                 for a in node.names]  # fmt: skip
    out = []
    for name in names:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in MODULES and name != module:
            out.append(name)
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, (path, is_package) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _runtime_imports(tree):
            graph[name].update(_targets(name, is_package, node))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _package(module: str) -> str:
    """mlt.update.engine -> "update"; mlt.gitops -> "gitops"; mlt -> ""."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(package: str) -> int:
    for depth, packages in enumerate(LAYERS):
        if package in packages:
            return depth
    assert package in BASE, f"mlt.{package} is in no layer: add it to LAYERS or BASE"
    return len(LAYERS)


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_imports_point_down_the_layers():
    wrong = []
    for module, targets in sorted(_graph().items()):
        mine = _package(module)
        for target in sorted(targets):
            theirs = _package(target)
            if theirs == mine or _layer(theirs) > _layer(mine):
                continue
            if _layer(theirs) == _layer(mine) == len(LAYERS):
                continue  # the base layer's modules may use each other (acyclic, checked above)
            wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_copier_subset_stands_alone():
    # Its contract (copier_subset/__init__.py): nothing of mlt but itself and gitops (and what
    # gitops needs), so it can be tested, and swapped for copier, on its own.
    graph = _graph()
    outside = {
        f"{module} imports {target}"
        for module, targets in graph.items()
        if _package(module) == "copier_subset"
        for target in targets
        if _package(target) not in ("copier_subset", "gitops")
    }
    assert outside == set()


def test_the_checker_sees_function_level_imports_and_cycles():
    # The check itself: a lazy import inside a function counts; TYPE_CHECKING ones do not.
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from mlt.cli import app\n"
        "def f():\n    from mlt.update import engine\n"
    )
    nodes = _runtime_imports(ast.parse(code))
    assert [t for n in nodes for t in _targets("mlt.scaffold.new", False, n)] == [
        "mlt.update.engine"
    ]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
