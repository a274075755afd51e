"""What Shopify's UI extension surfaces ask for: the customer account page, the thank-you and order-status
block, and POS at the till (/surfaces/*).

The same answers and the same domain services as the launcher's (`storefront.member_answer`,
`storefront.redeem_for`), in the same OpenAPI document; only the door differs. Each surface
sends its session token (shop/surface_tokens.py): the customer account and checkout take the
customer from the token alone, POS proves a staff member and names the customer in the path.

The extensions run in Shopify's sandboxes, whose origins vary (Shopify's CDN, the shop's own
checkout and account domains, custom domains among them), so these endpoints answer CORS for any
origin, as Shopify's own app libraries do: what lets a request through is the session token, a
header and never a cookie, so no credentials are allowed and an origin proves nothing.
"""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, g, jsonify, request
from pydantic import Field
from sqlalchemy import select

from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.launcher.storefront import (
    BirthdayBody,
    Locale,
    MemberJson,
    Offer,
    RedeemBody,
    affordable_first,
    birthday_endpoint,
    give_birthday,
    member_answer,
    redeem_for,
    redemption_endpoint,
)
from shopify_app.launcher.storefront_growth import ReferralStats, referral_json
from shopify_app.ledger import guests
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import Member, Order, PendingPoints
from shopify_app.referrals import referrals
from shopify_app.rewards import rewards
from shopify_app.shop.guards import surface_caller
from shopify_app.shop.models import Shop
from shopify_app.shop.rate_limits import storefront_writes
from shopify_app.tiers import tiers

bp = Blueprint("surfaces", __name__, url_prefix="/surfaces")

ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key"


@bp.before_request
def preflight():
    """A CORS preflight is answered before any guard: the browser sends it without the token."""
    if request.method == "OPTIONS":
        return "", 204
    return None


@bp.after_request
def allow_extension_origins(response):
    """Every answer, refusals included, so the extension can read why it was refused."""
    if "Origin" in request.headers:
        response.headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.get("/member")
@surface_caller(surfaces=("customer_account",), customer=True)
@endpoint(
    "The signed-in customer's membership, as the launcher's GET /proxy/member answers it",
    security="customer_account",
    query=Locale,
    answer=MemberJson,
)
def member(query: Locale):
    return member_answer(g.caller.shop_domain, g.caller.customer_id, query.locale)


@bp.post("/redeem")
@surface_caller(surfaces=("customer_account",), customer=True)
@storefront_writes
@redemption_endpoint(
    "Spend the signed-in customer's points on a reward: the code or store credit issued on the spot; "
    "the same Idempotency-Key returns the same code",
    security="customer_account",
)
def redeem(body: RedeemBody, query: Locale):
    return redeem_for(g.caller.shop_id, g.caller.customer_id, body)


@bp.post("/birthday")
@surface_caller(surfaces=("customer_account",), customer=True)
@storefront_writes
@birthday_endpoint(
    "Give the signed-in customer's birthday (MM-DD), as the launcher's POST /proxy/birthday does", security="customer_account"
)
def birthday(body: BirthdayBody, query: Locale):
    return give_birthday(body)


class NextReward(Answer):
    id: int
    title: str
    points_cost: int
    remaining: int = Field(description="points still to earn before it can be had")


class OrderPoints(Answer):
    order_id: str
    state: Literal["earned", "held", "processing"] = Field(
        description="earned: the member's order, paid; held: a guest's order, its points waiting for an account with its email; "
        "processing: Perks has not seen the order paid yet (the thank-you page often comes first)"
    )
    points: int = Field(description="what this order earned, less what was taken back; held: the points waiting; processing: 0")
    balance: int | None = Field(description="the member's balance after it (processing: the balance now, before it); null for a guest")
    next_reward: NextReward | None = Field(description="the cheapest reward the balance does not reach yet")
    referral: ReferralStats | None


class OrderQuery(Locale):
    email: str | None = Field(None, max_length=320, description="a guest's order only: the order's email, which the points wait for")


@bp.get("/orders/<id:order_id>")
@surface_caller(surfaces=("checkout", "customer_account"))
@endpoint(
    "The points of an order, for the thank-you and order-status pages: a member's own order, or a guest's with its email",
    security="order_status",
    query=OrderQuery,
    answer=OrderPoints,
    refusals={404: "no order of this customer's with this id, or a guest's order whose email was not given"},
)
def order_points(order_id: int, query: OrderQuery):
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        session = uow.session
        order = session.scalar(select(Order).where(Order.shop_id == caller.shop_id, Order.order_id == order_id))
        if caller.customer_id is None:
            return _guest_order(session, caller.shop_id, order_id, order, query.email)
        member = find_member(session, caller.shop_id, caller.customer_id)
        if order is not None and (member is None or order.member_id != member.id):
            return _no_such_order()  # someone else's, or a guest's: never said which
        balance = member.points_balance if member else 0
        answer = {
            "order_id": str(order_id),
            "state": "earned" if order is not None else "processing",
            "points": order.points_earned - order.points_reversed if order is not None else 0,
            "balance": balance,
            "next_reward": _next_reward(session, caller.shop_id, balance),
            "referral": _referral(session, caller.shop_domain, member) if member else None,
        }
        uow.commit()  # the referral link, made the first time it is shown
    return jsonify(answer)


def _guest_order(session, shop_id: int, order_id: int, order: Order | None, email: str | None):
    """A guest proves the order with its email: the points held for it, or nothing known yet."""
    if order is None:
        return jsonify(order_id=str(order_id), state="processing", points=0, balance=None, next_reward=None, referral=None)
    held = session.scalar(
        select(PendingPoints).where(
            PendingPoints.shop_id == shop_id,
            PendingPoints.order_id == order_id,
            PendingPoints.email == guests.normalise(email),
            PendingPoints.status == "pending",
        )
    )
    if order.member_id is not None or held is None:
        return _no_such_order()
    return jsonify(order_id=str(order_id), state="held", points=held.points, balance=None, next_reward=None, referral=None)


def _no_such_order():
    return jsonify(error="order_not_found", message="We found no order of yours with this number."), 404


def _next_reward(session, shop_id: int, balance: int) -> dict | None:
    out_of_reach = [r for r in rewards.catalogue(session, shop_id, enabled_only=True) if rewards.fewest_points(r) > balance]
    if not out_of_reach:
        return None
    cheapest = min(out_of_reach, key=lambda r: (rewards.fewest_points(r), r.id))
    cost = rewards.fewest_points(cheapest)
    return {"id": cheapest.id, "title": cheapest.title, "points_cost": cost, "remaining": cost - balance}


def _referral(session, domain: str, member: Member) -> dict | None:
    if not referrals.settings_of(session, member.shop_id).enabled:
        return None
    friends, points = referrals.stats(session, member)
    return referral_json(domain, referrals.link_code(session, member.shop_id, member.id), friends, points)


class PosCustomer(Answer):
    customer_id: str
    currency: str = Field(description="the shop's currency (ISO 4217): the money of a points-for-money reward's `step_value`")
    points: int
    tier: str | None = Field(description="the tier held; null below the first tier or where the shop runs none")
    rewards: list[Offer] = Field(description="what the member can afford first")


@bp.get("/pos/customers/<id:customer_id>")
@surface_caller(surfaces=("pos",))
@endpoint("At the till: the customer's balance, tier and the rewards to redeem", security="pos", answer=PosCustomer)
def pos_customer(customer_id: int):
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        currency = uow.session.get(Shop, caller.shop_id).currency
        member = find_member(uow.session, caller.shop_id, customer_id)
        points = member.points_balance if member else 0
        held = tiers.current(uow.session, member) if member else None
        tier = held.name if held else None  # read while the session is open: the tier is detached after it
        offers = affordable_first(rewards.catalogue(uow.session, caller.shop_id, enabled_only=True), points)
    return jsonify(customer_id=str(customer_id), currency=currency, points=points, tier=tier, rewards=offers)


@bp.post("/pos/customers/<id:customer_id>/redeem")
@surface_caller(surfaces=("pos",))
@redemption_endpoint(
    "At the till: spend the customer's points on a reward, a code to apply to the cart or store credit; "
    "the same Idempotency-Key returns the same code",
    security="pos",
)
def pos_redeem(customer_id: int, body: RedeemBody, query: Locale):
    return redeem_for(g.caller.shop_id, customer_id, body)
