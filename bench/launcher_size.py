"""Row 6: what a shopper's browser receives for the launcher, with a merchant's saved look, gzipped.

Counted, each compressed on its own with gzip at level 9 and summed:
- every `*.js` and `*.css` in theme_extension/assets/ (launcher.js and launcher.css load with every
  storefront page; perks-ui.js when the shopper reaches for the launcher: all three are counted);
- the launcher block itself (theme_extension/blocks/launcher.liquid) as Shopify renders it into the page
  once the merchant has saved a look: rendered by the same renderer as the demo shop and the admin's
  preview (shopify_app.launcher.liquid_blocks), with the app's metafield holding a saved look exactly as
  Perks publishes it (shopify_app.launcher.publish.metafield_value). That is the whole block: its
  markup, the look inline (CSS custom properties, corner, label, title) and the texts for the scripts.
Each part gzipped alone is a little more than its share of a gzipped page (a gzip header each, no
context shared with the rest of the page): the count errs on the heavy side.
"""

from __future__ import annotations

import gzip

from shopify_app.launcher.liquid_blocks import EXTENSION, Blocks
from shopify_app.launcher.publish import metafield_value

# How Shopify's asset_url spells an app extension's asset (a CDN URL with the extension's id and version).
CDN = "https://cdn.shopify.com/extensions/0193a4d2-7c5e-7f1a-9b3c-2e8d4f6a1b0c/perks-42/assets"
# A merchant's look: their own colours (a label colour and text colour to choose), corner and texts.
LOOK = {
    "primary_color": "#0b6e4f",
    "background_color": "#fdf6e3",
    "text_color": "#1b2b34",
    "position": "bottom-left",
    "corner_radius": 8,
    "texts": {"en": {"button_label": "Beans & perks", "title": "The Roastery Club"}, "fr": {"button_label": "Mes avantages"}},
}
# A visitor of a shop in English, as the storefront's Liquid objects give it.
OBJECTS = {
    "shop": {"name": "The Roastery", "currency": "USD"},
    "customer": None,
    "request": {"locale": {"iso_code": "en", "primary": True}, "path": "/"},
    "routes": {"account_login_url": "/account/login", "account_register_url": "/account/register", "cart_url": "/cart"},
}


def rendered_block() -> str:
    """The launcher block as the page carries it, with LOOK saved."""
    app = {"metafields": {"perks": {"look": {"type": "json", "value": metafield_value(LOOK)}}}}
    return Blocks(CDN).render("launcher", OBJECTS | {"app": app})


def parts() -> dict[str, int]:
    """Each counted part's gzipped size (level 9), by name."""
    assets = EXTENSION / "assets"
    files = sorted([*assets.glob("*.js"), *assets.glob("*.css")])
    sizes = {path.name: len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files}
    sizes["launcher block with a saved look"] = len(gzip.compress(rendered_block().encode(), compresslevel=9))
    return sizes


def measure() -> tuple[int, str]:
    """(bytes, what was counted): the sum of the parts, each gzipped at level 9."""
    sizes = parts()
    return sum(sizes.values()), " + ".join(f"{name} {size:,}" for name, size in sizes.items()) + " (each gzip -9)"
