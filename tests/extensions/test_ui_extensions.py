"""The three UI extensions (extensions/): their components rendered in happy-dom with each surface's
`shopify` global stubbed (tests/extensions/run.mjs, cases.jsx) against the real Perks app served on a
loopback port, with session tokens minted as each surface mints them; the bundles `shopify app build` makes
of them, run as Shopify runs them; and their locales complete in the launcher's 8 languages."""

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
from sqlalchemy import select
from werkzeug.serving import make_server

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.shop.models import Shop
from shopify_app.tiers import tiers
from shopify_app.tiers.models import Tier
from tests.fixtures.surface_tokens import customer_token, pos_token
from tests.test_redemption import ADA, give, reward
from tests.test_shopify_cli import SHOPIFY, UI_EXTENSIONS, app_copy, run  # noqa: F401  (app_copy: a fixture)
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
# import ... from './x.js' or '../../shared/x.jsx': the relative imports.
IMPORTED = re.compile(r"""from '(\.{1,2}/[^']+)'""")


# The shoppers the cases render for, each with the points their case needs (a redemption spends them).
SHOPPERS = {name: ADA + n for n, name in enumerate(("ada", "bea", "cy", "eve", "dan", "nobody", "fay", "gus", "hal", "ivy"))}
MEMBER_ORDER, GUEST_ORDER, GUEST_EMAIL = 5101, 5102, "guest@example.com"
# Fay's order: placed, its thank-you page open, paid in Perks only when her case says so (POST PAY_PATH/<id>).
UNPAID_ORDER, PAY_PATH = 5103, "/__test__/pay"
# $1 off for every 100 points, 200 to 1,000 of them at a time.
POINTS_FOR_MONEY = "$1 off per 100 points"
# The ways to earn besides a purchase, each with its limit: (action, points, limit_count, limit_period).
RULES = (("review", 50, 3, "month"), ("social_share", 10, 1, "day"), ("birthday", 100, 1, "ever"), ("newsletter", 30, 1, "ever"))


def seed(platform, sessions, installed: int) -> None:
    """The shop `installed`: Ada Silver (spend 1,000; Gold at 2,000) from one paid order of $1,250; the others' points given."""
    with UnitOfWork(sessions) as uow:
        tiers.program_of(uow.session, installed).basis = "spend"
        shop = uow.session.get(Shop, installed)
        for action, points, count, period in RULES:
            actions.set_rule(uow.session, shop, action, points=points, limit_count=count, limit_period=period)
        uow.session.add_all(
            [
                Tier(shop_id=installed, name="Silver", threshold=Decimal(1000), multiplier=Decimal(1), perks="Free shipping over $50"),
                Tier(shop_id=installed, name="Gold", threshold=Decimal(2000), multiplier=Decimal(2)),
            ]
        )
        uow.commit()
    for title, kind, cost, value in (("$10 store credit", "store_credit", 1000, "10.00"), ("$25 off", "fixed_amount", 2500, "25.00")):
        reward(sessions, installed, title=title, kind=kind, points_cost=cost, value=value)
    steps = {"points_cost": 100, "value": "1.00", "min_points": 200, "max_points": 1000}
    reward(sessions, installed, title=POINTS_FOR_MONEY, kind="points_for_money", **steps)
    pay(sessions, platform.shop, MEMBER_ORDER, ADA, amount="1250.00")
    pay(sessions, platform.shop, GUEST_ORDER, None, amount="120.00", email=GUEST_EMAIL)
    for name, points in (("bea", 1250), ("cy", 1250), ("eve", 1), ("dan", 600), ("gus", 1000), ("hal", 700), ("ivy", 500)):
        give(sessions, installed, points, customer=SHOPPERS[name])


@pytest.fixture(scope="module")
def bundles(app_copy, tmp_path_factory) -> dict[str, str]:  # noqa: F811
    """What `shopify app build` makes of each UI extension: its bundle's file, by handle."""
    command = [str(SHOPIFY), "app", "build", "--path", str(app_copy), "--skip-dependencies-installation", "--no-color"]
    run("shopify app build", command, app_copy, tmp_path_factory.mktemp("cli"))
    built = {handle: app_copy / "extensions" / folder / "dist" for folder, handles in UI_EXTENSIONS.items() for handle in handles}
    return {handle: str(folder / f"{handle}.js") for handle, folder in built.items()}


def surfaces_env(platform, url: str, bundles: dict[str, str] | None = None) -> dict:
    """What run.mjs needs: where the app listens, and each surface's session token for each shopper."""
    key, secret, shop = platform.fake.client_id, platform.fake.client_secret, platform.shop
    return {
        "url": url,
        "shop_name": shop_name(platform),
        "customers": {name: str(customer) for name, customer in SHOPPERS.items()},
        "orders": {"member": str(MEMBER_ORDER), "guest": str(GUEST_ORDER), "guest_email": GUEST_EMAIL, "unpaid": str(UNPAID_ORDER)},
        "pay": PAY_PATH,
        "bundles": bundles or {},
        "tokens": {
            "account": {name: customer_token(shop, key, secret, customer) for name, customer in SHOPPERS.items()},
            "checkout": {name: customer_token(shop, key, secret, customer, bare_dest=True) for name, customer in SHOPPERS.items()},
            "guest": customer_token(shop, key, secret, None, bare_dest=True),
            "pos": pos_token(shop, key, secret),
        },
    }


def shop_name(platform) -> str:
    with UnitOfWork(platform.sessions) as uow:
        return uow.session.scalars(select(Shop.name).where(Shop.domain == platform.shop)).one()


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


def paying_fay(app, platform, sessions):
    """The app, and POST PAY_PATH/<order id>: Fay's order paid in Perks there and then, as orders/paid would
    pay it, for a case that waits on the thank-you block's re-read."""

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ["REQUEST_METHOD"] == "POST" and path.startswith(f"{PAY_PATH}/"):
            pay(sessions, platform.shop, int(path.rsplit("/", 1)[1]), SHOPPERS["fay"], amount="40.00")
            start_response("204 No Content", [])
            return [b""]
        return app(environ, start_response)

    return wsgi


def test_every_surface_renders_in_a_dom_with_its_shopify_api_against_the_real_app(platform, sessions, shop_id, bundles):  # noqa: F811
    """The components, and the bundles Shopify's CLI built of them, each target run as Shopify runs it."""
    seed(platform, sessions, shop_id)
    with served(paying_fay(platform.app, platform, sessions)) as url:
        env = os.environ | {"PERKS_SURFACES": json.dumps(surfaces_env(platform, url, bundles))}
        run = ["node", str(ROOT / "tests/extensions/run.mjs")]
        done = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    # One "ok <case>" line per case of cases.jsx: the three extensions' six components, and the seven targets built.
    passed = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    assert len(passed) >= 25 and sum(" bundle renders " in line for line in passed) == 7, done.stdout


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


def sources_of(extension: str) -> set[Path]:
    """The extension's sources and the shared ones they import, and those import, as esbuild bundles them."""
    found, todo = set(), list((ROOT / "extensions" / extension / "src").glob("*.js*"))
    while todo:
        path = todo.pop()
        if path not in found:
            found.add(path)
            todo += [(path.parent / name).resolve() for name in IMPORTED.findall(path.read_text())]
    return found


@pytest.mark.parametrize("extension", EXTENSIONS)
def test_every_word_an_extension_says_is_in_its_locales(extension):
    """The words of its sources and of the shared code they import; a key made up at run time (limit_<period>)
    is checked as rendered (run.mjs's i18n refuses a missing key)."""
    used = {key for path in sources_of(extension) for key in USED.findall(path.read_text())}
    assert used and used - words(extension, "en.default.json").keys() == set()
