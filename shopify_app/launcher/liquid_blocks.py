"""The theme extension's real block files rendered with python-liquid, as Shopify renders them.

Shopify gives a block `block.settings` (the schema's defaults until the
merchant changes them), translates `t` from the extension's `locales/` with the
shopper's locale (falling back to `en.default`, choosing the plural form by
`count`), resolves `asset_url` to the extension's CDN and has colour filters
(`color_contrast`, WCAG 2's ratio to one decimal, as Shopify prints it). Here the same
files render with the same objects, so what the demo shows is what a shop shows.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from liquid import Environment, FileSystemLoader
from liquid.filter import with_context

from shopify_app.core.config import REPO_ROOT
from shopify_app.launcher.look import contrast

EXTENSION = REPO_ROOT / "theme_extension"
SCHEMA = re.compile(r"{%-?\s*schema\s*-?%}(.*?){%-?\s*endschema\s*-?%}", re.S)
PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "RON": "lei ", "BRL": "R$"}


def locales() -> list[str]:
    """The shopper languages the extension ships, default first: en, de, es, ..."""
    found = sorted(p.name.removesuffix(".json") for p in (EXTENSION / "locales").glob("*.json") if not p.name.endswith(".schema.json"))
    return ["en"] + [code for code in found if code != "en.default"]


@cache
def _translations(code: str) -> dict:
    name = "en.default" if code == "en" else code
    path = EXTENSION / "locales" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _lookup(tree: dict, key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def translate(code: str, key: str, **variables: Any) -> str:
    """Shopify's `t`: the shopper's locale, then en.default; `count` picks the plural form."""
    for tree in (_translations(code), _translations("en")):
        found = _lookup(tree, key)
        if found is None:
            continue
        if isinstance(found, dict):
            count = variables.get("count")
            form = _plural(code, count) if count is not None else "other"
            found = found.get(form, found.get("other"))
            if found is None:
                continue
        return PLACEHOLDER.sub(lambda m: str(variables.get(m.group(1), m.group(0))), str(found))
    return f"translation missing: {code}.{key}"


def _plural(code: str, count: Any) -> str:
    try:
        return Locale.parse(code.replace("-", "_")).plural_form(abs(Decimal(str(count))))
    except (ValueError, ArithmeticError):
        return "other"


def money(cents: Any, currency: str = "USD") -> str:
    amount = Decimal(str(cents or 0)) / 100
    return f"{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{amount:,.2f}"


class Blocks:
    """Renders `theme_extension/blocks/*.liquid` (schema stripped) with Shopify's objects."""

    def __init__(self, asset_url_prefix: str):
        self.asset_url_prefix = asset_url_prefix
        self.env = Environment(loader=FileSystemLoader(EXTENSION / "snippets", ext=".liquid"))
        self.env.filters["t"] = self._t
        self.env.filters["asset_url"] = self._asset_url
        self.env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)
        self.env.filters["money"] = self._money
        self.env.filters["color_contrast"] = lambda a, b: round(contrast(str(a), str(b)), 1)

    @staticmethod
    @with_context
    def _t(key: str, *, context, **variables: Any) -> str:
        request = context.resolve("request")
        code = request["locale"]["iso_code"] if isinstance(request, dict) else "en"
        return translate(code, str(key), **variables)

    def _asset_url(self, name: str) -> str:
        path = EXTENSION / "assets" / str(name)
        version = int(path.stat().st_mtime) if path.exists() else 0
        return f"{self.asset_url_prefix}/{name}?v={version}"

    @staticmethod
    @with_context
    def _money(cents: Any, *, context) -> str:
        shop = context.resolve("shop")
        return money(cents, shop.get("currency", "USD") if isinstance(shop, dict) else "USD")

    @staticmethod
    def schema(name: str) -> dict:
        match = SCHEMA.search((EXTENSION / "blocks" / f"{name}.liquid").read_text())
        return json.loads(match.group(1)) if match else {}

    def defaults(self, name: str) -> dict:
        # An empty text setting is blank in Shopify's Liquid; python-liquid's nil is not, so give "".
        empty = {"text": "", "textarea": "", "richtext": "", "inline_richtext": ""}
        return {s["id"]: s.get("default", empty.get(s["type"])) for s in self.schema(name).get("settings", []) if "id" in s}

    def render(self, name: str, objects: dict, settings: dict | None = None) -> str:
        source = SCHEMA.sub("", (EXTENSION / "blocks" / f"{name}.liquid").read_text())
        block = {"settings": self.defaults(name) | (settings or {}), "shopify_attributes": "", "id": f"perks-{name}"}
        return self.env.from_string(source).render(**objects, block=block)

    def assets(self, name: str) -> dict:
        """What Shopify adds to the page for a block: its schema's stylesheet and deferred script."""
        schema = self.schema(name)
        return {
            "stylesheet": self._asset_url(schema["stylesheet"]) if schema.get("stylesheet") else None,
            "javascript": self._asset_url(schema["javascript"]) if schema.get("javascript") else None,
        }


def static_path(name: str) -> Path | None:
    path = (EXTENSION / "assets" / name).resolve()
    return path if path.parent == (EXTENSION / "assets").resolve() and path.is_file() else None
