"""The Jinja sandbox copier 9 renders with (`Worker.jinja_env`), as the fast renderer builds it:
same options and filters, plus a guard that refuses templates reading names it does not provide."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from mlt.copier_subset.errors import Unsupported
from mlt.copier_subset.source_tree import SourceTree

# Names copier puts in the render context that this module does not provide: a template
# that mentions one is rendered by copier.
UNPROVIDED = frozenset(
    {"now", "make_secret", "_external_data", "_copier_phase", "_copier_operation", "UNSET"}
)
CONF = "_copier_conf"
CONF_KEYS = frozenset(
    {"answers_file", "src_path", "dst_path", "vcs_ref", "vcs_ref_hash", "sep", "os"}
)


def environment(tree: SourceTree, src_path: PurePath, envops: Mapping[str, Any]) -> Any:
    """A Jinja sandbox configured like copier's `Worker.jinja_env` (minus its yield tag,
    whose use is refused), plus a guard that refuses templates using unprovided names.
    Templates load from `tree` as copier's FileSystemLoader loads them from its folder."""
    import jinja2
    from jinja2 import BaseLoader, TemplateNotFound, nodes
    from jinja2.exceptions import TemplateSyntaxError
    from jinja2.loaders import split_template_path
    from jinja2.sandbox import SandboxedEnvironment

    options = dict(envops)
    options.setdefault("keep_trailing_newline", True)
    if "extensions" in options or "loader" in options:
        raise Unsupported("_envops sets extensions or a loader")
    undefined = options.get("undefined")
    if undefined is not None:
        classes = {"jinja2.Undefined": jinja2.Undefined}
        classes["jinja2.StrictUndefined"] = jinja2.StrictUndefined
        if undefined not in classes:
            raise Unsupported(f"_envops.undefined {undefined}")
        options["undefined"] = classes[undefined]

    class Loader(BaseLoader):
        def get_source(self, environment: Any, template: str) -> Any:
            path = "/".join(split_template_path(template))
            if not tree.is_file(path):
                raise TemplateNotFound(template)
            return tree.text(path), str(src_path / path), lambda: True

    class Environment(SandboxedEnvironment):
        def _parse(self, source: str, name: str | None, filename: str | None) -> Any:
            if yield_tag.search(source):
                raise Unsupported("{% yield %}")
            try:
                ast = super()._parse(source, name, filename)
            except TemplateSyntaxError as exc:
                raise Unsupported(f"Jinja syntax copier may accept: {exc}") from exc
            _check_names(ast, nodes)
            if any(f.name not in self.filters for f in ast.find_all(nodes.Filter)):
                _add_ansible_filters(self)
            return ast

    try:
        env = Environment(loader=Loader(), **options)
    except TypeError as exc:
        raise Unsupported(f"_envops: {exc}") from exc
    yield_tag = re.compile(re.escape(env.block_start_string) + r"[-+]?\s*yield\b")
    env.globals["pathjoin"] = _pathjoin
    return env


def _add_ansible_filters(env: Any) -> None:
    """The filters copier's environment gets from jinja2-ansible-filters, added the first
    time a template uses a filter Jinja lacks: the extension only registers filters (no tags,
    no stream hooks), and importing it costs ~20 ms that most renders do not need."""
    if "to_nice_yaml" in env.filters:
        return
    from jinja2_ansible_filters import AnsibleCoreFiltersExtension

    env.add_extension(AnsibleCoreFiltersExtension)
    env.filters["to_json"] = partial(env.filters["to_json"], default=_json_default)


def _check_names(ast: Any, nodes: Any) -> None:
    """Refuse a template that reads a context name copier provides and this module does not."""
    conf_reads: set[int] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        inner = node.node
        if isinstance(inner, nodes.Name) and inner.name == CONF:
            if isinstance(node, nodes.Getattr):
                key = node.attr
            else:
                key = node.arg.value if isinstance(node.arg, nodes.Const) else None
            if key not in CONF_KEYS:
                raise Unsupported(f"{CONF}.{key}")
            conf_reads.add(id(inner))
    for node in ast.find_all(nodes.Name):
        if node.name in UNPROVIDED or (node.name == CONF and id(node) not in conf_reads):
            raise Unsupported(f"the template uses {node.name}")


def _json_default(value: Any) -> Any:
    # copier's to_json falls back to pydantic's encoder; for paths that gives str(path).
    if isinstance(value, PurePath):
        return str(value)
    raise Unsupported(f"to_json of a {type(value).__name__}")


def _pathjoin(*path: str, mode: str = "posix") -> str:
    kinds = {"posix": PurePosixPath, "windows": PureWindowsPath, "native": PurePath}
    return str(kinds[mode](*path))
