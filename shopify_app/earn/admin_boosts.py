"""Earning boosts: time-boxed promotions ("double points this weekend") and product or collection multipliers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import AfterValidator, BeforeValidator, Field, NaiveDatetime, WithJsonSchema
from sqlalchemy import select

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor, not_found, shop_of
from shopify_app.core import limits
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, AsString, Model, Title
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.earn import actions, multipliers, promotions
from shopify_app.earn.models import EarnMultiplier, Promotion
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required

# Three decimals, as the columns keep them (1.125 = an eighth more); sent as a string or a number.
Factor = Annotated[Decimal, Field(gt=0, le=limits.MAX_MULTIPLIER, decimal_places=3), AsString]
KNOWN_ACTIONS = [a for a in actions.ACTIONS if a != "custom"]
# A wall-clock time as the admin's datetime-local input sends it: no offset, so not JSON Schema's date-time.
WALL_TIME = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"}


def _named(name: str) -> str:
    if not name.strip():
        raise ValueError("give it a name")
    return name.strip()


def _boostable(names: list[str]) -> list[str]:
    if not all(name in KNOWN_ACTIONS or name.startswith("custom:") for name in names):
        raise ValueError(f"must be a list of actions: {', '.join(KNOWN_ACTIONS)} or custom:<handle>")
    return names


class PromotionFields(Model):
    name: Annotated[Title, AfterValidator(_named)]
    multiplier: Annotated[Factor, Field(gt=1, description="above 1 (2 = double points), at most 10")]
    starts_local: Annotated[NaiveDatetime, WithJsonSchema(WALL_TIME)] = Field(
        description="YYYY-MM-DDTHH:MM in the shop's time zone, without an offset"
    )
    ends_local: Annotated[NaiveDatetime, WithJsonSchema(WALL_TIME)] = Field(
        description="after the start; YYYY-MM-DDTHH:MM in the shop's time zone, without an offset"
    )
    purchases: bool = Field(True, description="boost what purchases earn")
    actions: Annotated[list[str], Field(max_length=50), AfterValidator(_boostable)] = Field(
        default_factory=list, description="the earn actions it boosts (custom:<handle> for a custom one)"
    )


class PromotionJson(Answer):
    id: int
    name: str
    multiplier: str
    starts_local: str
    ends_local: str
    purchases: bool
    actions: list[str]
    running: bool


class PromotionList(Answer):
    promotions: list[PromotionJson]
    timezone: str | None


class OnePromotion(Answer):
    promotion: PromotionJson


class Deleted(Answer):
    deleted: int


def _shopify_id(value: object) -> object:
    """A product's or collection's id as the admin has it: 77, "77" or "gid://shopify/Product/77"."""
    if isinstance(value, str):
        digits = value.strip().removeprefix("gid://shopify/Product/").removeprefix("gid://shopify/Collection/")
        number = limits.ascii_whole(digits)
        if number is None:
            raise ValueError("must be the Shopify id of the product or collection")
        return number
    return value


ShopifyTarget = Annotated[
    int,
    BeforeValidator(_shopify_id),
    Field(ge=1, le=limits.MAX_ID),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": limits.MAX_ID},
                {"type": "string", "pattern": "^(gid://shopify/(Product|Collection)/)?[0-9]{1,19}$"},
            ]
        }
    ),
]


Target = Literal["product", "collection"]


class MultiplierFields(Model):
    target: Target
    target_id: ShopifyTarget
    target_title: Title | None = Field(None, description="the product's or collection's name as picked, shown instead of its id")
    multiplier: Annotated[Factor, Field(description="above 0, at most 10 (1 = no extra points)")]


class MultiplierJson(Answer):
    target: Target
    target_id: str
    title: str | None = Field(description="its name as picked; None for one set by id before names were kept")
    multiplier: str


class MultiplierList(Answer):
    multipliers: list[MultiplierJson]


class OneMultiplier(Answer):
    multiplier: MultiplierJson


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
@endpoint("The promotions, latest start first, and the shop's time zone they are in", security="session", answer=PromotionList)
def list_promotions():
    now = datetime.now(UTC)
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        found = uow.session.scalars(select(Promotion).where(Promotion.shop_id == shop.id).order_by(Promotion.starts_local.desc()))
        return jsonify(promotions=[_promotion_json(p, promotions.is_running(p, shop, now)) for p in found], timezone=shop.timezone)


@bp.post("/promotions")
@merchant_required
@endpoint("Add a promotion; recorded in the change log", security="session", body=PromotionFields, ok=201, answer=OnePromotion)
def add_promotion(body: PromotionFields):
    with UnitOfWork(perks().sessions) as uow:
        shop = shop_of(uow.session)
        promotion = promotions.add_promotion(
            uow.session,
            shop,
            name=body.name,
            multiplier=body.multiplier,
            starts_local=body.starts_local,
            ends_local=body.ends_local,
            purchases=body.purchases,
            actions=tuple(body.actions),
        )
        after = _promotion_json(promotion, promotions.is_running(promotion, shop, datetime.now(UTC)))
        audit.record(uow.session, shop.id, actor(), f"promotion:{promotion.id}", {}, {k: v for k, v in after.items() if k != "running"})
        uow.commit()
        return jsonify(promotion=after), 201


@bp.delete("/promotions/<row:promotion_id>")
@merchant_required
@endpoint(
    "End a promotion now; recorded in the change log",
    security="session",
    answer=Deleted,
    refusals={404: "no such promotion in this shop"},
)
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
@endpoint("The product and collection multipliers", security="session", answer=MultiplierList)
def list_multipliers():
    with UnitOfWork(perks().sessions) as uow:
        found = uow.session.scalars(select(EarnMultiplier).where(EarnMultiplier.shop_id == g.caller.shop_id).order_by(EarnMultiplier.id))
        return jsonify(multipliers=[_multiplier_json(m) for m in found])


@bp.put("/multipliers")
@merchant_required
@endpoint(
    "Set a product's or a collection's multiplier; recorded in the change log",
    security="session",
    body=MultiplierFields,
    answer=OneMultiplier,
)
def set_multiplier(body: MultiplierFields):
    target, target_id, factor = body.target, body.target_id, body.multiplier
    with UnitOfWork(perks().sessions) as uow:
        query = select(EarnMultiplier).where(
            EarnMultiplier.shop_id == g.caller.shop_id, EarnMultiplier.target == target, EarnMultiplier.target_id == target_id
        )
        existing = uow.session.scalar(query)
        before = {"multiplier": str(existing.multiplier.normalize())} if existing else {}
        row = multipliers.set_multiplier(uow.session, g.caller.shop_id, target, target_id, factor, body.target_title)
        audit.record(
            uow.session, g.caller.shop_id, actor(), f"multiplier:{target}:{target_id}", before, {"multiplier": str(factor.normalize())}
        )
        uow.commit()
        return jsonify(multiplier=_multiplier_json(row))


@bp.delete("/multipliers/<any(product, collection):target>/<id:target_id>")
@merchant_required
@endpoint(
    "Remove a product's or a collection's multiplier; orders already paid keep their points; recorded in the change log",
    security="session",
    answer=OneMultiplier,
    refusals={404: "no multiplier for that product or collection in this shop"},
    path={"target": {"type": "string", "enum": ["product", "collection"]}},
)
def remove_multiplier(target: str, target_id: int):
    with UnitOfWork(perks().sessions) as uow:
        row = multipliers.remove_multiplier(uow.session, g.caller.shop_id, target, target_id)
        if row is None:
            raise not_found(f"multiplier for that {target}")
        removed = _multiplier_json(row)
        audit.record(
            uow.session,
            g.caller.shop_id,
            actor(),
            f"multiplier:{target}:{target_id}",
            {"multiplier": removed["multiplier"]},
            {"multiplier": None},
        )
        uow.commit()
        return jsonify(multiplier=removed)


def _multiplier_json(row: EarnMultiplier) -> dict:
    return {"target": row.target, "target_id": str(row.target_id), "title": row.target_title, "multiplier": str(row.multiplier.normalize())}
