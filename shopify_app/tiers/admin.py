"""The VIP tier ladder and each tier's members, for the merchant (the admin's VIP tiers page)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import BeforeValidator, Field

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Award, Id, Model, Money, Multiplier, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required
from shopify_app.tiers import tiers
from shopify_app.tiers.models import TIER_BASES, TIER_WINDOWS


def _stripped(text: object) -> object:
    return text.strip() if isinstance(text, str) else text


class TierFields(Model):
    id: Id | None = Field(None, description="the tier to change; none for a new tier")
    name: Annotated[Text(64, min_length=1), BeforeValidator(_stripped)]
    threshold: Money
    multiplier: Multiplier = Decimal(1)
    perks: list[Annotated[Text(200, min_length=1), BeforeValidator(_stripped)]] = Field([], max_length=20)
    entry_points: Award = 0


class TierLadder(Model):
    basis: Literal[TIER_BASES]  # type: ignore[valid-type]
    period: Literal[TIER_WINDOWS]  # type: ignore[valid-type]
    tiers: list[TierFields] = Field(max_length=50)


class TierJson(Answer):
    id: int
    name: str
    threshold: str
    multiplier: str
    perks: list[str]
    entry_points: int
    members: int


class TiersJson(Answer):
    basis: str
    period: str
    tiers: list[TierJson]


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
@endpoint("The VIP tiers, their basis and window, and how many members hold each", security="session", answer=TiersJson)
def list_tiers():
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(_tiers_json(uow.session, g.caller.shop_id))


@bp.put("/tiers")
@merchant_required
@endpoint(
    "Replace the tier ladder: tiers with an id are changed, without one added, missing ones removed; recorded in the change log",
    security="session",
    body=TierLadder,
    answer=TiersJson,
    refusals={404: "a tier id that is not one of this shop's"},
)
def replace_tiers(body: TierLadder):
    shop_id = g.caller.shop_id
    with UnitOfWork(perks().sessions) as uow:
        before = _ladder_record(uow.session, shop_id)
        tiers.replace_ladder(uow.session, shop_id, body.basis, body.period, [tier.model_dump() for tier in body.tiers])
        audit.record(uow.session, shop_id, actor(), "tiers", before, _ladder_record(uow.session, shop_id))
        uow.commit()
        return jsonify(_tiers_json(uow.session, shop_id))


def _ladder_record(session, shop_id: int) -> dict:
    """The ladder as the change log keeps it: the window, and each tier by name."""
    ladder = _tiers_json(session, shop_id)
    return {"basis": ladder["basis"], "period": ladder["period"]} | {
        f"tier:{t['name']}": {k: v for k, v in t.items() if k not in ("id", "members", "name")} for t in ladder["tiers"]
    }
