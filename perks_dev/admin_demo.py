"""Demo only (`perks_dev.demo_app()`, `make run`): session tokens minted here, and demo data to look at.

In Shopify admin, App Bridge mints a fresh session token for each request
(`shopify.idToken()`). A plain browser on a laptop has no App Bridge and no
Shopify, so in the demo the page asks this endpoint instead. Only demo_app()
registers the blueprint: production (create_app) never mints a session token.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jwt
from flask import Blueprint, jsonify, redirect, request, url_for
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shopify_app.core.errors import UnknownShop
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member, Order
from shopify_app.shop import tokens
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import add_shop, installed_shop
from shopify_app.shop.token_vault import TokenVault
from shopify_app.shopify.oauth import AccessToken
from webhooks.models import WebhookDelivery

bp = Blueprint("admin_demo", __name__, url_prefix="/demo")
DEMO_SHOP = "perks-demo.myshopify.com"


def mint(shop: str, api_key: str, secret: str, user: str = "demo-staff", lifetime: int = 60) -> str:
    """A session token shaped as App Bridge's, signed with the app's secret."""
    now = int(time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user,
        "exp": now + lifetime,
        "nbf": now - 1,
        "iat": now,
        "jti": secrets.token_hex(8),
        "sid": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@bp.get("/session-token")
def session_token():
    shop = request.args.get("shop", "")
    with UnitOfWork(perks().sessions) as uow:
        try:
            installed_shop(uow.session, shop)
        except UnknownShop as error:
            return jsonify(error="shop_not_installed", message=str(error)), 404
    settings = perks().settings
    return jsonify(token=mint(shop, settings.shopify_api_key, settings.shopify_api_secret))


@bp.get("/")
def open_demo():
    """The demo shop's admin, as Shopify would open it: with an id_token in the URL."""
    settings = perks().settings
    with UnitOfWork(perks().sessions) as uow:
        shop = add_shop(uow.session, DEMO_SHOP, name="Perks Demo Coffee")
        if shop.access_token_encrypted is None:
            # No Shopify to exchange a token with: a placeholder stands in, so
            # opening the app does not try to install through Shopify.
            tokens.store(
                shop, AccessToken(access_token="demo-offline-token", scope=""), TokenVault.from_settings(settings), datetime.now(UTC)
            )
        if request.args.get("seed", "1") == "1":
            seed(uow.session, shop)
        uow.commit()
    token = mint(DEMO_SHOP, settings.shopify_api_key, settings.shopify_api_secret)
    return redirect(url_for("platform.app_home", shop=DEMO_SHOP, id_token=token) + (request.args.get("at") or ""))


FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus", "Frances", "John", "Hedy", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Torvalds", "Allen", "Backus"]


def seed(session: Session, shop: Shop, *, members: int = 600, days: int = 120, now: datetime | None = None, rng_seed: int = 8) -> int:
    """A few months of a coffee shop's program, once per shop; the members created.

    Members join over the period, buy a few times each, guests buy too, and
    some points are spent. Entries go through ledger.post, dated when the
    demo says they happened (the ledger refuses changes once written).
    """
    if session.scalar(select(func.count()).select_from(Member).where(Member.shop_id == shop.id)) >= members:
        return 0
    now = now or datetime.now(UTC)
    rng = random.Random(rng_seed)
    order_id = 9_000_000_000
    # The orders/paid payloads as Shopify would have sent them: what the forecast replays.
    payloads: list[dict] = []
    for n in range(members):
        joined = now - timedelta(days=days * (1 - (n / members) ** 0.7), hours=rng.random() * 12)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        member, _ = ensure_member(
            session,
            shop.id,
            CustomerProfile(
                customer_id=8_000_000_000_000 + n, email=f"{first}.{last}.{n}@example.com".lower(), first_name=first, last_name=last
            ),
        )
        member.created_at = joined
        moment = joined
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            if moment > now:
                break
            order_id += 1
            amount = Decimal(rng.randrange(1200, 9000)) / 100
            points = int(amount)
            session.add(
                Order(
                    shop_id=shop.id,
                    order_id=order_id,
                    member_id=member.id,
                    name=f"#{order_id % 100000}",
                    eligible_amount=amount,
                    points_earned=points,
                    paid_at=moment,
                )
            )
            key = f"order:{order_id}:earn"
            ledger.post(session, member, points, kind="earn", key=key, reason=f"Order #{order_id % 100000}", order_id=order_id, at=moment)
            payloads.append(_paid_delivery(shop, member, order_id, amount, moment))
            moment += timedelta(days=rng.randrange(5, 40), hours=rng.random() * 10)
        if n % 9 == 0 and member.points_balance >= 100:
            key = f"demo:redeem:{member.id}"
            spent_at = joined + (min(now, moment) - joined) * rng.random()
            ledger.post(session, member, -100, kind="redeem", key=key, reason="Redeemed 5 USD off", at=spent_at)
    for _ in range(members // 2):
        order_id += 1
        session.add(
            Order(
                shop_id=shop.id,
                order_id=order_id,
                name=f"#{order_id % 100000}",
                eligible_amount=Decimal(rng.randrange(900, 7000)) / 100,
                paid_at=now - timedelta(days=rng.random() * days),
            )
        )
    session.flush()
    if payloads:
        session.execute(insert(WebhookDelivery), payloads)
    return members


def _paid_delivery(shop: Shop, member: Member, order_id: int, amount: Decimal, moment: datetime) -> dict:
    """A recorded, processed orders/paid delivery of a demo order: one coffee line, no shipping or tax."""
    money = {"shop_money": {"amount": f"{amount:.2f}", "currency_code": shop.currency}}
    payload = {
        "id": order_id,
        "name": f"#{order_id % 100000}",
        "email": member.email,
        "processed_at": moment.isoformat(),
        "taxes_included": False,
        "total_tax": "0.00",
        "total_shipping_price_set": {"shop_money": {"amount": "0.00", "currency_code": shop.currency}},
        "line_items": [{"price": f"{amount:.2f}", "price_set": money, "quantity": 1, "product_id": 9_100_000_000, "tax_lines": []}],
        "customer": {"id": member.customer_id, "email": member.email, "first_name": member.first_name, "last_name": member.last_name},
    }
    return {
        "shop_id": shop.id,
        "webhook_id": f"demo-{order_id}",
        "topic": "orders/paid",
        "headers": {},
        "payload": json.dumps(payload),
        "status": "done",
        "attempts": 1,
        "received_at": moment,
        "processed_at": moment,
    }
