"""The import rules of ARCHITECTURE.md, read from the code itself with `ast`.

- The domain is plain Python: only a room's web modules (its routes, answer models and guards),
  the app factory and the command line import Flask.
- `core` (the plumbing) imports no room.
- No module reaches into another's private names (`from x import _y`).
- No import cycles between modules (counting the imports a module makes when it is loaded).
- The top of the tree is what ARCHITECTURE.md says it is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("shopify_app", "webhooks", "admin_ui")
FLASK = ("flask", "werkzeug", "flask_limiter")
# Where HTTP lives: each room's routes (admin*.py, storefront*.py, *_api.py), answer models shown as JSON
# (presenters.py), who is calling (guards.py), the app's pages (views.py), the admin blueprint and its
# shared helpers, the contracts and rate limits of every door, the runtime Flask holds, the factory and the CLI.
WEB = re.compile(r"(^|/)(admin|admin_(?!client)\w+|storefront\w*|\w+_api|openapi|presenters|guards|views|http|web|cli|receive)\.py$")
WEB_FILES = {
    "shopify_app/__init__.py",
    "shopify_app/admin_api/__init__.py",
    "shopify_app/core/contracts.py",
    "shopify_app/shop/rate_limits.py",
    "webhooks/__init__.py",
    "admin_ui/__init__.py",
    "admin_ui/launcher_preview.py",
    "shopify_app/launcher/surfaces.py",
}


def modules() -> dict[str, Path]:
    found = {}
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            name = relative.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
            found[name] = path
    return found


MODULES = modules()


def imports(path: Path, *, loading_only: bool = False) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of each import; with loading_only, those run when the module loads (not inside functions)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if loading_only else list(ast.walk(tree))
    if loading_only:  # the top level, and the bodies of top-level if/try (TYPE_CHECKING blocks are not loading)
        nodes = [n for n in nodes if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
        nodes = [inner for n in nodes for inner in (ast.walk(n) if isinstance(n, ast.Try | ast.If) else [n])]
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
    return found


def targets(module: str, names: list[str]) -> list[str]:
    """The modules an import names: `from pkg import mod` is mod; `from mod import thing` is mod."""
    found = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return found if found and len(found) == len(names) else [module, *found]


def is_web(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return relative in WEB_FILES or bool(WEB.search(relative))


def test_the_domain_jobs_and_adapters_do_not_import_flask():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in MODULES.values()
        if not is_web(path)
        for module, _, line in imports(path)
        if module.split(".")[0] in FLASK
    ]
    assert not offenders, "\n".join(offenders)


def test_the_domain_does_not_import_a_web_module():
    web = {name for name, path in MODULES.items() if is_web(path)}
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for name, path in MODULES.items()
        if not is_web(path)
        for module, names, line in imports(path)
        for target in targets(module, names)
        if target in web
    ]
    assert not offenders, "\n".join(offenders)


def test_core_imports_no_room():
    rooms = {p.name for p in (ROOT / "shopify_app").iterdir() if p.is_dir() and (p / "__init__.py").exists()} - {"core"}
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for name, path in MODULES.items()
        if name.startswith("shopify_app.core")
        for module, _, line in imports(path)
        if module.startswith("shopify_app.") and module.split(".")[1] in rooms
    ]
    assert not offenders, "\n".join(offenders)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _module_aliases(tree: ast.Module) -> set[str]:
    """The names a file binds to product modules (`from shopify_app.ledger import orders`, `import webhooks.jobs as jobs`)."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            aliases |= {a.asname or a.name for a in node.names if f"{node.module}.{a.name}" in MODULES}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.asname and a.name in MODULES}
    return aliases


def test_no_module_reaches_into_another_modules_private_names():
    offenders = []
    for path in [*MODULES.values(), *sorted((ROOT / "perks_dev").rglob("*.py"))]:
        where = path.relative_to(ROOT)
        offenders += [f"{where}:{line} imports {module}.{n}" for module, names, line in imports(path) for n in names if _private(n)]
        tree = ast.parse(path.read_text())
        aliases = _module_aliases(tree)
        offenders += [
            f"{where}:{node.lineno} uses {node.value.id}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases and _private(node.attr)
        ]
    assert not offenders, "\n".join(offenders)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        found: set[str] = set()
        for module, names, _ in imports(path, loading_only=True):
            for target in targets(module, names):
                if target in MODULES and target != name:
                    found.add(target)
        graph[name] = found
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("folder", ["shopify_app", "."])
def test_architecture_md_names_every_room_and_top_level_folder(folder):
    text = (ROOT / "ARCHITECTURE.md").read_text()
    base = ROOT / folder
    names = sorted(
        p.name
        for p in base.iterdir()
        if p.is_dir()
        and not p.name.startswith((".", "__"))
        and p.name not in ("node_modules", "var", "tests/screenshots")
        and (folder != "." or any(p.rglob("*")))
    )
    missing = [n for n in names if f"`{n}/`" not in text]
    assert missing == [], f"ARCHITECTURE.md does not name {missing} (as `name/`)"
