"""The storefront assets stay small: gzip(launcher.js) + gzip(launcher.css) + gzip(perks-ui.js) <= 10 KB.

launcher.js + launcher.css load on every storefront page; perks-ui.js is only
fetched when the shopper reaches for the launcher (or on the rewards page), but
it is counted too so the whole storefront cost stays within the budget.
"""

import gzip
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "theme_extension" / "assets"
BUDGET = 10 * 1024
FILES = ["launcher.js", "launcher.css", "perks-ui.js"]


def gz(name):
    return len(gzip.compress((ASSETS / name).read_bytes(), compresslevel=9))


def test_gzipped_size_within_budget():
    sizes = {name: gz(name) for name in FILES}
    total = sum(sizes.values())
    print(f"gzipped: {sizes} total={total} B (budget {BUDGET} B)")
    assert total <= BUDGET


def test_entry_script_is_small():
    # Shopify's theme-check fails app-block JavaScript over 10,000 bytes.
    assert (ASSETS / "launcher.js").stat().st_size <= 10000
    assert gz("launcher.js") + gz("launcher.css") <= 6 * 1024
