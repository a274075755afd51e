"""Theme app extension: Shopify theme-check passes, locales are complete."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "theme_extension"
LOCALES = EXT / "locales"
LANGUAGES = ["en.default", "zh-CN", "zh-TW", "ro", "es", "fr", "de", "pt-BR"]


PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}


def _keys(data, prefix=""):
    """Flattened key paths of a locale file; a text's plural forms are one key (each language has its own forms)."""
    if isinstance(data, dict) and not (prefix and set(data) <= PLURAL_FORMS):
        out = set()
        for key, value in data.items():
            out |= _keys(value, f"{prefix}.{key}" if prefix else key)
        return out
    return {prefix}


def _load(name):
    return json.loads((LOCALES / name).read_text(encoding="utf-8"))


def test_extension_layout():
    toml = (EXT / "shopify.extension.toml").read_text()
    assert 'type = "theme"' in toml and 'name = "Perks rewards"' in toml
    for path in [
        "blocks/launcher.liquid",
        "blocks/product_points.liquid",
        "blocks/rewards_page.liquid",
        "assets/launcher.js",
        "assets/launcher.css",
        "assets/perks-ui.js",
        "snippets/perks_i18n.liquid",
    ]:
        assert (EXT / path).is_file(), path
    launcher = (EXT / "blocks/launcher.liquid").read_text()
    assert '"target": "body"' in launcher
    assert '"javascript": "launcher.js"' in launcher and '"stylesheet": "launcher.css"' in launcher


def test_theme_check_passes():
    # `make test` installs theme-check; missing, the check fails rather than passing unseen.
    assert shutil.which("node") and (ROOT / "node_modules/@shopify/theme-check-node").is_dir(), "run `make install-dev`"
    proc = subprocess.run(["node", "scripts/theme_check.mjs", "theme_extension"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " 0 error(s)" in proc.stdout


def test_the_assets_are_the_build_of_their_sources():
    # theme_src/ is what is read and edited; a change there not built into theme_extension/assets/ would never reach a shop.
    assert (ROOT / "node_modules/esbuild").is_dir(), "run `make install-dev`"
    assert sorted(p.name for p in (ROOT / "theme_src").iterdir()) == sorted(p.name for p in (EXT / "assets").iterdir())
    proc = subprocess.run(["node", "scripts/build_theme_assets.mjs", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_all_languages_exist():
    for lang in LANGUAGES:
        assert (LOCALES / f"{lang}.json").is_file(), lang
        assert (LOCALES / f"{lang}.schema.json").is_file(), lang


@pytest.mark.parametrize("suffix", [".json", ".schema.json"])
@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_locale_keys_match_english(lang, suffix):
    english = _keys(_load("en.default" + suffix))
    other = _keys(_load(lang + suffix))
    assert other == english, {"missing": sorted(english - other), "extra": sorted(other - english)}


def test_locale_values_are_non_empty_and_keep_placeholders():
    import re

    english = _load("en.default.json")["perks"]["launcher"]
    for lang in LANGUAGES[1:]:
        texts = _load(lang + ".json")["perks"]["launcher"]
        for key, value in texts.items():
            assert value.strip(), (lang, key)
            want = set(re.findall(r"\{\w+\}", english[key]))
            assert set(re.findall(r"\{\w+\}", value)) == want, (lang, key, value)


def test_i18n_snippet_covers_every_launcher_text():
    snippet = (EXT / "snippets/perks_i18n.liquid").read_text()
    used_by_js = {k for k in _load("en.default.json")["perks"]["launcher"] if k not in ("button", "title")}
    for key in used_by_js:
        assert f"'perks.launcher.{key}' | t" in snippet, key
