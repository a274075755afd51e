"""Referrals and VIP tiers for the merchant: the referral offer and each referral with
its state and revenue; the tier ladder with its basis and window."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import g, jsonify
from sqlalchemy import delete, select

from shopify_app.loyalty import audit, referrals, tiers
from shopify_app.loyalty.limits import MAX_DAYS, MAX_MONEY, MAX_MULTIPLIER, MAX_POINTS_PER_AWARD
from shopify_app.models import FRIEND_REWARD_KINDS, TIER_BASES, TIER_WINDOWS, ReferralProgram, Tier
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, actor, json_object, query_int
from .openapi import PATHS, json_body, op

REFERRAL_FIELDS = {
    "enabled": {"type": "boolean"},
    "referrer_points": {"type": "integer"},
    "friend_reward_kind": {"type": "string", "enum": list(FRIEND_REWARD_KINDS)},
    "friend_reward_value": {"type": "string"},
    "friend_reward_minimum": {"type": ["string", "null"]},
    "friend_code_valid_days": {"type": ["integer", "null"]},
    "minimum_order": {"type": "string"},
    "waiting_days": {"type": "integer"},
}
PATHS.update(
    {
        "/api/referrals": {"get": op("Referrals, newest first, each with its state and the revenue it brought; and the offer")},
        "/api/referrals/settings": {"put": op("Change the referral offer", body=json_body(REFERRAL_FIELDS))},
        "/api/tiers": {
            "get": op("The VIP tiers, their basis and window, and how many members hold each"),
            "put": op(
                "Replace the tier ladder: tiers with an id are changed, without one added, missing ones removed",
                body=json_body({"basis": {"type": "string"}, "period": {"type": "string"}, "tiers": {"type": "array"}}),
            ),
        },
    }
)


def _money(value, field: str, errors: dict, *, optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = "must be an amount like 10.00"
        return None
    if not amount.is_finite() or not 0 <= amount <= MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        errors[field] = f"must be an amount from 0 to {MAX_MONEY:,}, at most 2 decimals"
        return None
    return amount


def _whole(value, field: str, errors: dict, *, optional: bool = False, low: int = 0, high: int = MAX_POINTS_PER_AWARD) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[field] = f"must be a whole number from {low} to {high:,}"
        return None
    return value


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
def list_referrals():
    with UnitOfWork(perks().sessions) as uow:
        views = referrals.listing(
            uow.session, g.caller.shop_id, limit=query_int("limit", 100, 1, 500), offset=query_int("offset", 0, 0, 10**9)
        )
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
def change_referral_settings():
    body, errors = json_object(), {}
    changes: dict = {}
    for field, value in body.items():
        if field not in REFERRAL_FIELDS:
            errors[field] = "is not a referral setting"
        elif field == "enabled":
            if not isinstance(value, bool):
                errors[field] = "must be true or false"
            changes[field] = value
        elif field == "friend_reward_kind":
            if value not in FRIEND_REWARD_KINDS:
                errors[field] = f"must be one of {', '.join(FRIEND_REWARD_KINDS)}"
            changes[field] = value
        elif field in ("friend_reward_value", "minimum_order", "friend_reward_minimum"):
            changes[field] = _money(value, field, errors, optional=field == "friend_reward_minimum")
        elif field == "friend_code_valid_days":
            changes[field] = _whole(value, field, errors, optional=True, low=1, high=MAX_DAYS)
        else:
            changes[field] = _whole(value, field, errors)
    if changes.get("friend_reward_kind", "") == "percentage" and (changes.get("friend_reward_value") or 0) > 100:
        errors["friend_reward_value"] = "a percentage is at most 100"
    if errors:
        raise ApiError(400, "invalid", "some referral settings are not valid", errors)
    with UnitOfWork(perks().sessions) as uow:
        program = referrals.settings_of(uow.session, g.caller.shop_id)
        before = referral_settings_json(program)
        for field, value in changes.items():
            setattr(program, field, value)
        uow.session.flush()
        audit.record(uow.session, g.caller.shop_id, actor(), "referrals", before, referral_settings_json(program))
        uow.commit()
        return jsonify(settings=referral_settings_json(program))


def _tiers_json(session, shop_id: int) -> dict:
    program = tiers.program_of(session, shop_id)
    return {
        "basis": program.basis,
        "period": program.period,
        "tiers": [
            {
                "id": t.id,
                "name": t.name,
                "threshold": str(t.threshold),
                "multiplier": str(t.multiplier.normalize()),
                "perks": tiers.perks_of(t),
                "entry_points": t.entry_points,
                "members": tiers.holders(session, t),
            }
            for t in tiers.ladder(session, shop_id)
        ],
    }


@bp.get("/tiers")
@merchant_required
def list_tiers():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(_tiers_json(uow.session, g.caller.shop_id))


@bp.put("/tiers")
@merchant_required
def replace_tiers():
    body, errors = json_object(), {}
    if body.get("basis") not in TIER_BASES:
        errors["basis"] = f"must be one of {', '.join(TIER_BASES)}"
    if body.get("period") not in TIER_WINDOWS:
        errors["period"] = f"must be one of {', '.join(TIER_WINDOWS)}"
    given = body.get("tiers")
    if not isinstance(given, list) or not all(isinstance(t, dict) for t in given):
        errors["tiers"] = "must be a list of tiers"
        given = []
    wanted = []
    for n, tier in enumerate(given):
        name = tier.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
            errors[f"tiers.{n}.name"] = "must be 1 to 64 characters"
        multiplier = _money(tier.get("multiplier", "1"), f"tiers.{n}.multiplier", errors)
        if multiplier is not None and not 0 < multiplier <= MAX_MULTIPLIER:
            errors[f"tiers.{n}.multiplier"] = f"must be more than 0 and at most {MAX_MULTIPLIER}"
        perks_given = tier.get("perks", [])
        if not isinstance(perks_given, list) or not all(isinstance(p, str) for p in perks_given):
            errors[f"tiers.{n}.perks"] = "must be a list of texts"
            perks_given = []
        wanted.append(
            {
                "id": tier.get("id"),
                "name": (name or "").strip(),
                "threshold": _money(tier.get("threshold"), f"tiers.{n}.threshold", errors),
                "multiplier": multiplier,
                "perks": "\n".join(p.strip() for p in perks_given if p.strip()),
                "entry_points": _whole(tier.get("entry_points", 0), f"tiers.{n}.entry_points", errors),
            }
        )
    if len({w["name"].lower() for w in wanted}) < len(wanted) or len({w["threshold"] for w in wanted}) < len(wanted):
        errors["tiers"] = "each tier needs its own name and its own threshold"
    if errors:
        raise ApiError(400, "invalid", "some tier settings are not valid", errors)
    shop_id = g.caller.shop_id
    with UnitOfWork(perks().sessions) as uow:
        session = uow.session
        program = tiers.program_of(session, shop_id)
        before = _ladder_record(session, shop_id)
        program.basis, program.period = body["basis"], body["period"]
        existing = {t.id: t for t in session.scalars(select(Tier).where(Tier.shop_id == shop_id))}
        unknown = [w["id"] for w in wanted if w["id"] is not None and w["id"] not in existing]
        if unknown:
            raise ApiError(404, "not_found", f"no tier {unknown[0]} in this shop")
        kept = {w["id"] for w in wanted if w["id"] is not None}
        session.execute(delete(Tier).where(Tier.shop_id == shop_id, Tier.id.not_in(kept)))
        # Two steps, so swapping two tiers' names or thresholds never trips the unique keys midway.
        for w in wanted:
            if w["id"] is not None:
                existing[w["id"]].name, existing[w["id"]].threshold = f"~{w['id']}", Decimal(10**11 + w["id"])
        session.flush()
        for w in wanted:
            fields = {k: v for k, v in w.items() if k != "id"}
            if w["id"] is None:
                session.add(Tier(shop_id=shop_id, **fields))
            else:
                for field, value in fields.items():
                    setattr(existing[w["id"]], field, value)
        session.flush()
        audit.record(session, shop_id, actor(), "tiers", before, _ladder_record(session, shop_id))
        uow.commit()
        return jsonify(_tiers_json(session, shop_id))


def _ladder_record(session, shop_id: int) -> dict:
    """The ladder as the change log keeps it: the window, and each tier by name."""
    ladder = _tiers_json(session, shop_id)
    return {"basis": ladder["basis"], "period": ladder["period"]} | {
        f"tier:{t['name']}": {k: v for k, v in t.items() if k not in ("id", "members", "name")} for t in ladder["tiers"]
    }
