"""Installing Perks, and knowing who calls: the merchant by session token, the shopper by proxy signature."""

import logging
import os
import subprocess
import time
import uuid

import jwt
import pytest
from sqlalchemy import func, select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import Program
from shopify_app.shop.app_proxy import signature
from shopify_app.shop.models import Shop
from shopify_app.shop.token_vault import TokenVault
from tests.fixtures.app_proxy import signed_query
from webhooks.handlers import HANDLERS

ADA, GRACE = 7012345678901, 7012345678902


def session_token(shop: str, audience: str, secret: str, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": audience,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 1,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex,
    } | changes
    return jwt.encode(claims, secret, algorithm="HS256")


def shop_row(sessions, domain: str) -> Shop | None:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalar(select(Shop).where(Shop.domain == domain))
        if shop is not None:
            uow.session.expunge(shop)
        return shop


def test_opening_the_app_exchanges_the_session_token_and_installs_the_shop(platform, sessions, caplog):
    platform.fake.state.shop(platform.shop).currency = "EUR"
    caplog.set_level(logging.DEBUG)
    response = platform.install()

    assert f"frame-ancestors https://{platform.shop} https://admin.shopify.com" in response.headers["Content-Security-Policy"]
    shop = shop_row(sessions, platform.shop)
    assert shop.currency == "EUR"
    assert shop.access_token_expires_at is not None and shop.refresh_token_encrypted is not None
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).where(Program.shop_id == shop.id)) == 1
    assert platform.fake.state.exchange_count[platform.shop] == 1

    vault = TokenVault.from_settings(platform.settings)
    plaintexts = [vault.decrypt(shop.access_token_encrypted), vault.decrypt(shop.refresh_token_encrypted)]
    dump = subprocess.run(
        [f"{os.environ['PERKS_PG_BIN']}/pg_dump", "--data-only", os.environ["DATABASE_URL"]], capture_output=True, text=True, check=True
    ).stdout
    assert shop.domain in dump  # the dump is of the right database
    for token in plaintexts:
        assert token not in dump
        assert token not in caplog.text


def test_opening_the_app_again_installs_nothing_twice(platform):
    platform.install()
    platform.install()
    assert platform.fake.state.exchange_count[platform.shop] == 1


def test_a_bad_id_token_installs_nothing_and_bounces_for_a_real_one(platform, sessions):
    forged = session_token(platform.shop, platform.fake.client_id, "not-the-secret-" + "x" * 32)
    response = platform.client.get("/", query_string={"shop": platform.shop, "id_token": forged})
    assert response.status_code == 302 and response.location.startswith("/auth/session-token?")
    assert forged not in response.location
    assert shop_row(sessions, platform.shop) is None
    assert platform.fake.state.exchange_count.get(platform.shop, 0) == 0


def test_the_shop_api_answers_the_shop_of_a_valid_session_token(platform):
    platform.install()
    token = platform.fake.session_token(platform.shop)
    response = platform.client.get("/api/shop", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["shop"]["domain"] == platform.shop
    assert body["program"]["points_per_unit"] == "1.0000"


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("missing", lambda p: None),
        ("forged", lambda p: session_token(p.shop, p.fake.client_id, "forged-secret-" + "x" * 32)),
        ("expired", lambda p: session_token(p.shop, p.fake.client_id, p.fake.client_secret, exp=int(time.time()) - 30)),
        ("not yet valid", lambda p: session_token(p.shop, p.fake.client_id, p.fake.client_secret, nbf=int(time.time()) + 60)),
        ("wrong audience", lambda p: session_token(p.shop, "another-app", p.fake.client_secret)),
        (
            "issuer and dest disagree",
            lambda p: session_token(p.shop, p.fake.client_id, p.fake.client_secret, iss="https://evil.myshopify.com/admin"),
        ),
        ("shop not installed", lambda p: session_token("never-installed.myshopify.com", p.fake.client_id, p.fake.client_secret)),
        ("no exp", lambda p: session_token(p.shop, p.fake.client_id, p.fake.client_secret, exp=None)),
    ],
)
def test_a_wrong_session_token_gets_401_with_a_json_error(platform, case, make):
    platform.install()
    token = make(platform)
    if token and case == "no exp":
        claims = jwt.decode(token, options={"verify_signature": False})
        del claims["exp"]
        token = jwt.encode(claims, platform.fake.client_secret, algorithm="HS256")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = platform.client.get("/api/shop", headers=headers)
    assert response.status_code == 401, case
    assert response.get_json()["error"] in {"invalid_session_token", "shop_not_installed"}


def proxy_query(app, shop: str, customer: int | None, **changes) -> dict[str, str]:
    return signed_query(shop, customer, app.extensions["perks"].settings.shopify_api_secret, **changes)


@pytest.fixture
def members_with_points(webhooks):
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(6001, ADA)))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(6002, GRACE, lines=[("99.00", 1, 0)], email="grace@example.com")))


def test_a_signed_proxy_request_answers_for_the_logged_in_customer_only(client, app, shop, members_with_points):
    ada = client.get("/proxy/member", query_string=proxy_query(app, shop, ADA)).get_json()
    grace = client.get("/proxy/member", query_string=proxy_query(app, shop, GRACE)).get_json()
    assert (ada["customer"]["id"], ada["points"]) == (str(ADA), 30)
    assert (grace["customer"]["id"], grace["points"]) == (str(GRACE), 99)
    assert ada["history"][0]["reason"] == "Order #6001"


@pytest.mark.parametrize(
    ("case", "tamper"),
    [
        ("unsigned", lambda q: {k: v for k, v in q.items() if k != "signature"}),
        ("forged", lambda q: q | {"signature": "0" * 64}),
        ("customer swapped after signing", lambda q: q | {"logged_in_customer_id": str(GRACE)}),
        ("extra parameter after signing", lambda q: q | {"customer_id": str(GRACE)}),
    ],
)
def test_an_unsigned_or_tampered_proxy_request_gets_401(client, app, shop, members_with_points, case, tamper):
    response = client.get("/proxy/member", query_string=tamper(proxy_query(app, shop, ADA)))
    assert response.status_code == 401, case
    assert response.get_json()["error"] == "invalid_signature"


def test_a_proxy_request_signed_too_long_ago_gets_401(client, app, shop):
    stale = proxy_query(app, shop, ADA, timestamp=str(int(time.time()) - 3600))
    assert client.get("/proxy/member", query_string=stale).status_code == 401


def test_a_visitor_who_is_not_logged_in_is_told_to_log_in(client, app, shop):
    response = client.get("/proxy/member", query_string=proxy_query(app, shop, None))
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"


def test_the_signature_covers_repeated_parameters_joined_by_commas():
    # Shopify's documented example: extra=1&extra=2 signs as extra=1,2
    params = [
        ("extra", "1"),
        ("extra", "2"),
        ("shop", "shop-name.myshopify.com"),
        ("path_prefix", "/apps/awesome_reviews"),
        ("timestamp", "1317327555"),
    ]
    assert signature(params, "hush") == signature([("extra", "1,2"), *params[2:]], "hush")


def test_a_reinstall_after_uninstall_keeps_the_program_and_gets_a_new_token(platform, sessions):
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        uow.session.scalars(select(Program).where(Program.shop_id == shop.id)).one().signup_points = 25
        uow.commit()
    with UnitOfWork(sessions) as uow:
        HANDLERS["app/uninstalled"](uow.session, platform.shop, shopify.template("app/uninstalled"))
        uow.commit()
    assert shop_row(sessions, platform.shop).access_token_encrypted is None
    token = platform.fake.session_token(platform.shop)
    assert platform.client.get("/api/shop", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    platform.install()
    again = shop_row(sessions, platform.shop)
    assert again.uninstalled_at is None and again.access_token_encrypted is not None
    assert platform.client.get("/api/shop", headers={"Authorization": f"Bearer {token}"}).get_json()["program"]["signup_points"] == 25
    assert platform.fake.state.exchange_count[platform.shop] == 2
