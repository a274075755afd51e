"""The launcher's referral and tier parts, through Shopify's app proxy (/apps/perks -> /proxy).

- `GET /proxy/r/<code>`: the member's referral link. Remembers the code (a
  cookie on the shop's domain, and `?perks_ref=` for the launcher, since
  Shopify's app proxy may strip cookies) and sends the friend to the shop's
  home page with the welcome offer in the query.
- `POST /proxy/referral/claim {"code"}`: the logged-in friend claims the
  welcome code; the member is paid later, on the friend's first order.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, redirect, request
from pydantic import Field

from shopify_app.core import words
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.launcher.texts import say
from shopify_app.referrals import referrals
from shopify_app.referrals import welcome as referral_welcome
from shopify_app.referrals.models import ReferralProgram
from shopify_app.shop.guards import proxy_signed, shopper_required
from shopify_app.shop.models import Shop
from shopify_app.shop.rate_limits import storefront_writes
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import tiers

bp = Blueprint("storefront_growth", __name__, url_prefix="/proxy")

CODE = re.compile(r"^[a-z0-9]{4,16}$")
COOKIE = "perks_ref"
CLAIM_STATUS = {"unknown_code": 404, "referrals_off": 404, "self_referral": 422, "ordered_before": 422, "already_referred": 409}


class ReferralStats(Answer):
    url: str = Field(description="the member's link to share")
    friends: int
    points_earned: int


class ReferralOffer(Answer):
    friend_reward: str
    member_reward: str


class TierStep(Answer):
    name: str
    threshold: int
    perks: list[str]


class NextTier(Answer):
    name: str
    basis: Literal["points", "spend"] = Field(description="what the ladder counts: points earned, or money spent in whole units")
    remaining: int
    progress: float = Field(ge=0, le=1)


class TierProgress(Answer):
    name: str | None = Field(description="the tier held; null below the first tier, `next` then being the first")
    perks: list[str]
    next: NextTier | None


class ClaimBody(Model):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{4,16}$")] | None = Field(
        None, description="the code of the link followed; without it, the perks_ref cookie's"
    )


class Claimed(Answer):
    code: str | None
    title: str
    state: str


def referral_json(domain: str, code: str | None, friends: int, points: int) -> dict | None:
    """The member's link and what it has brought them; None (no code) when the shop runs no referrals."""
    if code is None:
        return None
    return {"url": f"https://{domain}/apps/perks/r/{code}", "friends": friends, "points_earned": points}


def referral_offer_json(session, shop: Shop, locale: str | None) -> dict | None:
    program = referrals.settings_of(session, shop.id)
    if not program.enabled:
        return None
    lang = words.language(locale)
    # The launcher says "get {member} when they order": the words are the reward alone.
    member = words.points(lang, program.referrer_points)
    if program.minimum_order:
        member = say("referral.minimum", lang, offer=member, minimum=words.money(lang, program.minimum_order, shop.currency))
    return {"friend_reward": friend_offer(program, shop, lang), "member_reward": member}


def friend_offer(program: ReferralProgram, shop: Shop, lang: str) -> str:
    """The friend's welcome reward in words: "10 % de réduction sur votre première commande"."""
    value = program.friend_reward_value
    offer = say(
        f"referral.friend.{program.friend_reward_kind}",
        lang,
        amount=words.money(lang, value, shop.currency) if value is not None else "",
        percent=words.percent(lang, value) if value is not None else "",
    )
    if program.friend_reward_minimum:
        offer = say("referral.minimum", lang, offer=offer, minimum=words.money(lang, program.friend_reward_minimum, shop.currency))
    return offer


def tiers_json(session, shop: Shop) -> list[dict]:
    return [{"name": t.name, "threshold": int(t.threshold), "perks": tiers.perks_of(t)} for t in tiers.ladder(session, shop.id)]


@bp.get("/r/<code>")
@proxy_signed
@endpoint(
    "A member's referral link: remembers the code and sends the friend to the shop's home, with ?perks_ref= and the friend's offer",
    security="proxy",
    ok=302,
    returns=None,
)
def follow(code: str):
    code = code.lower()
    with UnitOfWork(perks().sessions) as uow:
        shop = uow.session.get(Shop, g.caller.shop_id)
        known = CODE.match(code) and referrals.referrer_of(uow.session, shop.id, code) is not None
        offer = referral_offer_json(uow.session, shop, shopper_locale()) if known else None
    if not offer:
        return redirect("/", 302)
    response = redirect("/?" + urlencode({COOKIE: code, "perks_offer": offer["friend_reward"]}), 302)
    response.set_cookie(COOKIE, code, max_age=30 * 24 * 3600, secure=True, httponly=False, samesite="Lax")
    return response


@bp.post("/referral/claim")
@shopper_required
@storefront_writes
@endpoint(
    "The logged-in friend claims the referral they followed and gets the welcome code",
    security="shopper",
    body=ClaimBody,
    body_required=False,
    answer=Claimed,
    invalid="invalid_request",
    refusals={
        404: "no such code, or the shop runs no referrals",
        409: "the friend was referred before",
        422: "a self-referral, or the friend ordered before",
        502: "Shopify did not create the welcome code",
        503: "Shopify could not be reached; try again",
    },
)
def claim(body: ClaimBody | None):
    code = ((body.code if body else None) or request.cookies.get(COOKIE, "")).lower()
    if not CODE.match(code):  # the cookie's, which no model checked
        return jsonify(error="invalid_request", message="Send the referral code you followed."), 400
    runtime, caller = perks(), g.caller
    try:
        referral = referral_welcome.claim(
            runtime.sessions, runtime.settings, caller.shop_domain, code, caller.customer_id, datetime.now(UTC)
        )
    except referrals.ReferralRefused as refusal:
        return jsonify(error=refusal.reason, message=str(refusal)), CLAIM_STATUS.get(refusal.reason, 409)
    except referral_welcome.ShopifyUnavailable as error:
        return jsonify(error="try_again", message=str(error)), 503
    if referral.welcome_shopify_id is None:
        return jsonify(error="reward_not_issued", message=say("welcome_not_issued", shopper_locale()), detail=referral.welcome_error), 502
    with UnitOfWork(runtime.sessions) as uow:
        shop = installed_shop(uow.session, caller.shop_domain)
        title = friend_offer(referrals.settings_of(uow.session, shop.id), shop, words.language(shopper_locale()))
    return jsonify(code=referral.welcome_code, title=title, state=referral.state)


def shopper_locale() -> str | None:
    """The launcher's ?locale= where it sent one; else the browser's nearest language (a referral link is followed cold)."""
    return request.args.get("locale") or request.accept_languages.best_match(words.LANGUAGES)
