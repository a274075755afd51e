"""What the shopper's launcher asks for, through Shopify's app proxy (/apps/perks -> /proxy).

The shopper is only ever `logged_in_customer_id` from Shopify's signed query:
nothing in a body or a header can name another customer.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Blueprint, g, jsonify, request

from shopify_app import storefront_growth
from shopify_app.loyalty import ledger, redemptions, rewards
from shopify_app.loyalty.members import find_member
from shopify_app.loyalty.shops import program_of
from shopify_app.models import Shop
from shopify_app.platform.discounts import ShopifyIssuer
from shopify_app.platform.guards import proxy_signed, shopper_required
from shopify_app.presenters import redemption_json, reward_json
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

bp = Blueprint("storefront", __name__, url_prefix="/proxy")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
REFUSAL_STATUS = {"insufficient_points": 409, "limit_reached": 409, "in_progress": 409, "key_reused": 422, "invalid_points": 422}


def _refuse(status: int, error: str, message: str, **extra):
    return jsonify(error=error, message=message, **extra), status


def _earn_ways(session, shop: Shop) -> list[dict]:
    program = program_of(session, shop)
    ways = [
        {
            "key": "purchase",
            "title": f"{program.points_per_unit.normalize()} points per {shop.currency} spent",
            "points": int(program.points_per_unit) or 1,
            "per": "currency_unit",
            "network": None,
            "url": None,
        }
    ]
    if program.signup_points:
        ways.append(
            {"key": "signup", "title": "Create an account", "points": program.signup_points, "per": "once", "network": None, "url": None}
        )
    return ways


@bp.get("/program")
@proxy_signed
def program():
    """What anyone, member or visitor, can see of the program."""
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, g.caller.shop_id)
        return jsonify(
            shop={"name": shop.name, "currency": shop.currency},
            earn=_earn_ways(uow.session, shop),
            rewards=[reward_json(r) for r in rewards.catalogue(uow.session, shop.id, enabled_only=True)],
            tiers=storefront_growth.tiers_json(uow.session, shop),
            referral=storefront_growth.referral_offer_json(uow.session, shop),
        )


@bp.get("/member")
@shopper_required
def member():
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, caller.shop_id)
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        points = found.points_balance if found else 0
        catalogue = rewards.catalogue(uow.session, shop.id, enabled_only=True)
        titles = {r.id: r.title for r in rewards.catalogue(uow.session, shop.id)}
        offers = [reward_json(r) | {"affordable": points >= (r.min_points or r.points_cost)} for r in catalogue]
        offers.sort(key=lambda offer: not offer["affordable"])  # what they can have first
        codes = redemptions.member_redemptions(uow.session, shop.id, found.id) if found else []
        entries = ledger.history(uow.session, caller.shop_id, found.id, limit=20) if found else []
        return jsonify(
            customer={"id": str(caller.customer_id), "first_name": found.first_name if found else None},
            points=points,
            tier=storefront_growth.tier_json(uow.session, shop, found),
            rewards=offers,
            codes=[redemption_json(r, titles.get(r.reward_id, "")) for r in codes if r.code],
            earn=[way | {"done": False} for way in _earn_ways(uow.session, shop)],
            referral=storefront_growth.referral_json(uow.session, shop, found),
            birthday=None,
            history=[{"at": e.created_at.isoformat(), "points": e.points, "reason": e.reason} for e in entries],
        )


@bp.post("/redeem")
@shopper_required
def redeem():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("reward_id"), int) or isinstance(body.get("reward_id"), bool):
        return _refuse(400, "invalid_request", "Send a JSON body with the reward_id to redeem.")
    points = body.get("points")
    if points is not None and (not isinstance(points, int) or isinstance(points, bool)):
        return _refuse(400, "invalid_request", "points must be a whole number.")
    key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.match(key):
        return _refuse(400, "invalid_request", "Idempotency-Key must be 1 to 100 letters, digits, '-', '_', '.' or ':'.")

    runtime, caller = perks(), g.caller
    wanted = redemptions.RedeemRequest(caller.shop_id, caller.customer_id, body["reward_id"], f"{caller.customer_id}:{key}", points)
    try:
        done = redemptions.redeem(runtime.sessions, ShopifyIssuer(runtime.sessions, runtime.settings), wanted, datetime.now(UTC))
    except redemptions.RedemptionRefused as refusal:
        return _refuse(REFUSAL_STATUS.get(refusal.reason, 409), refusal.reason, str(refusal))
    except rewards.UnknownReward:
        return _refuse(404, "reward_unavailable", "This reward does not exist.")
    with UnitOfWork(runtime.sessions) as uow:
        balance = ledger.balance(uow.session, caller.shop_id, done.member_id)
        title = rewards.get_reward(uow.session, caller.shop_id, done.reward_id).title
    if done.state == "failed":
        return _refuse(
            502,
            "reward_not_issued",
            f"We could not create your reward ({done.error}). Your {done.points} points are back.",
            balance=balance,
        )
    return jsonify(
        code=done.code,
        title=title,
        points_spent=done.points,
        balance=balance,
        expires_at=done.expires_at.isoformat() if done.expires_at else None,
        state=done.state,
    )
