"""The three UI extensions (extensions/): their components rendered in happy-dom with each surface's
`shopify` global stubbed (tests/extensions/run.mjs, cases.jsx), and their locales complete in the
launcher's 8 languages."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = ("customer-account-rewards", "thank-you-points", "pos-rewards")
LANGUAGES = sorted(p.name for p in (ROOT / "theme_extension/locales").glob("*.json") if not p.name.endswith(".schema.json"))
# The plural forms Intl.PluralRules selects in each language (what shopify.i18n.translate picks from).
PLURALS = {
    "en": {"one", "other"},
    "de": {"one", "other"},
    "es": {"one", "many", "other"},
    "fr": {"one", "many", "other"},
    "pt-BR": {"one", "many", "other"},
    "ro": {"one", "few", "other"},
    "zh-CN": {"other"},
    "zh-TW": {"other"},
}
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# translate('key' or t('key' in an extension's sources.
USED = re.compile(r"""(?:translate|\bt)\(\s*'(\w+)'""")


def test_every_surface_renders_in_a_dom_with_its_shopify_api():
    done = subprocess.run(["node", str(ROOT / "tests/extensions/run.mjs")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # One "ok <case>" line per case of cases.jsx: the three extensions' five components.
    assert sum(line.startswith("ok ") for line in done.stdout.splitlines()) >= 12, done.stdout


def words(extension: str, language_file: str) -> dict:
    return json.loads((ROOT / "extensions" / extension / "locales" / language_file).read_text())


def placeholders(value: str | dict) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_locales_are_complete_in_the_launchers_languages(extension):
    folder = ROOT / "extensions" / extension / "locales"
    assert sorted(p.name for p in folder.glob("*.json")) == LANGUAGES
    english = words(extension, "en.default.json")
    for name in LANGUAGES:
        language = name.removesuffix(".json").removesuffix(".default")
        found = words(extension, name)
        assert found.keys() == english.keys(), name
        for key, value in found.items():
            assert placeholders(value) == placeholders(english[key]), f"{name} {key}"
            if isinstance(value, dict):
                assert set(value) == PLURALS[language], f"{name} {key}"


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_every_word_an_extension_says_is_in_its_locales(extension):
    """Its sources' and perks.js's words; the shared components' are checked as rendered (run.mjs's i18n refuses a missing key)."""
    sources = [*(ROOT / "extensions" / extension / "src").glob("*.js*"), ROOT / "extensions/shared/perks.js"]
    used = {key for path in sources for key in USED.findall(path.read_text())}
    assert used and used - words(extension, "en.default.json").keys() == set()
