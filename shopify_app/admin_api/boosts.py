"""Earning boosts: time-boxed promotions ("double points this weekend") and product or collection multipliers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import g, jsonify
from sqlalchemy import select

from shopify_app.loyalty import actions, audit, limits, multipliers, promotions
from shopify_app.loyalty.limits import ascii_whole
from shopify_app.loyalty.program_settings import parse_decimal
from shopify_app.models import EarnMultiplier, Promotion
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, actor, json_object, not_found, shop_of


def _promotion_json(promotion: Promotion, running: bool) -> dict:
    return {
        "id": promotion.id,
        "name": promotion.name,
        "multiplier": str(promotion.multiplier.normalize()),
        "starts_local": promotion.starts_local.isoformat(timespec="minutes"),
        "ends_local": promotion.ends_local.isoformat(timespec="minutes"),
        "purchases": promotion.purchases,
        "actions": list(promotion.actions or []),
        "running": running,
    }


@bp.get("/promotions")
@merchant_required
def list_promotions():
    now = datetime.now(UTC)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        found = uow.session.scalars(select(Promotion).where(Promotion.shop_id == shop.id).order_by(Promotion.starts_local.desc()))
        return jsonify(promotions=[_promotion_json(p, promotions.is_running(p, shop, now)) for p in found], timezone=shop.timezone)


@bp.post("/promotions")
@merchant_required
def add_promotion():
    data = json_object()
    errors: dict[str, str] = {}
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        errors["name"] = "give it a name of at most 255 characters"
    factor = _multiplier(data.get("multiplier"))
    if factor is None:
        errors["multiplier"] = "must be a number above 1 and at most 10, with at most 3 decimals (2 = double points)"
    starts, ends = _wall(data.get("starts_local")), _wall(data.get("ends_local"))
    if starts is None:
        errors["starts_local"] = "must be a date and time as YYYY-MM-DDTHH:MM in the shop's time zone"
    if ends is None:
        errors["ends_local"] = "must be a date and time as YYYY-MM-DDTHH:MM in the shop's time zone"
    elif starts is not None and ends <= starts:
        errors["ends_local"] = "must be after the start"
    boosted = data.get("actions", [])
    known = [a for a in actions.ACTIONS if a != "custom"]
    if not isinstance(boosted, list) or not all(isinstance(a, str) and (a in known or a.startswith("custom:")) for a in boosted):
        errors["actions"] = f"must be a list of actions: {', '.join(known)} or custom:<handle>"
    if not isinstance(data.get("purchases", True), bool):
        errors["purchases"] = "must be true or false"
    if errors:
        raise ApiError(400, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        promotion = promotions.add_promotion(
            uow.session,
            shop,
            name=name.strip(),
            multiplier=factor,
            starts_local=starts,
            ends_local=ends,
            purchases=data.get("purchases", True),
            actions=tuple(boosted),
        )
        after = _promotion_json(promotion, promotions.is_running(promotion, shop, datetime.now(UTC)))
        audit.record(uow.session, shop.id, actor(), f"promotion:{promotion.id}", {}, {k: v for k, v in after.items() if k != "running"})
        uow.commit()
        return jsonify(promotion=after), 201


@bp.delete("/promotions/<id:promotion_id>")
@merchant_required
def end_promotion(promotion_id: int):
    with UnitOfWork(perks().sessions) as uow:
        promotion = uow.session.scalar(select(Promotion).where(Promotion.shop_id == g.caller.shop_id, Promotion.id == promotion_id))
        if promotion is None:
            raise not_found("such promotion")
        before = {k: v for k, v in _promotion_json(promotion, False).items() if k != "running"}
        audit.record(uow.session, g.caller.shop_id, actor(), f"promotion:{promotion_id}", before, {k: None for k in before})
        uow.session.delete(promotion)
        uow.commit()
        return jsonify(deleted=promotion_id)


@bp.get("/multipliers")
@merchant_required
def list_multipliers():
    with UnitOfWork(perks().sessions) as uow:
        found = uow.session.scalars(select(EarnMultiplier).where(EarnMultiplier.shop_id == g.caller.shop_id).order_by(EarnMultiplier.id))
        return jsonify(multipliers=[_multiplier_json(m) for m in found])


@bp.put("/multipliers")
@merchant_required
def set_multiplier():
    data = json_object()
    errors: dict[str, str] = {}
    target, target_id = data.get("target"), str(data.get("target_id") or "").removeprefix("gid://shopify/Product/")
    target_id = target_id.removeprefix("gid://shopify/Collection/")
    if target not in ("product", "collection"):
        errors["target"] = "must be product or collection"
    if not limits.is_id(ascii_whole(target_id)):
        errors["target_id"] = "must be the Shopify id of the product or collection"
    factor = _multiplier(data.get("multiplier"), allow_one=True)
    if factor is None:
        errors["multiplier"] = "must be a number above 0 and at most 10, with at most 3 decimals (1 = no extra points)"
    if errors:
        raise ApiError(400, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    with UnitOfWork(perks().sessions) as uow:
        query = select(EarnMultiplier).where(
            EarnMultiplier.shop_id == g.caller.shop_id, EarnMultiplier.target == target, EarnMultiplier.target_id == int(target_id)
        )
        existing = uow.session.scalar(query)
        before = {"multiplier": str(existing.multiplier.normalize())} if existing else {}
        multipliers.set_multiplier(uow.session, g.caller.shop_id, target, int(target_id), factor)
        row = uow.session.scalar(query)
        audit.record(
            uow.session, g.caller.shop_id, actor(), f"multiplier:{target}:{target_id}", before, {"multiplier": str(factor.normalize())}
        )
        uow.commit()
        return jsonify(multiplier=_multiplier_json(row))


def _multiplier_json(row: EarnMultiplier) -> dict:
    return {"target": row.target, "target_id": str(row.target_id), "multiplier": str(row.multiplier.normalize())}


def _multiplier(value, *, allow_one: bool = False) -> Decimal | None:
    number = parse_decimal(value)
    if number is None:
        return None
    low_ok = number > 0 if allow_one else number > 1
    return number if low_ok and number <= limits.MAX_MULTIPLIER and number.as_tuple().exponent >= -3 else None


def _wall(value) -> datetime | None:
    """A wall-clock time in the shop's zone, as the merchant typed it: no offset allowed."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is None else None
