"""What the shopper's launcher asks for, through Shopify's app proxy (/apps/perks -> /proxy).

The shopper is only ever `logged_in_customer_id` from Shopify's signed query:
nothing in a body or a header can name another customer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask import Blueprint, g, jsonify, request
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from shopify_app import notifications as notifier
from shopify_app.core import words
from shopify_app.core.contracts import endpoint
from shopify_app.core.errors import InvalidCommand
from shopify_app.core.field_types import Answer, Cost, Model, RowId
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import actions, newsletter, profile
from shopify_app.earn.marketing import ShopifySubscriber
from shopify_app.earn.models import EarnRule
from shopify_app.launcher import look as launcher_look
from shopify_app.launcher import member_view, storefront_growth
from shopify_app.launcher.models import LAUNCHER_POSITIONS
from shopify_app.launcher.storefront_growth import ReferralOffer, ReferralStats, TierProgress, TierStep
from shopify_app.launcher.texts import TEXTS, say
from shopify_app.ledger import ledger, reasons
from shopify_app.ledger.commands import GiveBirthday, PerformAction
from shopify_app.ledger.members import find_member
from shopify_app.rewards import redemptions, rewards
from shopify_app.rewards.discounts import ShopifyIssuer
from shopify_app.rewards.presenters import RedemptionJson, RewardJson, redemption_json, reward_json
from shopify_app.shop import calendar
from shopify_app.shop.guards import proxy_signed, shop_not_installed, shopper_required, shopper_signed
from shopify_app.shop.models import Shop
from shopify_app.shop.rate_limits import storefront_writes
from shopify_app.shop.shops import not_installed, program_of
from shopify_app.tiers import tiers

bp = Blueprint("storefront", __name__, url_prefix="/proxy")

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
REFUSAL_STATUS = {"insufficient_points": 409, "limit_reached": 409, "in_progress": 409, "key_reused": 422, "invalid_points": 422}
Network = Literal[actions.NETWORKS]  # type: ignore[valid-type]


class Locale(Model):
    locale: Annotated[str, Field(max_length=35, pattern=r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*)?$")] | None = Field(
        None, description="the shop's locale, e.g. fr or pt-BR; messages come in it"
    )


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY.pattern},
    "description": "One per intended redemption: sent again (a retry), the same code comes back and no more points are spent",
}


class ShopJson(Answer):
    name: str
    currency: str


class EarnLimit(Answer):
    count: int
    period: Literal[calendar.PERIODS]  # type: ignore[valid-type]


class EarnWay(Answer):
    key: str
    title: str
    points: int
    per: Literal["currency_unit", "once", "year"]
    limit: EarnLimit | None = Field(description="how often it pays: `count` times a `period` (ever: in all); none for a purchase")
    network: Network | None = Field(description="social_follow with a profile: its network, to send to /proxy/actions/social_follow")
    url: str | None = Field(description="social_follow: the shop's https profile to open")


class MemberEarnWay(EarnWay):
    done: bool


class Look(Answer):
    """The launcher's look as the merchant saved it; a text is None where the translated default holds."""

    primary_color: str
    background_color: str
    text_color: str
    position: Literal[LAUNCHER_POSITIONS]  # type: ignore[valid-type]
    corner_radius: int
    button_label: str | None
    title: str | None


class Program(Answer):
    shop: ShopJson
    earn: list[EarnWay]
    rewards: list[RewardJson]
    tiers: list[TierStep]
    referral: ReferralOffer | None
    look: Look | None


class Customer(Answer):
    id: str
    first_name: str | None


class Offer(RewardJson):
    affordable: bool


class HistoryEntry(Answer):
    at: str
    points: int
    reason: str


class MemberJson(Answer):
    customer: Customer
    shop: ShopJson = Field(description="its currency is the money of a spend ladder's `tier.next.remaining` and of `step_value`")
    points: int
    tier: TierProgress | None
    rewards: list[Offer] = Field(description="what the member can afford first")
    codes: list[RedemptionJson] = Field(description=f"the member's latest {member_view.CODES_SHOWN} codes")
    earn: list[MemberEarnWay]
    referral: ReferralStats | None
    birthday: str | None = Field(description="MM-DD")
    history: list[HistoryEntry]


class RedeemBody(Model):
    reward_id: RowId
    points: Cost | None = Field(None, description="points-for-money only: how many to spend")


# What a redemption may be refused with, whichever surface asks (redeem_for).
REDEEM_REFUSALS = {
    404: "no such reward, or it is switched off",
    409: "not enough points, the member's limit reached, or the same redemption still in progress",
    422: "points not allowed for this reward, or the Idempotency-Key was used for another redemption",
    502: "Shopify did not create the reward; the points are back (`balance`)",
}


class Redeemed(Answer):
    code: str | None
    title: str
    points_spent: int
    balance: int
    expires_at: str | None
    state: str


def redemption_endpoint(summary: str, *, security: str):
    """The contract of a redemption (redeem_for), whichever surface's door it comes through."""
    return endpoint(
        summary,
        security=security,
        body=RedeemBody,
        query=Locale,
        headers=(IDEMPOTENCY,),
        answer=Redeemed,
        invalid="invalid_request",
        refusals=REDEEM_REFUSALS,
    )


def _refuse(status: int, error: str, message: str, **extra):
    return jsonify(error=error, message=message, **extra), status


ONCE = {"count": 1, "period": "ever"}


def _earn_ways(points_per_unit: Decimal, signup_points: int, currency: str, rules: Iterable) -> list[dict]:
    """The ways to earn a shopper sees: a purchase, the signup, then the merchant's enabled rules (by id)."""
    ways = [
        {
            "key": "purchase",
            "title": _say("earn.purchase", points=points_per_unit.normalize(), currency=currency),
            "points": int(points_per_unit) or 1,
            "per": "currency_unit",
            "limit": None,
            "network": None,
            "url": None,
        }
    ]
    if signup_points:
        ways.append(
            {
                "key": "signup",
                "title": _say("earn.signup"),
                "points": signup_points,
                "per": "once",
                "limit": ONCE,
                "network": None,
                "url": None,
            }
        )
    return ways + [_rule_way(rule) for rule in rules]


@bp.get("/program")
@proxy_signed
@endpoint(
    "The program anyone can see: ways to earn, rewards, tiers, the referral offer, the look", security="proxy", query=Locale, answer=Program
)
def program(query: Locale):
    """What anyone, member or visitor, can see of the program."""
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, g.caller.shop_id)
        earning = program_of(uow.session, shop)
        return jsonify(
            shop={"name": shop.name, "currency": shop.currency},
            earn=_earn_ways(earning.points_per_unit, earning.signup_points, shop.currency, _shown_rules(uow.session, shop)),
            rewards=[reward_json(r) for r in rewards.catalogue(uow.session, shop.id, enabled_only=True)],
            tiers=storefront_growth.tiers_json(uow.session, shop),
            referral=storefront_growth.referral_offer_json(uow.session, shop, query.locale),
            look=launcher_look.storefront_json(uow.session, shop.id, query.locale),
        )


@bp.get("/member")
@shopper_signed
@endpoint(
    "The logged-in member: points, tier, rewards (affordable first), codes, ways to earn, referral, history",
    security="shopper",
    query=Locale,
    answer=MemberJson,
)
def member(query: Locale):
    """One statement reads it all (launcher/member_view.py); the words are made here, as for every other answer."""
    return member_answer(g.shopper.shop_domain, g.shopper.customer_id, query.locale)


def member_answer(domain: str, customer_id: int, locale: str | None):
    """The member's MemberJson, whichever surface asks (the launcher, the customer account page), or
    `shop_not_installed` when the one statement finds no installed shop of that domain."""
    view = member_view.read(perks().sessions, domain, customer_id, datetime.now(UTC), SHOWN_ACTIONS)
    if view is None:
        return shop_not_installed(not_installed(domain))
    found = view.member
    points = found.points_balance if found else 0
    titles = {r.id: r.title for r in view.rewards}
    offers = affordable_first([r for r in view.rewards if r.enabled], points)
    standing = view.tiers
    return jsonify(
        customer={"id": str(customer_id), "first_name": found.first_name if found else None},
        shop={"name": view.name, "currency": view.currency},
        points=points,
        tier=tiers.progress(standing.ladder, standing.basis, standing.held, standing.value) if standing else None,
        rewards=offers,
        codes=[redemption_json(r, titles.get(r.reward_id, "")) for r in view.codes],
        earn=[
            way | {"done": way["key"] in view.done}
            for way in _earn_ways(view.points_per_unit, view.signup_points, view.currency, view.rules)
        ],
        referral=storefront_growth.referral_json(view.domain, view.referral_code, view.friends, view.referral_points),
        birthday=view.birthday,
        history=[
            {"at": e.created_at.isoformat(), "points": e.points, "reason": reasons.say(e.reason, locale, e.kind)} for e in view.history
        ],
    )


def affordable_first(catalogue: Iterable, points: int) -> list[dict]:
    """The rewards as Offers, what `points` can have first."""
    offers = [reward_json(r) | {"affordable": points >= rewards.fewest_points(r)} for r in catalogue]
    offers.sort(key=lambda offer: not offer["affordable"])
    return offers


def _refusal_text(refusal: redemptions.RedemptionRefused) -> str:
    """The shopper's language for what the launcher shows; the domain's own words otherwise."""
    key = {"limit_reached": "limit_reached_reward"}.get(refusal.reason, refusal.reason)
    if key not in TEXTS:
        return str(refusal)
    return _say(key, **refusal.details)


@bp.post("/redeem")
@shopper_required
@storefront_writes
@redemption_endpoint("Spend points on a reward; the same Idempotency-Key returns the same code", security="shopper")
def redeem(body: RedeemBody, query: Locale):
    return redeem_for(g.caller.shop_id, g.caller.customer_id, body)


def redeem_for(shop_id: int, customer_id: int, body: RedeemBody):
    """The customer's redemption, exactly once per Idempotency-Key, whichever surface asks (the launcher,
    the customer account page, the till); the answer is the contract's Redeemed or a refusal."""
    # Headers are not a model's: the key is checked here, with the storefront's code for bad input.
    key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
    if not IDEMPOTENCY_KEY.match(key):
        return _refuse(400, "invalid_request", "Idempotency-Key must be 1 to 100 letters, digits, '-', '_', '.' or ':'.")

    runtime = perks()
    wanted = redemptions.RedeemRequest(shop_id, customer_id, body.reward_id, f"{customer_id}:{key}", body.points)
    try:
        done = redemptions.redeem(runtime.sessions, ShopifyIssuer(runtime.sessions, runtime.settings), wanted, datetime.now(UTC))
    except redemptions.RedemptionRefused as refusal:
        return _refuse(REFUSAL_STATUS.get(refusal.reason, 409), refusal.reason, _refusal_text(refusal))
    except rewards.UnknownReward:
        return _refuse(404, "reward_unavailable", _say("reward_unavailable"))
    with UnitOfWork(runtime.sessions) as uow:
        balance = ledger.balance(uow.session, shop_id, done.member_id)
        title = rewards.get_reward(uow.session, shop_id, done.reward_id).title
    if done.state == "failed":
        points = words.points(words.language(request.args.get("locale")), done.points)
        return _refuse(502, "reward_not_issued", _say("reward_not_issued", points=points), balance=balance, detail=done.error)
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


def _shown_rules(session, shop: Shop) -> list[EarnRule]:
    """The merchant's enabled earn rules a shopper can see, by id."""
    return list(
        session.scalars(
            select(EarnRule)
            .where(EarnRule.shop_id == shop.id, EarnRule.enabled.is_(True), EarnRule.action.in_(SHOWN_ACTIONS))
            .order_by(EarnRule.id)
        )
    )


def _rule_way(rule: EarnRule) -> dict:
    """An earn rule as an `earn` entry of the contract."""
    count, period = actions.limit(rule)
    return {
        "key": rule.action,
        "title": rule.name if rule.name and rule.name != rule.action else _say(f"earn.{rule.action}"),
        "points": rule.points,
        "per": "year" if rule.action == "birthday" or rule.limit_period == "year" else "once",
        "limit": {"count": count, "period": period},
        # A social follow's profile: the launcher links to it, and claims with its network.
        "network": rule.network if rule.url else None,
        "url": rule.url,
    }


def _month_day(value: object) -> object:
    """The shopper reads why a date is refused in their language; whether the day exists is the profile's to say."""
    if not isinstance(value, str) or not MONTH_DAY.match(value):
        raise PydanticCustomError("invalid_date", _say("invalid_date"))
    return value


MonthDay = Annotated[str, Field(pattern=MONTH_DAY.pattern, description="MM-DD"), BeforeValidator(_month_day)]


class BirthdayBody(Model):
    date: MonthDay


class BirthdayGiven(Answer):
    birthday: str = Field(description="MM-DD")


def birthday_endpoint(summary: str, *, security: str):
    """The contract of giving the birthday (give_birthday), whichever surface's door it comes through."""
    return endpoint(summary, security=security, body=BirthdayBody, query=Locale, answer=BirthdayGiven, invalid="invalid_date")


class ActionBody(Model):
    network: Literal[("", *actions.NETWORKS)] | None = Field(  # type: ignore[valid-type]
        None, description="social_follow or social_share: the network ('' or none: the action's own occurrence)"
    )


class Earned(Answer):
    points: int
    balance: int


class Unsubscribed(Answer):
    unsubscribed: Literal["email"]


@bp.post("/birthday")
@shopper_required
@storefront_writes
@birthday_endpoint("Give the birthday (MM-DD); the points land on the day, once a year", security="shopper")
def birthday(body: BirthdayBody, query: Locale):
    return give_birthday(body)


def give_birthday(body: BirthdayBody):
    """The calling customer's (g.caller, whichever surface's guard vouched for them) birthday, kept on the member;
    the birthday rule pays on the day (a cron job), once a year."""
    month, day = MONTH_DAY.match(body.date).groups()  # type: ignore[union-attr] # the model matched it
    caller = g.caller
    cmd = GiveBirthday(shop_domain=caller.shop_domain, customer_id=caller.customer_id, month=int(month), day=int(day))
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
@endpoint(
    "Report an action the shopper did (social_follow or social_share, with the network), or subscribe "
    "the logged-in member to the shop's newsletter (newsletter): Shopify records the email marketing consent, "
    "then the points come at once, once ever (the later customers/update webhook pays nothing more)",
    security="shopper",
    body=ActionBody,
    body_required=False,
    query=Locale,
    answer=Earned,
    invalid="invalid_request",
    refusals={
        404: "no such way to earn, or it is switched off",
        409: "already done or limit reached (`balance`)",
        422: "newsletter: Shopify refused the subscription (e.g. no email on the account); nothing changed",
        502: "newsletter: Shopify could not be reached; nothing changed",
    },
)
def perform_action(key: str, body: ActionBody | None, query: Locale):
    """A social follow or share the shopper did from the launcher, or the newsletter subscribed from it."""
    if key == "newsletter":
        return _subscribe_newsletter()
    if key not in SHOPPER_REPORTABLE:
        return _refuse(404, "not_available", _say("not_available"))
    network = body.network if body else None
    ref = network or key  # one of the known networks: never a free-form ref a shopper could vary to farm
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
@endpoint("Stop the program's mails to the logged-in member", security="shopper", answer=Unsubscribed)
def unsubscribe():
    """The member stops the program's mails (the link in every mail leads to the rewards page)."""
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        notifier.unsubscribe(uow.session, caller.shop_domain, caller.customer_id, "email")
        uow.commit()
    return jsonify(unsubscribed="email")
