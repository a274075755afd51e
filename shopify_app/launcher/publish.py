"""The look the merchant saved, put where the storefront reads it with no request of its own.

Shopify renders the theme block's Liquid with the app's metafields: an app-data metafield
(owned by the app's installation, which only Perks can write and Liquid reads as
`app.metafields.perks.look`) holds the look as JSON, and the block turns it into CSS custom
properties and texts in the page itself, before launcher.js runs, so nothing moves or repaints
once the page is shown. Written when the merchant saves, and at an install: Shopify deletes an
installation's metafields with the app, so a shop that comes back gets its saved look back.
"""

from __future__ import annotations

import json
from typing import Any

from shopify_app.launcher.look import black_or_white, readable_text
from shopify_app.shopify.admin_client import AdminClient

NAMESPACE, KEY = "perks", "look"


class NotOnStorefront(Exception):
    """Shopify could not be reached or refused the look: the storefront shows the previous one."""

    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


def metafield_value(look: dict[str, Any]) -> dict[str, Any]:
    """What the block reads: colours, corner, radius, and the texts per language the merchant wrote; with
    the colours the shopper is shown, decided here so the block writes them as they are: the label colour
    on the primary, and the text colour on the background (a readable substitute if the merchant's is not)."""
    names = ("primary_color", "background_color", "text_color", "corner_radius", "position", "texts")
    return {name: look[name] for name in names} | {
        "on_primary": black_or_white(look["primary_color"]),
        "text_shown": readable_text(look["text_color"], look["background_color"]),
    }


def write(client: AdminClient, look: dict[str, Any]) -> None:
    """Set the shop's app-data metafield to `look` (Shopify's errors raised as the client raises them)."""
    installation = client.execute("LauncherLookMetafield")["currentAppInstallation"]["id"]
    value = json.dumps(metafield_value(look), ensure_ascii=False, separators=(",", ":"))
    client.execute(
        "MetafieldsSet", {"metafields": [{"ownerId": installation, "namespace": NAMESPACE, "key": KEY, "type": "json", "value": value}]}
    )
