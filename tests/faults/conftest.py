"""Fixtures of the fault tests: the world (built once per session) and its environment."""

from __future__ import annotations

import pytest

from tests.faults.fault_world import World, build_world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    return build_world(tmp_path_factory.mktemp("faults"))


@pytest.fixture(autouse=True)
def world_env(world, monkeypatch):
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MLT_TEMPLATES_DIR", str(world.templates["v1"]))
    return world
