"""The product never reaches the development tooling or the tests (issue 19).

perks_dev (the fake Admin API, the demo storefront, the mail sink, `make run`) and the
tests may import the product; shopify_app, webhooks and admin_ui import neither, not
even lazily inside a function, and name neither in a string (an rq job path, a module
imported by name).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("shopify_app", "webhooks", "admin_ui")
OFF_LIMITS = ("perks_dev", "tests")
MODULE_PATH = re.compile(rf"^({'|'.join(OFF_LIMITS)})(\.\w+)*(:\w+)?$")  # "tests.fixtures", "perks_dev.devserver:serve"


def off_limits(source: str, label: str) -> list[str]:
    """What a module imports, or names as a module in a string, from perks_dev or tests, at any depth of it."""
    found = []
    for node in ast.walk(ast.parse(source, label)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_PATH.match(node.value):
            names = [node.value]
        else:
            continue
        found += [f"{label}:{node.lineno} {name}" for name in names if name.split(".")[0] in OFF_LIMITS]
    return found


def test_no_product_module_imports_the_development_tooling_or_the_tests():
    modules = sorted(path for package in PRODUCT for path in (ROOT / package).rglob("*.py"))
    assert len(modules) > 50  # the walk found the product
    assert [hit for path in modules for hit in off_limits(path.read_text(), str(path.relative_to(ROOT)))] == []


def test_the_walk_sees_a_lazy_import_a_job_path_and_nothing_in_prose():
    source = 'def f():\n    from tests.fixtures import app_proxy\n\nJOB = "perks_dev.devserver.serve"\nDOC = "see perks_dev.demo_app()"\n'
    assert off_limits(source, "probe.py") == ["probe.py:2 tests.fixtures", "probe.py:4 perks_dev.devserver.serve"]


def test_the_product_app_loads_no_development_module():
    """Every product module imported and the app built, in a fresh interpreter: no perks_dev or tests module is loaded."""
    script = f"""
import importlib, pkgutil, sys
for package in {PRODUCT!r}:
    for found in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(found.name)
from shopify_app import create_app
create_app()
print(sorted(name for name in sys.modules if name.split(".")[0] in {OFF_LIMITS!r}))
"""
    env = {name: value for name, value in os.environ.items() if name != "PERKS_DEMO"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
