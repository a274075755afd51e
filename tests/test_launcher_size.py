"""The launcher stays small: what a shopper's browser receives for it with a saved look, gzipped, within
10 KB (bench row 6 counts the same, through the same function: bench/launcher_size.py says what)."""

from pathlib import Path

from bench.launcher_size import measure, parts, rendered_block

ASSETS = Path(__file__).resolve().parents[1] / "theme_extension" / "assets"
BUDGET = 10 * 1024


def test_the_launcher_with_a_saved_look_fits_the_budget():
    total, detail = measure()
    print(f"gzipped: {detail} = {total:,} B (budget {BUDGET:,} B)")
    assert total <= BUDGET


def test_what_is_counted_is_every_asset_and_the_rendered_block():
    sizes = parts()
    assert set(sizes) == {"launcher.css", "launcher.js", "perks-ui.js", "launcher block with a saved look"}
    assert sum(sizes.values()) == measure()[0]


def test_the_saved_look_is_in_the_block_that_is_counted():
    block = rendered_block()
    assert "--perks-primary: #0b6e4f" in block and "--perks-radius: 8px" in block and "perks--bottom-left" in block
    assert "Beans &amp; perks" in block and "The Roastery Club" in block and "data-perks-i18n" in block


def test_entry_script_is_small():
    # Shopify's theme-check fails app-block JavaScript over 10,000 bytes.
    assert (ASSETS / "launcher.js").stat().st_size <= 10000
    sizes = parts()
    assert sizes["launcher.js"] + sizes["launcher.css"] <= 6 * 1024  # what every storefront page loads
