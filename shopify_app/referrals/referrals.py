"""Referrals: a member's link brings a friend; the friend gets a welcome code at once,
the member gets points when the friend's first qualifying order is paid and only then.

The rules, in the order they are judged:

1. Claim (the logged-in friend, after following the link): refused for the
   referrer themself (same customer or same email), for a friend who has
   ordered before (Shopify's order count or an order Perks knows), and for a
   friend already referred (the database keeps one referral per friend; the
   same referrer claiming again gets the same referral back).
2. The friend's order (orders/paid, inside its transaction and row lock): the
   first paid order worth at least the minimum qualifies, unless it gives the
   referrer away: the referrer's email or customer, or a shipping address
   seen on the referrer's own orders (no card: orders/paid carries no card
   details, only the Admin API's order transactions do). An order of the friend paid
   before the claim rejects the referral. A smaller order leaves it pending.
3. The waiting period: the member's points are held until it passes; then
   the scheduled job pays them once (`referral:<id>:reward`), unless the
   order was cancelled or any of it refunded within the period.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts, settings_row
from shopify_app.core.errors import LoyaltyError
from shopify_app.earn.program_settings import InvalidSettings
from shopify_app.ledger import events, ledger
from shopify_app.ledger.commands import CustomerProfile, PayOrder
from shopify_app.ledger.members import ensure_member, find_member, surviving
from shopify_app.ledger.models import Member, Order, OrderRefund
from shopify_app.referrals.models import OrderFingerprint, Referral, ReferralLink, ReferralProgram
from shopify_app.rewards.redemptions import new_code
from shopify_app.shop.models import Shop

LINK_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
LINK_LENGTH = 10  # 31^10: about 8 x 10^14 codes, not worth guessing


class ReferralRefused(LoyaltyError):
    """The claim cannot be granted; `reason` is a stable code for the launcher and the admin."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Friend:
    """What Shopify says of the friend when they claim."""

    customer_id: int
    email: str | None = None
    orders_before: int = 0


def settings_of(session: Session, shop_id: int) -> ReferralProgram:
    """The shop's referral offer, with the defaults if the merchant never set one."""
    return settings_row(session, ReferralProgram, shop_id)


def change_settings(session: Session, shop_id: int, changes: dict) -> ReferralProgram:
    """Apply the merchant's changes to the offer (each field already checked by its model) if they fit together."""
    program = settings_of(session, shop_id)
    kind = changes.get("friend_reward_kind", program.friend_reward_kind)
    value = changes.get("friend_reward_value", program.friend_reward_value)
    if kind == "percentage" and value > 100:
        raise InvalidSettings({"friend_reward_value": "a percentage is at most 100"})
    for field, given in changes.items():
        setattr(program, field, given)
    session.flush()
    return program


def link_code(session: Session, shop_id: int, member_id: int) -> str:
    """The member's referral code, made the first time it is asked for: one INSERT that returns it, and a
    read only when another request made it first."""
    made = session.scalar(
        insert_ignoring_conflicts(ReferralLink, ["shop_id", "member_id"])
        .values(shop_id=shop_id, member_id=member_id, code="".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_LENGTH)))
        .returning(ReferralLink.code)
    )
    if made is not None:
        return made
    return session.scalars(select(ReferralLink.code).where(ReferralLink.shop_id == shop_id, ReferralLink.member_id == member_id)).one()


def referrer_of(session: Session, shop_id: int, code: str) -> Member | None:
    member_id = session.scalar(select(ReferralLink.member_id).where(ReferralLink.shop_id == shop_id, ReferralLink.code == code.lower()))
    return surviving(session, session.get(Member, member_id)) if member_id else None


def claim(session: Session, shop: Shop, code: str, friend: Friend, now: datetime) -> Referral:
    """Record the friend as referred by the code's member, or refuse; the welcome code is chosen here."""
    program = settings_of(session, shop.id)
    if not program.enabled:
        raise ReferralRefused("referrals_off", "This shop does not run referrals at the moment.")
    referrer = referrer_of(session, shop.id, code)
    if referrer is None:
        raise ReferralRefused("unknown_code", "This referral link is not valid.")
    if referrer.customer_id == friend.customer_id:
        raise ReferralRefused("self_referral", "You cannot refer yourself.")
    member, _ = ensure_member(session, shop.id, CustomerProfile(friend.customer_id, email=friend.email))
    email = _email(friend.email) or member.email
    if email and email == _email(referrer.email):
        raise ReferralRefused("self_referral", "You cannot refer yourself.")
    earlier = session.scalar(select(Referral).where(Referral.shop_id == shop.id, Referral.friend_customer_id == friend.customer_id))
    if earlier is None:
        if friend.orders_before > 0 or _has_paid_orders(session, member):
            raise ReferralRefused("ordered_before", "Referral offers are for new customers.")
        session.execute(
            insert_ignoring_conflicts(Referral, ["shop_id", "friend_customer_id"]).values(
                shop_id=shop.id,
                referrer_id=referrer.id,
                friend_id=member.id,
                friend_customer_id=friend.customer_id,
                state="pending",
                welcome_code=new_code(),
                points=0,
                created_at=now,
            )
        )
        earlier = session.scalars(
            select(Referral)
            .where(Referral.shop_id == shop.id, Referral.friend_customer_id == friend.customer_id)
            .execution_options(populate_existing=True)
        ).one()
    if earlier.referrer_id != referrer.id:
        raise ReferralRefused("already_referred", "You have already been referred by someone else.")
    return earlier


def welcome_issued(session: Session, referral_id: int, shopify_id: str | None, error: str | None) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral.welcome_shopify_id is None:
        referral.welcome_shopify_id, referral.welcome_error = shopify_id, error
    return referral


def order_paid(session: Session, cmd: PayOrder, order: Order, now: datetime) -> None:
    """The friend's (or anyone's) order paid, inside its transaction, after its points."""
    if order.member_id is None or order.paid_at is None:
        return
    _remember(session, order, cmd)
    referral = session.scalars(
        select(Referral).where(Referral.shop_id == order.shop_id, Referral.friend_id == order.member_id).with_for_update()
    ).one_or_none()
    if referral is None or referral.state != "pending":
        return
    program = settings_of(session, order.shop_id)
    if _paid_before(session, order, referral):
        _reject(referral, "ordered_before", now)
        return
    if (order.eligible_amount or Decimal(0)) < program.minimum_order:
        return  # a smaller order neither qualifies nor spoils it
    if _gives_referrer_away(session, referral, order, cmd):
        _reject(referral, "self_referral", now)
        return
    referral.state, referral.order_id, referral.order_amount = "qualified", order.order_id, order.eligible_amount
    referral.qualified_at, referral.confirm_after = now, now + timedelta(days=program.waiting_days)
    if program.waiting_days == 0:
        settle(session, referral, now)


def confirm_due(session: Session, shop: Shop, now: datetime) -> int:
    """Pay or reject every referral whose waiting period is over, in the caller's one transaction; safe to run twice or late."""
    return confirm(session, shop, due_to_confirm(session, shop, now), now)


def due_to_confirm(session: Session, shop: Shop, now: datetime) -> list[int]:
    """Referrals whose waiting period is over (read without locks; `confirm` decides under them)."""
    return list(
        session.scalars(
            select(Referral.id)
            .where(Referral.shop_id == shop.id, Referral.state == "qualified", Referral.confirm_after <= now)
            .order_by(Referral.id)
        )
    )


def confirm(session: Session, shop: Shop, referral_ids: list[int], now: datetime) -> int:
    """Pay or reject these referrals if still due; how many. One another transaction holds is left for the next run."""
    settled = 0
    for referral in session.scalars(
        select(Referral)
        .where(Referral.id.in_(referral_ids), Referral.shop_id == shop.id, Referral.state == "qualified", Referral.confirm_after <= now)
        .order_by(Referral.id)
        .with_for_update(skip_locked=True)
    ):
        settle(session, referral, now)
        settled += 1
    return settled


def settle(session: Session, referral: Referral, now: datetime) -> None:
    """The waiting period is over: a cancellation or refund within it rejects, otherwise the member is paid once."""
    deadline = referral.confirm_after or now
    order = session.scalar(select(Order).where(Order.shop_id == referral.shop_id, Order.order_id == referral.order_id))
    if order.cancelled_at is not None and order.cancelled_at <= deadline:
        _reject(referral, "cancelled", now)
        return
    refunded = session.scalar(
        select(
            exists().where(
                OrderRefund.shop_id == referral.shop_id, OrderRefund.order_id == order.order_id, OrderRefund.created_at <= deadline
            )
        )
    )
    if refunded:
        _reject(referral, "refunded", now)
        return
    points = settings_of(session, referral.shop_id).referrer_points
    referrer = surviving(session, session.get(Member, referral.referrer_id))
    ledger.post(
        session,
        referrer,
        points,
        kind="referral",
        key=f"referral:{referral.id}:reward",
        reason="A friend you referred made their first order",
    )
    events.emit(session, referrer, "referral_credited", f"referral:{referral.id}:credited", points=points)
    referral.state, referral.points, referral.settled_at = "rewarded", points, now


def stats(session: Session, member: Member) -> tuple[int, int]:
    """(friends referred and not rejected, points the member got for them)."""
    friends, points = session.execute(
        select(func.count(), func.coalesce(func.sum(Referral.points), 0)).where(
            Referral.shop_id == member.shop_id, Referral.referrer_id == member.id, Referral.state != "rejected"
        )
    ).one()
    return int(friends), int(points)


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    referrer: Member
    friend: Member
    revenue: Decimal


def listing(session: Session, shop_id: int, limit: int = 100, offset: int = 0) -> list[ReferralView]:
    """The shop's referrals, newest first, each with the revenue its friend has brought since the claim."""
    rows = list(
        session.scalars(select(Referral).where(Referral.shop_id == shop_id).order_by(Referral.id.desc()).limit(limit).offset(offset))
    )
    members = {
        m.id: m for m in session.scalars(select(Member).where(Member.id.in_({r.referrer_id for r in rows} | {r.friend_id for r in rows})))
    }
    return [ReferralView(r, members[r.referrer_id], members[r.friend_id], _revenue(session, r)) for r in rows]


def _revenue(session: Session, referral: Referral) -> Decimal:
    if referral.state == "rejected":
        return Decimal(0)
    total = session.scalar(
        select(func.coalesce(func.sum(Order.eligible_amount), 0)).where(
            Order.shop_id == referral.shop_id,
            Order.member_id == referral.friend_id,
            Order.paid_at >= referral.created_at,
            Order.cancelled_at.is_(None),
        )
    )
    return Decimal(total).quantize(Decimal("0.01"))


def _email(value: str | None) -> str | None:
    return value.strip().lower() or None if value else None


def digest(key: str, text: str) -> str:
    """An address's fingerprint: HMAC-SHA-256 under the shop's own key, so it cannot be
    looked up in a list of addresses' digests nor matched across shops."""
    return hmac.new(key.encode(), " ".join(text.lower().split()).encode(), hashlib.sha256).hexdigest()


def _fingerprint_key(session: Session, shop_id: int) -> str:
    return session.scalars(select(Shop.fingerprint_key).where(Shop.id == shop_id)).one()


def _remember(session: Session, order: Order, cmd: PayOrder) -> None:
    """Keep a digest of the order's shipping address, to know a referrer's own orders again."""
    if cmd.shipping_address:
        session.execute(
            insert_ignoring_conflicts(OrderFingerprint, ["shop_id", "order_id", "kind"]).values(
                shop_id=order.shop_id,
                order_id=order.order_id,
                member_id=order.member_id,
                kind="address",
                digest=digest(_fingerprint_key(session, order.shop_id), cmd.shipping_address),
            )
        )


def _gives_referrer_away(session: Session, referral: Referral, order: Order, cmd: PayOrder) -> bool:
    referrer = session.get(Member, referral.referrer_id)
    if _email(cmd.email) and _email(cmd.email) == _email(referrer.email):
        return True
    if (cmd.customer and cmd.customer.customer_id == referrer.customer_id) or order.member_id == referrer.id:
        return True
    mine = select(OrderFingerprint.kind, OrderFingerprint.digest).where(
        OrderFingerprint.shop_id == order.shop_id, OrderFingerprint.member_id == referrer.id
    )
    theirs = {("address", digest(_fingerprint_key(session, order.shop_id), cmd.shipping_address))} if cmd.shipping_address else set()
    return bool(theirs & {tuple(row) for row in session.execute(mine)})


def _has_paid_orders(session: Session, member: Member) -> bool:
    return bool(
        session.scalar(select(exists().where(Order.shop_id == member.shop_id, Order.member_id == member.id, Order.paid_at.is_not(None))))
    )


def _paid_before(session: Session, order: Order, referral: Referral) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Order.shop_id == order.shop_id,
                    Order.member_id == order.member_id,
                    Order.order_id != order.order_id,
                    Order.paid_at < referral.created_at,
                )
            )
        )
    )


def _reject(referral: Referral, reason: str, now: datetime) -> None:
    referral.state, referral.reason, referral.settled_at = "rejected", reason, now


def find_friend_referral(session: Session, shop_id: int, customer_id: int) -> Referral | None:
    member = find_member(session, shop_id, customer_id)
    if member is None:
        return None
    return session.scalar(select(Referral).where(Referral.shop_id == shop_id, Referral.friend_id == member.id))
