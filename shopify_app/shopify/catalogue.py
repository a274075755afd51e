"""Products, variants and collections found by name: the admin's picker where App Bridge's
resource picker is absent (the demo, the tests), served by Perks through the Admin API."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shopify_app.shopify.admin_client import AdminClient

CatalogueKind = Literal["variant", "product", "collection"]
# Each kind's document and the root field it reads.
DOCUMENTS: dict[str, tuple[str, str]] = {
    "variant": ("CatalogueVariants", "productVariants"),
    "product": ("CatalogueProducts", "products"),
    "collection": ("CatalogueCollections", "collections"),
}
# Shopify names a product's only variant "Default Title"; the merchant knows it by the product's name.
DEFAULT_VARIANT = "Default Title"


@dataclass(frozen=True)
class Found:
    id: int  # the legacy id, as Perks keeps it
    gid: str
    title: str


def search_query(words: str) -> str:
    """What the merchant typed as Shopify search syntax: each word a prefix (``blend*``). Only letters
    and digits are kept, so a colon or a quote typed cannot turn into a filter of its own."""
    return " ".join(f"{word}*" for word in re.findall(r"\w+", words)[:8])


def search(client: AdminClient, kind: CatalogueKind, words: str) -> list[Found]:
    document, root = DOCUMENTS[kind]
    nodes = client.execute(document, {"query": search_query(words)})[root]["nodes"]
    return [Found(int(node["id"].rsplit("/", 1)[1]), node["id"], _title(kind, node)) for node in nodes]


def _title(kind: str, node: dict) -> str:
    if kind != "variant":
        return node["title"]
    product = node["product"]["title"]
    return product if node["title"] == DEFAULT_VARIANT else f"{product} - {node['title']}"
