"""Typed job configuration, loaded from YAML and validated with errors that name the key.

`input.uri` and `output.uri` are local paths (relative ones are resolved against the config
file's folder) or URLs fsspec knows: file://, s3:// (extra `s3`), gs:// (extra `gcs`). The
deployment can point them elsewhere without a new image: JOB_INPUT_URI / JOB_OUTPUT_URI.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

Uri = str  # a local path or an fsspec URL
ENV_OVERRIDES = {"JOB_INPUT_URI": "input", "JOB_OUTPUT_URI": "output"}
# The project root: /app in the image, where config.yaml and the sample data/ live.
IMAGE_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(ValueError):
    """The configuration file is missing, unparsable or invalid."""


@dataclass(frozen=True)
class InputConfig:
    """Where the job reads from."""

    uri: Uri
    key_column: str = "customer_id"
    value_column: str = "amount"
    min_rows: int = 1  # the pre-run check fails on fewer rows: an empty extract is an incident


@dataclass(frozen=True)
class OutputConfig:
    """Where the job writes: <uri>/<partition>/<batch_id>/."""

    uri: Uri
    partition: str = "dt={date}"


@dataclass(frozen=True)
class Params:
    """Parameters of the computation itself."""

    min_count: int = 1


@dataclass(frozen=True)
class JobConfig:
    """The whole configuration."""

    input: InputConfig
    output: OutputConfig
    params: Params = field(default_factory=Params)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for the run manifest."""
        return _plain(asdict(self))


def load_config(path: Path, env: Mapping[str, str] | None = None) -> JobConfig:
    """Read and validate `path`; relative URIs are resolved against its folder, and
    JOB_INPUT_URI / JOB_OUTPUT_URI in `env` (default: the process's) replace the URIs."""
    env = os.environ if env is None else env
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML: {exc}") from exc
    if isinstance(data, dict):
        for name, section in ENV_OVERRIDES.items():
            if env.get(name) and isinstance(data.get(section), dict):
                data[section] = {**data[section], "uri": env[name]}
    config = parse_config(data, base=Path(path).resolve().parent)
    if env.get("KUBERNETES_SERVICE_HOST"):  # set in every pod
        _refuse_image_input(config.input.uri)
    return config


def _refuse_image_input(uri: Uri) -> None:
    """In a cluster the input must be real data: never the sample shipped inside the image
    (a Job applied unchanged would publish features of the demo data as _LATEST)."""
    local = uri.removeprefix("file://") if uri.startswith("file://") or "://" not in uri else None
    if local is not None and Path(local).resolve().is_relative_to(IMAGE_ROOT):
        raise ConfigError(
            f"input.uri {uri} is inside the image (sample data, for `make run` only); in a "
            "cluster set input.uri in deploy/k8s/config/job.yaml or JOB_INPUT_URI"
        )


def parse_config(data: Any, base: Path) -> JobConfig:
    """Validate plain data into a JobConfig."""
    section = _section(data, "config", required={"input", "output"}, allowed={"params"})
    inp = _build(InputConfig, _section(section["input"], "input", {"uri"}), "input")
    out = _build(OutputConfig, _section(section["output"], "output", {"uri"}), "output")
    params = _build(Params, _section(section.get("params") or {}, "params"), "params")
    if inp.min_rows < 1:
        raise ConfigError("input.min_rows must be at least 1")
    if params.min_count < 1:
        raise ConfigError("params.min_count must be at least 1")
    if not out.partition or ".." in out.partition or out.partition.startswith("/"):
        raise ConfigError("output.partition must be a relative name without '..'")
    return JobConfig(
        input=InputConfig(**{**asdict(inp), "uri": _resolve(inp.uri, base)}),
        output=OutputConfig(**{**asdict(out), "uri": _resolve(out.uri, base)}),
        params=params,
    )


def _section(
    data: Any, name: str, required: set[str] | frozenset[str] = frozenset(), allowed=frozenset()
):
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must be a mapping")
    missing = sorted(required - data.keys())
    if missing:
        raise ConfigError(f"{name} lacks required key(s): {', '.join(missing)}")
    if name == "config":
        unknown = sorted(data.keys() - required - allowed)
        if unknown:
            raise ConfigError(f"unknown top-level key(s): {', '.join(unknown)}")
    return data


def _build(cls: type, data: dict[str, Any], name: str):
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(data.keys() - known.keys())
    if unknown:
        raise ConfigError(f"unknown key(s) in {name}: {', '.join(unknown)}")
    values = {}
    for key, value in data.items():
        kind = known[key].type
        if kind == "Uri":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{name}.{key} must be a non-empty path or URL")
        elif kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            raise ConfigError(f"{name}.{key} must be an integer, not {value!r}")
        elif kind == "str" and (not isinstance(value, str) or not value):
            raise ConfigError(f"{name}.{key} must be a non-empty string")
        values[key] = value
    return cls(**values)


def _resolve(uri: Uri, base: Path) -> Uri:
    if "://" in uri:
        return uri  # a URL: fsspec picks the filesystem by its protocol
    path = Path(uri).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value
