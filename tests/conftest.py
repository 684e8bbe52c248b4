"""Shared test helpers and settings."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from micrograd_plus import Value

# Example counts stay small enough for the whole suite to run in a few minutes on 2 cores;
# HYPOTHESIS_PROFILE=thorough runs many more.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def assert_inputs_first(order: list[Value]) -> None:
    """Every node appears exactly once, after every one of its inputs."""
    position = {}
    for i, node in enumerate(order):
        assert node not in position, f"{node!r} appears twice in the order"
        position[node] = i
    for node in order:
        for inp in node.inputs:
            assert inp in position, f"input {inp!r} of {node!r} is missing from the order"
            assert position[inp] < position[node], f"{inp!r} comes after {node!r}, which uses it"


def pytest_collection_modifyitems(config: object, items: list[Any]) -> None:
    """Tests marked needs_dot skip cleanly where Graphviz's dot program is not on PATH."""
    if shutil.which("dot"):
        return
    skip = pytest.mark.skip(reason="Graphviz's dot program is not on PATH")
    for item in items:
        if "needs_dot" in item.keywords:
            item.add_marker(skip)
