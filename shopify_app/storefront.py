"""What the shopper's launcher asks for, through Shopify's app proxy (/apps/perks -> /proxy)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from shopify_app.loyalty import ledger
from shopify_app.loyalty.members import find_member
from shopify_app.platform.guards import shopper_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

bp = Blueprint("storefront", __name__, url_prefix="/proxy")


@bp.get("/member")
@shopper_required
def member():
    caller = g.caller
    with UnitOfWork(perks().sessions) as uow:
        found = find_member(uow.session, caller.shop_id, caller.customer_id)
        entries = ledger.history(uow.session, caller.shop_id, found.id, limit=20) if found else []
        return jsonify(
            customer={"id": str(caller.customer_id), "first_name": found.first_name if found else None},
            points=found.points_balance if found else 0,
            history=[{"at": e.created_at.isoformat(), "points": e.points, "reason": e.reason} for e in entries],
        )
