"""The VIP tier ladder and each tier's members, for the merchant (the admin's VIP tiers page)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import BeforeValidator, Field
from redis.exceptions import RedisError

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import actor
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Award, Id, Model, Money, Multiplier, Text
from shopify_app.core.orm import utcnow
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.shop import audit
from shopify_app.shop.guards import merchant_required
from shopify_app.tiers import tiers
from shopify_app.tiers.jobs import enqueue_placement, placement_status
from shopify_app.tiers.models import TIER_BASES, TIER_WINDOWS

log = logging.getLogger(__name__)


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


class Placement(Answer):
    status: Literal["pending", "queued", "running", "done", "failed"] = Field(
        description="pending: owed but not queued (the queue was unreachable); the hourly tier job queues it"
    )
    done: int = Field(description="members placed so far")
    total: int = Field(description="members to place")


class TiersJson(Answer):
    basis: str
    period: str
    tiers: list[TierJson]
    members_total: int = Field(description="the shop's members, in a tier or not")
    placement: Placement | None = Field(description="the newest placement of every member on the ladder, none lately if null")


def _tiers_json(session, shop_id: int) -> dict:
    program = tiers.program_of(session, shop_id)
    held = tiers.holders_by_tier(session, shop_id)
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
                "members": held.get(t.id, 0),
            }
            for t in tiers.ladder(session, shop_id)
        ],
    }


def _with_placement(session, ladder: dict, shop_id: int) -> dict:
    """The ladder with the shop's member count and its newest placement: as rq tells it, or pending while one is
    owed that no job is placing (the save could not queue it, or a newer save's job was lost)."""
    members = tiers.members_total(session, shop_id)
    status = placement_status(perks().queue.connection, shop_id)
    if tiers.placement_owed_since(session, shop_id) is not None and (status is None or status["status"] in ("done", "failed")):
        status = {"status": "pending", "done": 0, "total": members}
    return ladder | {"members_total": members, "placement": status}


@bp.get("/tiers")
@merchant_required
@endpoint("The VIP tiers, their basis and window, and how many members hold each", security="session", answer=TiersJson)
def list_tiers():
    shop_id = g.caller.shop_id
    with UnitOfWork(perks().sessions) as uow:
        return jsonify(_with_placement(uow.session, _tiers_json(uow.session, shop_id), shop_id))


@bp.put("/tiers")
@merchant_required
@endpoint(
    "Replace the tier ladder: tiers with an id are changed, without one added, missing ones removed; recorded in the change log."
    " Every member is then placed on the new ladder by a worker, in batches (its progress in `placement`)",
    security="session",
    body=TierLadder,
    answer=TiersJson,
    refusals={404: "a tier id that is not one of this shop's"},
)
def replace_tiers(body: TierLadder):
    shop_id = g.caller.shop_id
    with UnitOfWork(perks().sessions) as uow:
        before = _ladder_record(uow.session, shop_id)
        tiers.replace_ladder(uow.session, shop_id, body.basis, body.period, [tier.model_dump() for tier in body.tiers], utcnow())
        audit.record(uow.session, shop_id, actor(), "tiers", before, _ladder_record(uow.session, shop_id))
        uow.commit()
        try:
            enqueue_placement(perks().queue, shop_id, tiers.members_total(uow.session, shop_id))
        except RedisError:  # the ladder is saved; the placement it owes is queued by the hourly tier job
            log.warning("placement of shop %s not queued; left for the hourly tier job", shop_id, exc_info=True)
        return jsonify(_with_placement(uow.session, _tiers_json(uow.session, shop_id), shop_id))


def _ladder_record(session, shop_id: int) -> dict:
    """The ladder as the change log keeps it: the window, and each tier by name."""
    ladder = _tiers_json(session, shop_id)
    return {"basis": ladder["basis"], "period": ladder["period"]} | {
        f"tier:{t['name']}": {k: v for k, v in t.items() if k not in ("id", "members", "name")} for t in ladder["tiers"]
    }
