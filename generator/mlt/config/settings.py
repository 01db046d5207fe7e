"""The effective template, ref and default answers, and where each came from.

The config file is TOML:

    template = "https://git.acme.internal/platform/ml-template.git"   # or a local path
    ref = "v1.4.0"                  # the template's tag or commit (with that template only)
    [defaults]                      # answers `mlt new` uses where the template asks them
    image_registry = "registry.acme.internal/ml"
    author_email = "ml-platform@acme.internal"

A file that is not TOML, or holds a key mlt does not know, is one error naming the file and
the key; nothing is rendered or written.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlt.errors import UsageError
from mlt.kv_pairs import as_text

CONFIG_ENV = "MLT_CONFIG"
TEMPLATE_ENV = "MLT_TEMPLATE"
BUNDLED = "bundled"
FLAG = "--template"
KEYS = ("template", "ref", "defaults")


@dataclass
class Setting:
    """One effective value and where it came from (a flag, a variable, a file, a default)."""

    value: Any
    origin: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "from": self.origin}


@dataclass
class Settings:
    """What `mlt new` uses: the template (None: bundled), its ref, default answers."""

    config_file: Path
    config_found: bool
    template: Setting
    ref: Setting
    defaults: dict[str, Setting] = field(default_factory=dict)

    @property
    def template_source(self) -> str | None:
        """The template to render, or None for the bundled one."""
        return None if self.template.value == BUNDLED else str(self.template.value)

    def default_answers(self) -> dict[str, str]:
        """The config's defaults as `-d` text (typed against the template's questions later)."""
        return {key: as_text(s.value) for key, s in self.defaults.items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `mlt config show --json`."""
        return {
            "config_file": {"path": str(self.config_file), "exists": self.config_found},
            "template": self.template.to_dict(),
            "ref": self.ref.to_dict(),
            "defaults": {key: s.to_dict() for key, s in self.defaults.items()},
        }


def config_file() -> Path:
    """MLT_CONFIG, else $XDG_CONFIG_HOME/mlt/config.toml (XDG's default: ~/.config)."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "mlt" / "config.toml"


def read_config(path: Path) -> dict[str, Any] | None:
    """The checked config file, or None when there is none. UsageError names what is wrong."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if os.environ.get(CONFIG_ENV):
            raise UsageError(f"{path} (named by {CONFIG_ENV}) does not exist") from None
        return None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    toml = _toml()
    try:
        data = toml.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    except toml.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    for key, value in data.items():
        if key not in KEYS:
            raise UsageError(
                f"{path}: unknown key '{key}' (known: {', '.join(KEYS)}; answers go under "
                "[defaults])"
            )
        if key in ("template", "ref") and (not isinstance(value, str) or not value.strip()):
            raise UsageError(f"{path}: key '{key}' must be a non-empty string")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise UsageError(f"{path}: key 'defaults' must be a table of answers ([defaults])")
    for key, value in defaults.items():
        if key == "project_name":
            raise UsageError(f"{path}: key 'defaults.project_name': NAME names each project")
        if not isinstance(value, (str, int, float, bool)):
            raise UsageError(f"{path}: key 'defaults.{key}' must be a string, number or boolean")
    _check_answers(path, defaults)
    return data


def _check_answers(path: Path, defaults: dict[str, Any]) -> None:
    """mlt's own answer checks (registries, tags, package names), worded with the file."""
    from mlt.scaffold.answers import check_values

    for key, value in defaults.items():
        try:
            check_values({key: value})
        except UsageError as exc:
            raise UsageError(f"{path}: key 'defaults.{key}': {exc.message}") from None


def effective(template_flag: str | None = None, ref_flag: str | None = None) -> Settings:
    """The settings `mlt new` would use with these flags."""
    path = config_file()
    config = read_config(path)
    found = config is not None
    config = config or {}
    env = os.environ.get(TEMPLATE_ENV, "").strip()
    if template_flag:
        template = Setting(template_flag, FLAG)
    elif env:
        template = Setting(env, TEMPLATE_ENV)
    elif "template" in config:
        template = Setting(_from_file(config["template"], path), str(path))
    else:
        template = Setting(BUNDLED, "default")
    if ref_flag:
        ref = Setting(ref_flag, "--ref")
    elif "ref" in config and template.origin == str(path):
        # The file's ref belongs to the file's template, not to one named elsewhere.
        ref = Setting(config["ref"], str(path))
    else:
        ref = Setting(None, "default")
    defaults = {key: Setting(value, str(path)) for key, value in config.get("defaults", {}).items()}
    return Settings(path, found, template, ref, defaults)


def _from_file(value: str, path: Path) -> str:
    """A relative local template path in the file is relative to the file, not to the cwd."""
    from mlt.template.source import is_remote

    if value == BUNDLED or is_remote(value) or Path(value).expanduser().is_absolute():
        return value
    return str((path.parent / value).resolve())


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # the same parser, for Python 3.10

    return tomli
