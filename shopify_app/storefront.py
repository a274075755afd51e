"""What the shopper's launcher asks for, through Shopify's app proxy (/apps/perks -> /proxy).

The shopper is only ever `logged_in_customer_id` from Shopify's signed query:
nothing in a body or a header can name another customer.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select

from shopify_app import launcher_look, notifier, storefront_growth
from shopify_app.loyalty import actions, ledger, newsletter, profile, redemptions, rewards
from shopify_app.loyalty.commands import GiveBirthday, PerformAction
from shopify_app.loyalty.errors import InvalidCommand
from shopify_app.loyalty.members import find_member
from shopify_app.loyalty.shops import program_of
from shopify_app.models import ActionClaim, EarnRule, MemberBirthday, Shop
from shopify_app.platform.discounts import ShopifyIssuer
from shopify_app.platform.guards import proxy_signed, shopper_required
from shopify_app.platform.marketing import ShopifySubscriber
from shopify_app.presenters import redemption_json, reward_json
from shopify_app.rate_limits import storefront_writes
from shopify_app.runtime import perks
from shopify_app.storefront_texts import TEXTS, say
from shopify_app.unit_of_work import UnitOfWork

bp = Blueprint("storefront", __name__, url_prefix="/proxy")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
# The launcher lists the member's latest codes; a long-time member's hundreds stay in the admin.
CODES_SHOWN = 20
REFUSAL_STATUS = {"insufficient_points": 409, "limit_reached": 409, "in_progress": 409, "key_reused": 422, "invalid_points": 422}


def _refuse(status: int, error: str, message: str, **extra):
    return jsonify(error=error, message=message, **extra), status


def _earn_ways(session, shop: Shop) -> list[dict]:
    program = program_of(session, shop)
    ways = [
        {
            "key": "purchase",
            "title": _say("earn.purchase", points=program.points_per_unit.normalize(), currency=shop.currency),
            "points": int(program.points_per_unit) or 1,
            "per": "currency_unit",
            "network": None,
            "url": None,
        }
    ]
    if program.signup_points:
        ways.append(
            {"key": "signup", "title": _say("earn.signup"), "points": program.signup_points, "per": "once", "network": None, "url": None}
        )
    return ways + _rule_ways(session, shop)


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
            look=launcher_look.storefront_json(uow.session, shop.id, request.args.get("locale")),
        )


@bp.get("/member")
@shopper_required
def member():
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, caller.shop_id)
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        points = found.points_balance if found else 0
        catalogue = rewards.catalogue(uow.session, shop.id)  # codes may be of rewards since switched off
        titles = {r.id: r.title for r in catalogue}
        offers = [reward_json(r) | {"affordable": points >= (r.min_points or r.points_cost)} for r in catalogue if r.enabled]
        offers.sort(key=lambda offer: not offer["affordable"])  # what they can have first
        codes = redemptions.member_redemptions(uow.session, shop.id, found.id, codes_only=True, limit=CODES_SHOWN) if found else []
        entries = ledger.history(uow.session, caller.shop_id, found.id, limit=20) if found else []
        birthday_given, done = _member_extras(uow.session, shop, found)
        answer = jsonify(
            customer={"id": str(caller.customer_id), "first_name": found.first_name if found else None},
            points=points,
            tier=storefront_growth.tier_json(uow.session, shop, found),
            rewards=offers,
            codes=[redemption_json(r, titles.get(r.reward_id, "")) for r in codes],
            earn=[way | {"done": way["key"] in done} for way in _earn_ways(uow.session, shop)],
            referral=storefront_growth.referral_json(uow.session, shop, found),
            birthday=birthday_given,
            history=[{"at": e.created_at.isoformat(), "points": e.points, "reason": e.reason} for e in entries],
        )
        # What the read made the first time it was asked for (the member's referral link, the
        # shop's settings rows) is kept, and the row locks its inserts took end here.
        uow.commit()
        return answer


def _refusal_text(refusal: redemptions.RedemptionRefused) -> str:
    """The shopper's language for what the launcher shows; the domain's own words otherwise."""
    key = {"limit_reached": "limit_reached_reward"}.get(refusal.reason, refusal.reason)
    if key not in TEXTS:
        return str(refusal)
    return _say(key, **refusal.details)


@bp.post("/redeem")
@shopper_required
@storefront_writes
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
        return _refuse(REFUSAL_STATUS.get(refusal.reason, 409), refusal.reason, _refusal_text(refusal))
    except rewards.UnknownReward:
        return _refuse(404, "reward_unavailable", _say("reward_unavailable"))
    with UnitOfWork(runtime.sessions) as uow:
        balance = ledger.balance(uow.session, caller.shop_id, done.member_id)
        title = rewards.get_reward(uow.session, caller.shop_id, done.reward_id).title
    if done.state == "failed":
        return _refuse(502, "reward_not_issued", _say("reward_not_issued", points=done.points), balance=balance, detail=done.error)
    return jsonify(
        code=done.code,
        title=title,
        points_spent=done.points,
        balance=balance,
        expires_at=done.expires_at.isoformat() if done.expires_at else None,
        state=done.state,
    )


# ---------------------------------------------------------------------------
# Earn actions from the launcher: a birthday, a social follow or share, the newsletter (issue 6's domain).
# The customer is always g.caller.customer_id (Shopify's logged_in_customer_id).

MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
# What the storefront shows of the merchant's earn rules, and the actions a shopper may report from it.
SHOWN_ACTIONS = ("birthday", "social_follow", "social_share", "newsletter", "review", "profile")
SHOPPER_REPORTABLE = ("social_follow", "social_share")


def _say(key: str, **values) -> str:
    """A text in the shopper's language (?locale=, as the launcher sends it)."""
    return say(key, request.args.get("locale"), **values)


def _rule_ways(session, shop: Shop) -> list[dict]:
    """The merchant's enabled earn rules a shopper can see, as `earn` entries of the contract."""
    rules = session.scalars(
        select(EarnRule)
        .where(EarnRule.shop_id == shop.id, EarnRule.enabled.is_(True), EarnRule.action.in_(SHOWN_ACTIONS))
        .order_by(EarnRule.id)
    )
    return [
        {
            "key": rule.action,
            "title": rule.name if rule.name and rule.name != rule.action else _say(f"earn.{rule.action}"),
            "points": rule.points,
            "per": "year" if rule.action == "birthday" or rule.limit_period == "year" else "once",
            # A social follow's profile: the launcher links to it, and claims with its network.
            "network": rule.network if rule.url else None,
            "url": rule.url,
        }
        for rule in rules
    ]


def _member_extras(session, shop: Shop, member) -> tuple[str | None, set[str]]:
    """The member's birthday (MM-DD) and the once-only actions already paid."""
    if member is None:
        return None, set()
    birthday = session.get(MemberBirthday, member.id)
    done = set(
        session.scalars(
            select(EarnRule.action)
            .join(ActionClaim, ActionClaim.rule_id == EarnRule.id)
            .where(
                ActionClaim.shop_id == shop.id,
                ActionClaim.member_id == member.id,
                EarnRule.limit_period == "ever",
                ActionClaim.ledger_key.is_not(None),
            )
        )
    )
    return (f"{birthday.month:02d}-{birthday.day:02d}" if birthday else None), done


@bp.post("/birthday")
@shopper_required
@storefront_writes
def birthday():
    """{"date": "MM-DD"}: kept on the member; the birthday rule pays on the day (a cron job), once a year."""
    body = request.get_json(silent=True)
    match = MONTH_DAY.match(body.get("date", "")) if isinstance(body, dict) and isinstance(body.get("date"), str) else None
    if not match:
        return _refuse(400, "invalid_date", _say("invalid_date"))
    caller = g.caller
    cmd = GiveBirthday(shop_domain=caller.shop_domain, customer_id=caller.customer_id, month=int(match[1]), day=int(match[2]))
    with UnitOfWork(perks().sessions) as uow:
        try:
            profile.give_birthday(uow.session, cmd, now=datetime.now(UTC))
        except InvalidCommand:
            return _refuse(400, "invalid_date", _say("invalid_date"))
        uow.commit()
    return jsonify(birthday=f"{cmd.month:02d}-{cmd.day:02d}")


@bp.post("/actions/<key>")
@shopper_required
@storefront_writes
def perform_action(key: str):
    """A social follow or share the shopper did from the launcher ({"network": "instagram"} optional),
    or the newsletter subscribed from it."""
    if key == "newsletter":
        return _subscribe_newsletter()
    if key not in SHOPPER_REPORTABLE:
        return _refuse(404, "not_available", _say("not_available"))
    body = request.get_json(silent=True)
    network = body.get("network") if isinstance(body, dict) else None
    ref = network if network in actions.NETWORKS else key  # never a free-form ref a shopper could vary to farm
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        outcome = actions.perform(uow.session, PerformAction(caller.shop_domain, caller.customer_id, key, ref=ref), now=datetime.now(UTC))
        uow.commit()
    return _earned(outcome)


def _subscribe_newsletter():
    """Shopify records the member's email marketing consent, then the newsletter rule pays at once,
    under the key the customers/update webhook Shopify sends next uses: never twice. If Shopify
    refuses or cannot be reached, nothing has changed."""
    runtime, caller = perks(), g.caller
    subscriber = ShopifySubscriber(runtime.sessions, runtime.settings)
    try:
        outcome = newsletter.subscribe(runtime.sessions, subscriber, caller.shop_domain, caller.customer_id, now=datetime.now(UTC))
    except newsletter.SubscriptionFailed as failure:
        if failure.refused:
            return _refuse(422, "newsletter_refused", _say("newsletter_refused"), detail=str(failure))
        return _refuse(502, "newsletter_unavailable", _say("newsletter_unavailable"))
    return _earned(outcome)


def _earned(outcome: actions.Outcome):
    """An earn action's outcome as the launcher reads it, with the member's balance."""
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        balance = found.points_balance if found else 0
    if outcome.status == "awarded":
        return jsonify(points=outcome.points, balance=balance)
    if outcome.status == "repeat":
        return _refuse(409, "already_done", _say("already_done"), balance=balance)
    if outcome.status == "limit":
        return _refuse(409, "limit_reached", _say("limit_reached"), balance=balance)
    return _refuse(404, "not_available", _say("not_available"))


@bp.post("/unsubscribe")
@shopper_required
@storefront_writes
def unsubscribe():
    """The member stops the program's mails (the link in every mail leads to the rewards page)."""
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        notifier.unsubscribe(uow.session, caller.shop_domain, caller.customer_id, "email")
        uow.commit()
    return jsonify(unsubscribed="email")
