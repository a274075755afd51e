"""Members: search by name or email, a member's page with their ledger history, and adjusting their points by hand."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g, jsonify
from pydantic import AfterValidator, Field
from sqlalchemy import select

from shopify_app.admin_api import bp
from shopify_app.admin_api.http import ApiError, actor, idempotency_key, not_found
from shopify_app.admin_api.openapi import IDEMPOTENCY_KEY
from shopify_app.core import limits
from shopify_app.core.contracts import endpoint
from shopify_app.core.field_types import Answer, Model, QueryWhole, Text
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.core.web import perks
from shopify_app.ledger import adjustments, ledger
from shopify_app.ledger.members import SORTS, directory, find_member
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop.guards import merchant_required


class MemberSearch(Model):
    q: Text(200) = Field("", description="part of a name or an email, or a whole customer id")
    sort: Literal[SORTS] = Field("joined", description="the column the members are sorted by")  # type: ignore[valid-type]
    direction: Literal["asc", "desc"] = "desc"
    limit: QueryWhole(1, 100) = 25
    offset: QueryWhole(0, limits.MAX_OFFSET) = 0


class MemberJson(Answer):
    customer_id: str = Field(description="a string: Shopify's ids outgrow what a JavaScript number holds exactly")
    email: str | None
    first_name: str | None
    last_name: str | None
    points: int
    joined_at: str
    deleted: bool


class ListedMemberJson(MemberJson):
    lifetime_points: int = Field(description="every point given, less what refunded orders took back")
    tier: str | None = Field(description="the VIP tier held now; null without one")


class MemberPageJson(MemberJson):
    ledger_balance: int


class Members(Answer):
    members: list[ListedMemberJson]
    total: int = Field(description="the members matching the search, on every page")
    has_more: bool
    offset: int


class HistoryQuery(Model):
    before: QueryWhole(0, limits.MAX_ID) = Field(0, description="the id of the oldest entry already shown; 0: from the newest")


class HistoryEntry(Answer):
    id: int
    at: str
    points: int
    kind: str
    reason: str | None


class MemberPage(Answer):
    member: MemberPageJson
    history: list[HistoryEntry]
    has_more: bool


def _not_zero(points: int) -> int:
    if points == 0:
        raise ValueError("must be a whole number other than 0")
    return points


def _said(reason: str) -> str:
    if not reason.strip():
        raise ValueError("say why")
    return reason.strip()


class AdjustmentFields(Model):
    points: Annotated[
        int,
        Field(ge=-limits.MAX_POINTS_PER_ADJUSTMENT, le=limits.MAX_POINTS_PER_ADJUSTMENT, description="not 0; negative takes away"),
        AfterValidator(_not_zero),
    ]
    reason: Annotated[Text(limits.MAX_REASON_LENGTH, min_length=1), AfterValidator(_said)]
    confirm_negative: bool = Field(False, description="allow the balance to go below zero")


class AdjustmentJson(Answer):
    id: int
    points: int
    reason: str
    staff_user: str


class Adjusted(Answer):
    adjustment: AdjustmentJson
    balance: int


@bp.get("/members")
@merchant_required
@endpoint(
    "Search the members by name, email or customer id, sorted by a column (newest first unless asked), with their tier and how many match",
    security="session",
    query=MemberSearch,
    answer=Members,
)
def search_members(query: MemberSearch):
    with UnitOfWork(perks().sessions) as uow:
        found, total = directory(uow.session, g.caller.shop_id, query.q, query.sort, query.direction == "desc", query.offset, query.limit)
        return jsonify(
            members=[_member_json(f.member) | {"lifetime_points": f.lifetime_points, "tier": f.tier} for f in found],
            total=total,
            has_more=query.offset + len(found) < total,
            offset=query.offset,
        )


@bp.get("/members/<id:customer_id>")
@merchant_required
@endpoint(
    "A member and their ledger history, newest first, 50 at a time",
    security="session",
    query=HistoryQuery,
    answer=MemberPage,
    refusals={404: "no such member in this shop"},
)
def member_page(customer_id: int, query: HistoryQuery):
    with UnitOfWork(perks().sessions) as uow:
        member = find_member(uow.session, g.caller.shop_id, customer_id)
        if member is None or member.redacted_at is not None:
            raise not_found("such member")
        entries_query = select(LedgerEntry).where(LedgerEntry.shop_id == g.caller.shop_id, LedgerEntry.member_id == member.id)
        if query.before:
            entries_query = entries_query.where(LedgerEntry.id < query.before)
        entries = list(uow.session.scalars(entries_query.order_by(LedgerEntry.id.desc()).limit(51)))
        return jsonify(
            member=_member_json(member) | {"ledger_balance": ledger.balance(uow.session, g.caller.shop_id, member.id)},
            history=[
                {"id": e.id, "at": e.created_at.isoformat(), "points": e.points, "kind": e.kind, "reason": e.reason} for e in entries[:50]
            ],
            has_more=len(entries) > 50,
        )


@bp.post("/members/<id:customer_id>/adjustments")
@merchant_required
@endpoint(
    "Add or take away points by hand, once per Idempotency-Key: a repeat answers the first answer",
    security="session",
    body=AdjustmentFields,
    headers=(IDEMPOTENCY_KEY,),
    ok=201,
    answer=Adjusted,
    refusals={422: "the Idempotency-Key already made a different adjustment"},
)
def adjust(customer_id: int, body: AdjustmentFields):
    key = idempotency_key()
    with UnitOfWork(perks().sessions) as uow:
        try:
            made = adjustments.adjust_once(
                uow.session,
                g.caller.shop_id,
                customer_id,
                body.points,
                body.reason,
                actor(),
                request_key=key,
                confirm_negative=body.confirm_negative,
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
