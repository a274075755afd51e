"""The three UI extensions (extensions/): their components rendered in happy-dom with each surface's
`shopify` global stubbed (tests/extensions/run.mjs, cases.jsx) against the real Perks app served on a
loopback port, with session tokens minted as each surface mints them; and their locales complete in the
launcher's 8 languages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.tiers import tiers
from shopify_app.tiers.models import Tier
from tests.fixtures.surface_tokens import customer_token, pos_token
from tests.test_redemption import ADA, give, reward
from tests.test_surfaces_api import pay, shop_id  # noqa: F401  (shop_id: the installed shop, a fixture)

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


# The shoppers the cases render for, each with the points their case needs (a redemption spends them).
SHOPPERS = {"ada": ADA, "bea": ADA + 1, "cy": ADA + 2, "eve": ADA + 3, "dan": ADA + 4, "nobody": ADA + 5}
MEMBER_ORDER, GUEST_ORDER, GUEST_EMAIL = 5101, 5102, "guest@example.com"


def seed(platform, sessions, installed: int) -> None:
    """The shop `installed`: Ada Silver (spend 1,000; Gold at 2,000) from one paid order of $1,250; the others' points given."""
    with UnitOfWork(sessions) as uow:
        tiers.program_of(uow.session, installed).basis = "spend"
        uow.session.add_all(
            [
                Tier(shop_id=installed, name="Silver", threshold=Decimal(1000), multiplier=Decimal(1), perks="Free shipping over $50"),
                Tier(shop_id=installed, name="Gold", threshold=Decimal(2000), multiplier=Decimal(2)),
            ]
        )
        uow.commit()
    for title, kind, cost, value in (("$10 store credit", "store_credit", 1000, "10.00"), ("$25 off", "fixed_amount", 2500, "25.00")):
        reward(sessions, installed, title=title, kind=kind, points_cost=cost, value=value)
    pay(sessions, platform.shop, MEMBER_ORDER, ADA, amount="1250.00")
    pay(sessions, platform.shop, GUEST_ORDER, None, amount="120.00", email=GUEST_EMAIL)
    for name, points in (("bea", 1250), ("cy", 1250), ("eve", 1), ("dan", 600)):
        give(sessions, installed, points, customer=SHOPPERS[name])


def surfaces_env(platform, url: str) -> dict:
    """What run.mjs needs: where the app listens, and each surface's session token for each shopper."""
    key, secret, shop = platform.fake.client_id, platform.fake.client_secret, platform.shop
    return {
        "url": url,
        "customers": {name: str(customer) for name, customer in SHOPPERS.items()},
        "orders": {"member": str(MEMBER_ORDER), "guest": str(GUEST_ORDER), "guest_email": GUEST_EMAIL},
        "tokens": {
            "account": {name: customer_token(shop, key, secret, customer) for name, customer in SHOPPERS.items()},
            "checkout": {name: customer_token(shop, key, secret, customer, bare_dest=True) for name, customer in SHOPPERS.items()},
            "guest": customer_token(shop, key, secret, None, bare_dest=True),
            "pos": pos_token(shop, key, secret),
        },
    }


@contextmanager
def served(app) -> Iterator[str]:
    """The app on a loopback port, in a thread, for a client outside this process: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        serving.join()


def test_every_surface_renders_in_a_dom_with_its_shopify_api_against_the_real_app(platform, sessions, shop_id):  # noqa: F811
    seed(platform, sessions, shop_id)
    with served(platform.app) as url:
        env = os.environ | {"PERKS_SURFACES": json.dumps(surfaces_env(platform, url))}
        run = ["node", str(ROOT / "tests/extensions/run.mjs")]
        done = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
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
