"""The direction of dependencies in docs/architecture.md: the import contracts in
pyproject.toml hold, and no app's migrations depend on an app it may not import."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from importlinter.cli import lint_imports

PYPROJECT = Path(settings.BASE_DIR) / "pyproject.toml"


def _layers() -> list[set[str]]:
    """The layers contract, top first, each layer as its packages' names ("(demo) : (bench)"
    is one layer of two optional packages)."""
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["id"] == "layers"]
    return [{name.strip("() ") for name in re.split(r"[|:]", layer)} for layer in layers]


def _may_use() -> dict[str, set[str]]:
    """Each package and the packages it may depend on: those in the layers below its own."""
    layers = _layers()
    return {name: set().union(*layers[i + 1 :]) for i, layer in enumerate(layers) for name in layer}


def test_import_contracts_hold():
    assert lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0


def test_layers_follow_the_documented_rules():
    may_use = _may_use()
    assert may_use["socialrx"] == set()
    assert "referrals" not in may_use["assets"] and "champions" not in may_use["assets"]
    for app in ("socialrx", "assets", "referrals", "champions"):
        assert "outcomes" not in may_use[app]
    assert {"socialrx", "assets", "referrals", "champions", "outcomes"} <= may_use["demo"]


def test_migrations_depend_only_on_apps_below():
    may_use = _may_use()
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    wrong = []
    for (app, name), node in graph.node_map.items():
        if app not in may_use:
            continue
        for parent_app, parent_name in node.parents:
            if parent_app in may_use and parent_app != app and parent_app not in may_use[app]:
                wrong.append(f"{app}.{name} -> {parent_app}.{parent_name}")
    assert wrong == []
