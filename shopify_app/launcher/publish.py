"""The look the merchant saved, put where the storefront reads it with no request of its own.

Shopify renders the theme block's Liquid with the app's metafields: an app-data metafield
(owned by the app's installation, which only Perks can write and Liquid reads as
`app.metafields.perks.look`) holds the look as JSON, and the block turns it into CSS custom
properties and texts in the page itself, before launcher.js runs, so nothing moves or repaints
once the page is shown. Written when the merchant saves.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.shop.tokens import admin_client, admin_failures

NAMESPACE, KEY = "perks", "look"
# The merchant waits for the answer in the admin: a short retry, then say so.
MERCHANT_WAITING = {"max_retries": 2, "backoff_base": 0.25, "backoff_cap": 1.0, "timeout": 10.0}


class NotOnStorefront(Exception):
    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


def metafield_value(look: dict[str, Any]) -> dict[str, Any]:
    """What the block reads: colours, corner, radius, and the texts per language the merchant wrote."""
    return {name: look[name] for name in ("primary_color", "background_color", "text_color", "corner_radius", "position", "texts")}


def publish(sessions: sessionmaker[Session], settings: Settings, shop_domain: str, look: dict[str, Any]) -> None:
    """Write the look to the shop's app-data metafield; NotOnStorefront when Shopify cannot be reached or refuses."""
    client = admin_client(sessions, settings, shop_domain, **MERCHANT_WAITING)
    with admin_failures(NotOnStorefront, "Shopify refused the look"):
        installation = client.execute("LauncherLookMetafield")["currentAppInstallation"]["id"]
        value = json.dumps(metafield_value(look), ensure_ascii=False, separators=(",", ":"))
        client.execute(
            "MetafieldsSet", {"metafields": [{"ownerId": installation, "namespace": NAMESPACE, "key": KEY, "type": "json", "value": value}]}
        )
