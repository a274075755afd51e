"""Members: search by name or email, a member's page with their ledger history, and adjusting their points by hand."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import String, cast, func, or_, select

from shopify_app.loyalty import adjustments, ledger
from shopify_app.loyalty.members import find_member
from shopify_app.models import LedgerEntry, Member
from shopify_app.platform.guards import merchant_required
from shopify_app.runtime import perks
from shopify_app.unit_of_work import UnitOfWork

from . import bp
from .http import ApiError, actor, idempotency_key, json_object, not_found, query_int


@bp.get("/members")
@merchant_required
def search_members():
    q = (request.args.get("q") or "").strip()
    if len(q) > 200:
        raise ApiError(400, "invalid", "q: at most 200 characters", {"q": "at most 200 characters"})
    limit = query_int("limit", 25, 1, 100)
    offset = query_int("offset", 0, 0, 1_000_000)
    query = select(Member).where(Member.shop_id == g.caller.shop_id, Member.merged_into_id.is_(None), Member.redacted_at.is_(None))
    if q:
        query = query.where(_matches(q))
    with UnitOfWork(perks().sessions) as uow:
        # One more than asked tells whether a next page exists without counting them all.
        found = list(uow.session.scalars(query.order_by(Member.id.desc()).offset(offset).limit(limit + 1)))
        return jsonify(members=[_member_json(m) for m in found[:limit]], has_more=len(found) > limit, offset=offset)


def _matches(q: str):
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    full_name = func.lower(func.coalesce(Member.first_name, "") + " " + func.coalesce(Member.last_name, ""))
    terms = [func.lower(Member.email).like(pattern, escape="\\"), full_name.like(pattern, escape="\\")]
    if q.isdigit():
        terms.append(cast(Member.customer_id, String) == q)
    return or_(*terms)


@bp.get("/members/<id:customer_id>")
@merchant_required
def member_page(customer_id: int):
    before = query_int("before", 0, 0, 2**62) or None
    with UnitOfWork(perks().sessions) as uow:
        member = find_member(uow.session, g.caller.shop_id, customer_id)
        if member is None or member.redacted_at is not None:
            raise not_found("such member")
        query = select(LedgerEntry).where(LedgerEntry.shop_id == g.caller.shop_id, LedgerEntry.member_id == member.id)
        if before:
            query = query.where(LedgerEntry.id < before)
        entries = list(uow.session.scalars(query.order_by(LedgerEntry.id.desc()).limit(51)))
        return jsonify(
            member=_member_json(member) | {"ledger_balance": ledger.balance(uow.session, g.caller.shop_id, member.id)},
            history=[
                {"id": e.id, "at": e.created_at.isoformat(), "points": e.points, "kind": e.kind, "reason": e.reason} for e in entries[:50]
            ],
            has_more=len(entries) > 50,
        )


@bp.post("/members/<id:customer_id>/adjustments")
@merchant_required
def adjust(customer_id: int):
    """Points added or taken away by hand, once per `Idempotency-Key`: a repeat answers the first answer."""
    key = idempotency_key()
    body = json_object()
    with UnitOfWork(perks().sessions) as uow:
        try:
            made = adjustments.adjust_once(
                uow.session,
                g.caller.shop_id,
                customer_id,
                body.get("points"),
                body.get("reason"),
                actor(),
                request_key=key,
                confirm_negative=body.get("confirm_negative") is True,
            )
        except adjustments.KeyReused as error:
            raise ApiError(422, "key_reused", str(error)) from None
        uow.commit()
        adjustment = made.adjustment
        return jsonify(
            adjustment={"id": adjustment.id, "points": adjustment.points, "reason": adjustment.reason, "staff_user": adjustment.staff_user},
            balance=made.balance,
        ), 201


def _member_json(member: Member) -> dict:
    return {
        # Strings: Shopify's ids outgrow what a JavaScript number holds exactly.
        "customer_id": str(member.customer_id),
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "points": member.points_balance,
        "joined_at": member.created_at.isoformat(),
        "deleted": member.deleted_at is not None,
    }
