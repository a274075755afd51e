"""The referral offer and the referrals made, for the merchant (the admin's Referrals page)."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import Field

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Award, Model, Money
from shopify_app.core.limits import MAX_DAYS, MAX_OFFSET
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.referrals import referrals
from shopify_app.referrals.models import FRIEND_REWARD_KINDS, ReferralProgram
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required

FriendRewardKind = Literal[FRIEND_REWARD_KINDS]  # type: ignore[valid-type] # the tuple's values


class ReferralSettingsChange(Model):
    """The referral offer's settings; a change sends only those it changes."""

    enabled: bool = None  # type: ignore[assignment] # absent is not null: only the fields sent are changed
    referrer_points: Award = None  # type: ignore[assignment]
    friend_reward_kind: FriendRewardKind = None  # type: ignore[assignment]
    friend_reward_value: Money = None  # type: ignore[assignment]
    friend_reward_minimum: Money | None = None
    friend_code_valid_days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    minimum_order: Money = None  # type: ignore[assignment]
    waiting_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = None  # type: ignore[assignment]


class ReferralPage(Model):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ReferralSettingsJson(Answer):
    enabled: bool
    referrer_points: int
    friend_reward_kind: FriendRewardKind
    friend_reward_value: str
    friend_reward_minimum: str | None
    friend_code_valid_days: int | None
    minimum_order: str
    waiting_days: int


class ReferralPerson(Answer):
    customer_id: str
    email: str | None


class ReferralJson(Answer):
    id: int
    referrer: ReferralPerson
    friend: ReferralPerson
    state: str
    reason: str | None
    welcome_code: str | None
    welcome_issued: bool
    order_id: str | None
    order_amount: str | None
    revenue: str
    points: int | None
    created_at: str
    confirm_after: str | None
    settled_at: str | None


class ReferralListing(Answer):
    settings: ReferralSettingsJson
    referrals: list[ReferralJson]


class ReferralSettingsAnswer(Answer):
    settings: ReferralSettingsJson


def referral_settings_json(program: ReferralProgram) -> dict:
    return {
        "enabled": program.enabled,
        "referrer_points": program.referrer_points,
        "friend_reward_kind": program.friend_reward_kind,
        "friend_reward_value": str(program.friend_reward_value),
        "friend_reward_minimum": str(program.friend_reward_minimum) if program.friend_reward_minimum is not None else None,
        "friend_code_valid_days": program.friend_code_valid_days,
        "minimum_order": str(program.minimum_order),
        "waiting_days": program.waiting_days,
    }


@bp.get("/referrals")
@merchant_required
@endpoint(
    "Referrals, newest first, each with its state and the revenue it brought; and the offer",
    security="session",
    query=ReferralPage,
    answer=ReferralListing,
)
def list_referrals(query: ReferralPage):
    with UnitOfWork(perks().sessions) as uow:
        views = referrals.listing(uow.session, g.caller.shop_id, limit=query.limit, offset=query.offset)
        return jsonify(
            settings=referral_settings_json(referrals.settings_of(uow.session, g.caller.shop_id)),
            referrals=[
                {
                    "id": v.referral.id,
                    "referrer": {"customer_id": str(v.referrer.customer_id), "email": v.referrer.email},
                    "friend": {"customer_id": str(v.friend.customer_id), "email": v.friend.email},
                    "state": v.referral.state,
                    "reason": v.referral.reason,
                    "welcome_code": v.referral.welcome_code,
                    "welcome_issued": v.referral.welcome_shopify_id is not None,
                    "order_id": str(v.referral.order_id) if v.referral.order_id else None,
                    "order_amount": str(v.referral.order_amount) if v.referral.order_amount is not None else None,
                    "revenue": str(v.revenue),
                    "points": v.referral.points,
                    "created_at": v.referral.created_at.isoformat(),
                    "confirm_after": v.referral.confirm_after.isoformat() if v.referral.confirm_after else None,
                    "settled_at": v.referral.settled_at.isoformat() if v.referral.settled_at else None,
                }
                for v in views
            ],
        )


@bp.put("/referrals/settings")
@merchant_required
@endpoint(
    "Change the referral offer; recorded in the change log", security="session", body=ReferralSettingsChange, answer=ReferralSettingsAnswer
)
def change_referral_settings(body: ReferralSettingsChange):
    with UnitOfWork(perks().sessions) as uow:
        before = referral_settings_json(referrals.settings_of(uow.session, g.caller.shop_id))
        program = referrals.change_settings(uow.session, g.caller.shop_id, body.model_dump(exclude_unset=True))
        audit.record(uow.session, g.caller.shop_id, actor(), "referrals", before, referral_settings_json(program))
        uow.commit()
        return jsonify(settings=referral_settings_json(program))
