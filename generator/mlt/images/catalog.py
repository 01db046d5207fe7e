"""The curated base-image catalog (base_images/catalog.yaml) as frozen dataclasses.

Loading is lenient about values (the checks in `mlt.images.checks` judge them) but strict about
shape: a catalog that is not a mapping with an `images` list is an MltError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import MltError, UsageError
from mlt.resources import base_images_dir

CATALOG_FILE = "catalog.yaml"
SCHEMA = "mlt.images/1"


@dataclass(frozen=True)
class Parent:
    """The image an entry builds FROM, pinned by tag and digest."""

    name: str  # registry/repository:tag
    digest: str | None  # sha256:<64 hex>

    @property
    def ref(self) -> str:
        """`name@digest`, or just the name when the digest is missing."""
        return f"{self.name}@{self.digest}" if self.digest else self.name


@dataclass(frozen=True)
class ImageSpec:
    """One curated base image."""

    id: str
    description: str
    parent: Parent
    os: str
    python: str
    flavour: str  # runtime | devel
    cuda_source: Any  # system | pip | none (anything else is reported by the checks)
    cuda: str | None
    cudnn: str | None
    nccl: str | None
    framework: str  # none | pytorch | tensorflow
    framework_version: str | None
    pip: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    index_url: str | None = None

    @property
    def has_cuda(self) -> bool:
        """True for images that carry a CUDA runtime."""
        return self.cuda is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view."""
        return {
            "id": self.id,
            "description": self.description,
            "parent": {"name": self.parent.name, "digest": self.parent.digest},
            "os": self.os,
            "python": self.python,
            "flavour": self.flavour,
            "cuda_source": self.cuda_source,
            "cuda": self.cuda,
            "cudnn": self.cudnn,
            "nccl": self.nccl,
            "framework": {"name": self.framework, "version": self.framework_version},
            "pip": list(self.pip),
            "constraints": list(self.constraints),
            "index_url": self.index_url,
        }


@dataclass(frozen=True)
class Catalog:
    """The whole catalog: a release name plus its images."""

    release: str
    registry: str
    uv_version: str
    images: tuple[ImageSpec, ...]
    path: Path | None = field(default=None, compare=False)

    def ids(self) -> list[str]:
        """Image ids in catalog order."""
        return [image.id for image in self.images]

    def get(self, image_id: str) -> ImageSpec:
        """The entry for an id, or a UsageError naming the valid ids."""
        for image in self.images:
            if image.id == image_id:
                return image
        raise UsageError(f"unknown image '{image_id}' (valid: {', '.join(self.ids())})")

    def default_tag(self, image_id: str, registry: str | None = None) -> str:
        """`<registry>/<id>:<release>`, the tag the project templates expect."""
        return f"{(registry or self.registry).rstrip('/')}/{image_id}:{self.release}"


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _spec(raw: Any, index: int) -> ImageSpec:
    if not isinstance(raw, dict) or "id" not in raw:
        raise MltError(f"catalog entry #{index + 1} is not a mapping with an 'id'")
    parent = raw.get("parent") or {}
    if not isinstance(parent, dict):
        parent = {"name": str(parent)}
    framework = raw.get("framework") or {}
    if not isinstance(framework, dict):
        framework = {"name": str(framework)}
    return ImageSpec(
        id=str(raw["id"]),
        description=str(raw.get("description", "")),
        parent=Parent(name=str(parent.get("name", "")), digest=_opt_str(parent.get("digest"))),
        os=str(raw.get("os", "")),
        python=str(raw.get("python", "")),
        flavour=str(raw.get("flavour", "")),
        cuda_source=raw.get("cuda_source", "none"),
        cuda=_opt_str(raw.get("cuda")),
        cudnn=_opt_str(raw.get("cudnn")),
        nccl=_opt_str(raw.get("nccl")),
        framework=str(framework.get("name") or "none"),
        framework_version=_opt_str(framework.get("version")),
        pip=tuple(str(p) for p in raw.get("pip") or ()),
        constraints=tuple(str(c) for c in raw.get("constraints") or ()),
        index_url=_opt_str(raw.get("index_url")),
    )


def parse_catalog(data: Any, path: Path | None = None) -> Catalog:
    """Build a Catalog from already-parsed YAML data."""
    where = str(path) if path else "catalog"
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise MltError(f"{where} must be a mapping with an 'images' list")
    return Catalog(
        release=str(data.get("release", "")),
        registry=str(data.get("registry", "registry.example.com/mlt")),
        uv_version=str(data.get("uv_version", "")),
        images=tuple(_spec(raw, i) for i, raw in enumerate(data["images"])),
        path=path,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read the bundled catalog, or the YAML file at `path`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    file = Path(path) if path else base_images_dir() / CATALOG_FILE
    try:
        data = YAML(typ="safe").load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MltError(f"cannot read image catalog {file}: {exc.strerror or exc}") from exc
    except YAMLError as exc:
        first = str(exc).strip().splitlines()[0]
        raise MltError(f"image catalog {file} is not valid YAML: {first}") from exc
    return parse_catalog(data, file)
