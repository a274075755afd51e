"""Which collections products are in, asked of the Admin API (ProductCollections)."""

from __future__ import annotations

from collections.abc import Callable

from .admin_client import AdminClient

# `nodes` takes up to 250 ids; 50 keeps each query's cost well inside the bucket.
CHUNK = 50


def _legacy_id(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def lookup(client: AdminClient) -> Callable[[list[int]], dict[int, list[int]]]:
    def collections_of(product_ids: list[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for start in range(0, len(product_ids), CHUNK):
            ids = [f"gid://shopify/Product/{pid}" for pid in product_ids[start : start + CHUNK]]
            for node in client.execute("ProductCollections", {"ids": ids})["nodes"]:
                if node and node.get("__typename") == "Product":
                    found[_legacy_id(node["id"])] = [_legacy_id(c["id"]) for c in node["collections"]["nodes"]]
        return found

    return collections_of


def for_shop(shop_domain: str) -> Callable[[list[int]], dict[int, list[int]]]:
    """A lookup that opens the shop's Admin client only when the cache misses."""

    def collections_of(product_ids: list[int]) -> dict[int, list[int]]:
        from shopify_app.config import Settings
        from shopify_app.db import session_factory
        from shopify_app.platform import tokens

        settings = Settings.from_env()
        client = tokens.admin_client(session_factory(settings.database_url), settings, shop_domain)
        return lookup(client)(product_ids)

    return collections_of
