"""copier.yml's `!include` for the fast renderer: copier 9's `load_template_config` semantics.

A document `!include path/to/file.yml` stands for that file's documents, read from the
template root (the folder holding copier.yml), flattened into the list of documents. Globs
are left to copier: it lists matches in the file system's order, which is not reproducible.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlt.copier_subset.source_tree import SourceTree

GLOB_CHARS = frozenset("*?[")


def load_documents(tree: SourceTree, name: str, unsupported: type[Exception]) -> list[Any]:
    """The documents of `name` (a copier.yml in tree), includes resolved and flattened."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type, misc]
        """A loader class of its own, so the constructor is not added to PyYAML's."""

    def include(loader: Any, node: Any) -> list[Any]:
        if not isinstance(node, yaml.ScalarNode):
            raise unsupported("!include of a YAML node that is not a path")
        pattern = str(loader.construct_scalar(node))
        if pattern.startswith("/") or GLOB_CHARS & set(pattern):
            raise unsupported(f"!include {pattern}: absolute or a glob")
        path = posixpath.normpath(pattern)
        if path == ".." or path.startswith("../"):
            raise unsupported(f"!include {pattern}: outside the template")
        if not tree.is_file(path):
            return []  # copier's glob matches nothing: no documents
        return flatten([d for d in yaml.load_all(tree.read(path), Loader=Loader) if d])

    Loader.add_constructor("!include", include)
    try:
        return flatten([d for d in yaml.load_all(tree.read(name), Loader=Loader) if d])
    except yaml.YAMLError as exc:
        raise unsupported(f"copier.yml: {exc}") from exc


def flatten(items: list[Any]) -> list[Any]:
    """copier's `lflatten`: nested lists become one flat list."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out


def own_settings(text: str | bytes) -> dict[str, Any]:
    """The keys copier.yml itself sets, over all its documents (later ones win, as copier
    merges them); the files it `!include`s are not read. Raises yaml.YAMLError."""
    import yaml

    class Loader(yaml.SafeLoader):
        """`!include` stands for no documents here."""

    Loader.add_constructor("!include", lambda loader, node: [])
    merged: dict[str, Any] = {}
    for doc in flatten([d for d in yaml.load_all(text, Loader=Loader) if d]):
        if isinstance(doc, dict):
            merged.update(doc)
    return merged
