"""A shop's and its customers' lifecycle: uninstall, merge, delete, data requests, redaction.

Shopify requires every public app to honour customers/data_request,
customers/redact and shop/redact; the ledger keeps its amounts through a
redaction (anonymised) so the shop's totals still add up.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.earn.models import ActionClaim, MemberBirthday
from shopify_app.ledger import guests, ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member, find_member
from shopify_app.ledger.models import Adjustment, GuestEmail, ImportedBalance, ImportJob, LedgerEntry, Member, Order, PendingPoints
from shopify_app.notifications.models import MemberEvent, Unsubscribe
from shopify_app.referrals.models import OrderFingerprint, Referral, ReferralLink
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.shop.models import ApiKeyUse, DataRequest, Shop
from shopify_app.shop.shops import any_shop
from webhooks.models import WebhookDelivery

REDACTED_PAYLOAD = '{"redacted": true}'


def uninstall(session: Session, shop_domain: str) -> None:
    """Stop processing and drop the tokens; the program stays for a reinstall until shop/redact."""
    shop = any_shop(session, shop_domain)
    shop.uninstalled_at = shop.uninstalled_at or datetime.now(UTC)
    shop.access_token_encrypted = shop.refresh_token_encrypted = None
    shop.access_token_expires_at = shop.refresh_token_expires_at = None


def merge_customers(session: Session, shop_domain: str, kept_id: int, deleted_id: int) -> None:
    """The deleted customer's points move to the kept one, once; later events follow them there."""
    shop = any_shop(session, shop_domain)
    ensure_member(session, shop.id, CustomerProfile(customer_id=kept_id))
    ensure_member(session, shop.id, CustomerProfile(customer_id=deleted_id))
    # Lock both in id order, as every other path does, so merges cannot deadlock.
    kept, gone = sorted(
        session.scalars(
            select(Member)
            .where(Member.shop_id == shop.id, Member.customer_id.in_([kept_id, deleted_id]))
            .order_by(Member.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ),
        key=lambda member: member.customer_id != kept_id,
    )
    if gone.merged_into_id is not None:
        return
    gone.merged_into_id = kept.id
    moved = gone.points_balance
    reason = f"Customer {deleted_id} merged into {kept_id}"
    ledger.post(session, gone, -moved, kind="merge", key=f"merge:{deleted_id}:out", reason=reason)
    ledger.post(session, kept, moved, kind="merge", key=f"merge:{deleted_id}:in", reason=reason)


def delete_customer(session: Session, shop_domain: str, customer_id: int) -> None:
    """Marked, not removed: a merge or a late refund may still need the member's ledger."""
    member = find_member(session, any_shop(session, shop_domain).id, customer_id)
    if member is not None and member.deleted_at is None:
        member.deleted_at = datetime.now(UTC)


def data_request(session: Session, shop_domain: str, request_id: int, customer_id: int, email: str | None = None) -> dict:
    """Assemble everything Perks holds on the customer, and record that it was asked for."""
    shop = any_shop(session, shop_domain)
    member = find_member(session, shop.id, customer_id)
    export = member_export(session, member) if member else {"customer_id": customer_id, "member": None}
    export["pending_points"] = _pending_points(session, shop.id, member, email)
    imported = _imported(shop.id, member, _emails(member, email))
    rows = session.scalars(select(ImportedBalance).where(*imported).order_by(ImportedBalance.id)) if imported else []
    export["imported_balances"] = [
        {
            "points": b.points,
            "lifetime_points": b.lifetime_points,
            "tier": b.tier,
            "birthday": [b.birth_month, b.birth_day, b.birth_year] if b.birth_month else None,
            "referrals": b.referrals,
            "status": b.status,
            "at": _at(b.created_at),
        }
        for b in rows
    ]
    session.execute(
        insert_ignoring_conflicts(DataRequest, ["shop_id", "request_id"]).values(
            shop_id=shop.id, request_id=request_id, customer_id=customer_id, requested_at=datetime.now(UTC), export=export
        )
    )
    return export


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _emails(member: Member | None, email: str | None) -> set[str]:
    return {e for e in (guests.normalise(email), guests.normalise(member.email if member else None)) if e}


def _imported(shop_id: int, member: Member | None, emails: set[str]) -> tuple | None:
    """Where the balances imported for the customer are: held for their email, or credited to the member."""
    whose = ([ImportedBalance.email.in_(emails)] if emails else []) + ([ImportedBalance.member_id == member.id] if member else [])
    return (ImportedBalance.shop_id == shop_id, or_(*whose)) if whose else None


def _pending_points(session: Session, shop_id: int, member: Member | None, email: str | None) -> list[dict]:
    """Guest orders' points held against the customer's email, or credited to the member."""
    whose = [PendingPoints.email.in_(emails)] if (emails := _emails(member, email)) else []
    if member is not None:
        whose.append(PendingPoints.member_id == member.id)
    if not whose:
        return []
    rows = session.scalars(select(PendingPoints).where(PendingPoints.shop_id == shop_id, or_(*whose)).order_by(PendingPoints.id))
    return [
        {
            "order_id": p.order_id,
            "email": p.email,
            "points": p.points,
            "status": p.status,
            "at": _at(p.created_at),
            "settled_at": _at(p.settled_at),
        }
        for p in rows
    ]


def member_export(session: Session, member: Member) -> dict:
    mine = member.id
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == mine).order_by(LedgerEntry.id))
    orders = session.scalars(select(Order).where(Order.member_id == mine).order_by(Order.id))
    redemptions = session.execute(
        select(Redemption, Reward.title)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.member_id == mine)
        .order_by(Redemption.id)
    )
    referred = session.scalars(select(Referral).where(Referral.referrer_id == mine).order_by(Referral.id))
    referred_by = session.scalars(select(Referral).where(Referral.friend_id == mine).order_by(Referral.id))
    birthday = session.get(MemberBirthday, mine)
    link = session.scalar(select(ReferralLink.code).where(ReferralLink.member_id == mine))
    unsubscribed = session.scalars(select(Unsubscribe).where(Unsubscribe.member_id == mine).order_by(Unsubscribe.id))
    events = session.scalars(select(MemberEvent).where(MemberEvent.member_id == mine).order_by(MemberEvent.id))
    adjustments = session.scalars(select(Adjustment).where(Adjustment.member_id == mine).order_by(Adjustment.id))
    claims = session.scalars(select(ActionClaim).where(ActionClaim.member_id == mine).order_by(ActionClaim.id))
    fingerprints = session.scalars(select(OrderFingerprint).where(OrderFingerprint.member_id == mine).order_by(OrderFingerprint.id))
    calls = session.scalars(
        select(ApiKeyUse).where(ApiKeyUse.shop_id == member.shop_id, ApiKeyUse.customer_id == member.customer_id).order_by(ApiKeyUse.id)
    )
    return {
        "customer_id": member.customer_id,
        "member": {
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "points_balance": member.points_balance,
            "joined_at": member.created_at.isoformat(),
        },
        "birthday": {"month": birthday.month, "day": birthday.day, "year": birthday.year, "given_at": _at(birthday.given_at)}
        if birthday
        else None,
        "ledger": [
            {"at": e.created_at.isoformat(), "points": e.points, "kind": e.kind, "reason": e.reason, "order_id": e.order_id}
            for e in entries
        ],
        "orders": [{"order_id": o.order_id, "name": o.name, "points_earned": o.points_earned} for o in orders],
        "redemptions": [
            {
                "reward": title,
                "points": r.points,
                "value": str(r.value),
                "code": r.code,
                "state": r.state,
                "order_id": r.order_id,
                "at": _at(r.created_at),
                "expires_at": _at(r.expires_at),
                "used_at": _at(r.used_at),
            }
            for r, title in redemptions
        ],
        "referral_code": link,
        # Both ways: the friends this member brought (their identity stays theirs), and who brought this member.
        "referrals": [
            {
                "role": "referrer",
                "state": r.state,
                "reason": r.reason,
                "points": r.points,
                "at": _at(r.created_at),
                "settled_at": _at(r.settled_at),
            }
            for r in referred
        ]
        + [
            {
                "role": "friend",
                "state": r.state,
                "reason": r.reason,
                "welcome_code": r.welcome_code,
                "order_id": r.order_id,
                "at": _at(r.created_at),
            }
            for r in referred_by
        ],
        "consents": {"unsubscribed": [{"channel": u.channel, "at": _at(u.created_at)} for u in unsubscribed]},
        "messages": [{"kind": e.kind, "data": e.data, "at": _at(e.created_at), "delivered_at": _at(e.delivered_at)} for e in events],
        "adjustments": [{"points": a.points, "reason": a.reason, "at": _at(a.created_at)} for a in adjustments],
        "actions": [{"ref": c.ref, "points": c.points, "at": _at(c.created_at)} for c in claims],
        "address_fingerprints": [{"order_id": f.order_id, "kind": f.kind} for f in fingerprints],
        # What the merchant's apps reported about the member through their API keys.
        "api_calls": [{"key": c.key_name, "action": c.action, "status": c.status, "at": _at(c.at)} for c in calls],
    }


def redact_customer(session: Session, shop_domain: str, customer_id: int, email: str | None) -> None:
    """Erase the customer's personal data everywhere Perks keeps it; their ledger amounts stay.

    The member's profile, birthday, address fingerprints, mails' contents, data
    requests and their id in the API keys' log; a guest's pending points and lock
    row under the email; balances imported for them (a pending one given up); import
    files' lines, refused rows and raw deliveries that mention them.
    """
    shop = any_shop(session, shop_domain)
    now = datetime.now(UTC)
    member = find_member(session, shop.id, customer_id)
    emails = _emails(member, email)
    names = [n for n in ((member.first_name, member.last_name) if member else ()) if n]
    if member is not None:
        member.email = member.first_name = member.last_name = None
        member.redacted_at = member.redacted_at or now
        mine = member.id
        session.execute(delete(MemberBirthday).where(MemberBirthday.member_id == mine))
        session.execute(delete(OrderFingerprint).where(OrderFingerprint.shop_id == shop.id, OrderFingerprint.member_id == mine))
        # A redacted member is not written to any more: what was still to be sent is dropped with its contents.
        session.execute(
            update(MemberEvent)
            .where(MemberEvent.shop_id == shop.id, MemberEvent.member_id == mine)
            .values(data={}, last_error=None, delivered_at=func.coalesce(MemberEvent.delivered_at, now))
        )
        for adjustment in session.scalars(select(Adjustment).where(Adjustment.shop_id == shop.id, Adjustment.member_id == mine)):
            if _mentions(adjustment.reason, emails, names):
                adjustment.reason = "(redacted)"
    # Balances imported for them: one still held for the email is given up with it; what was credited stays in the ledger.
    if imported := _imported(shop.id, member, emails):
        session.execute(delete(ImportedBalance).where(*imported, ImportedBalance.status == "pending"))
        session.execute(
            update(ImportedBalance)
            .where(*imported)
            .values(email=None, first_name=None, last_name=None, birth_month=None, birth_day=None, birth_year=None)
        )
    if emails:
        # Points held for a guest's email are given up with it; what was credited stays in the ledger.
        held = (PendingPoints.shop_id == shop.id, PendingPoints.email.in_(emails))
        session.execute(update(PendingPoints).where(*held, PendingPoints.status == "pending").values(status="expired", settled_at=now))
        session.execute(update(PendingPoints).where(*held).values(email=REDACTED_EMAIL))
        session.execute(delete(GuestEmail).where(GuestEmail.shop_id == shop.id, GuestEmail.email.in_(emails)))
        for job in session.scalars(
            select(ImportJob).where(
                ImportJob.shop_id == shop.id,
                or_(
                    *(ImportJob.content.icontains(e, autoescape=True) for e in emails),
                    *(cast(ImportJob.errors, Text).icontains(e, autoescape=True) for e in emails),
                ),
            )
        ):
            job.content = _without_lines(job.content, emails)
            job.errors = [
                {**error, "message": "(redacted)", "cells": []} if _mentions(json.dumps(error), emails, []) else error
                for error in job.errors or []
            ]
    # Raw deliveries hold names, emails and addresses too. The id is matched as
    # a whole JSON value (compact or spaced), not as digits inside another number.
    mentions = [
        WebhookDelivery.payload.contains(pattern.format(customer_id)) for pattern in (":{},", ": {},", ":{}}}", ": {}}}", '/Customer/{}"')
    ]
    mentions += [WebhookDelivery.payload.icontains(e, autoescape=True) for e in emails]
    session.execute(update(WebhookDelivery).where(WebhookDelivery.shop_id == shop.id, or_(*mentions)).values(payload=REDACTED_PAYLOAD))
    session.execute(delete(DataRequest).where(DataRequest.shop_id == shop.id, DataRequest.customer_id == customer_id))
    # The log of the merchant's API keys keeps each call, no longer whom it was about.
    session.execute(update(ApiKeyUse).where(ApiKeyUse.shop_id == shop.id, ApiKeyUse.customer_id == customer_id).values(customer_id=None))


REDACTED_EMAIL = "redacted"


def _mentions(text: str | None, emails: set[str], names: list[str]) -> bool:
    text = (text or "").lower()
    return any(word.lower() in text for word in (*emails, *names))


def _without_lines(content: str, emails: set[str]) -> str:
    """An import file with every line naming the email blanked; line numbers (its errors' rows) stay."""
    return "\n".join("" if _mentions(line, emails, []) else line for line in content.split("\n"))


def redact_shop(session: Session, shop_domain: str) -> None:
    """Delete everything of the shop; every table cascades from the shop row.

    The ledger too, through the one door its guard leaves open (ledger.allow_rewrite),
    for this transaction only.
    """
    shop_id = any_shop(session, shop_domain).id
    ledger.allow_rewrite(session)
    session.execute(delete(Shop).where(Shop.id == shop_id))
