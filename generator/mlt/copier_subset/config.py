"""copier.yml read as copier 9 reads it (`load_template_config`), for the fast renderer."""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from mlt.copier_subset.config_include import load_documents
from mlt.copier_subset.errors import Unsupported
from mlt.copier_subset.source_tree import SourceTree


def load_config(tree: SourceTree) -> dict[str, Any]:
    """copier.yml as copier's `load_template_config` merges it: multi-document, `_exclude`
    lists concatenated, later documents winning for every other key."""
    configs = [
        name
        for name in tree.files
        if name.startswith("copier.")
        and "/" not in name
        and re.match(r"\.ya?ml", PurePosixPath(name).suffix, re.IGNORECASE)
    ]
    if len(configs) != 1:
        raise Unsupported("no copier.yml, or several")
    docs = load_documents(tree, configs[0], Unsupported)  # `!include` resolved from the root
    if not all(isinstance(d, dict) for d in docs):
        raise Unsupported("copier.yml: a document that is not a mapping")
    merged: dict[str, list[Any]] = {}
    for option in ("_exclude", "_jinja_extensions", "_secret_questions", "_skip_if_exists"):
        for doc in docs:
            if option in doc:
                merged.setdefault(option, []).extend(doc[option])
    return dict(ChainMap(merged, *reversed(docs)))


def split_config(raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Settings (without their `_`) and questions (`key: value` → `{default: value}`)."""
    settings: dict[str, Any] = {}
    questions: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            settings[key[1:]] = value
        else:
            questions[key] = value if isinstance(value, dict) else {"default": value}
    return settings, questions
