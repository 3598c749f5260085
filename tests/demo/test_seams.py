"""The demo data and the benchmarks sit beside the apps: they import the apps, and no app
imports them (so neither ships inside an app's behaviour, and either can be removed)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["socialrx", "referrals", "assets", "champions", "outcomes"]
OUTSIDE = {"demo", "bench"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_app_imports_the_demo_or_the_benchmarks():
    offending = [
        f"{path.relative_to(ROOT)}: {', '.join(sorted(_imported_roots(path) & OUTSIDE))}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if _imported_roots(path) & OUTSIDE
    ]
    assert offending == []


def test_the_apps_keep_no_demo_or_benchmark_modules():
    leftovers = [
        str(path.relative_to(ROOT))
        for app in APPS
        for pattern in ("demo*.py", "bench*.py", "seed_demo.py", "demo_logins.py")
        for path in (ROOT / app).rglob(pattern)
    ]
    assert leftovers == []
