"""Spending points on a reward: never twice, never lost.

A redemption is three steps. First, in one transaction under the member's
row lock, the points are taken (idempotency key per request) and a pending
redemption recorded with its code. Then Shopify is asked to create the
discount or credit, with no transaction held open. Last, the redemption is
marked issued, or failed with the points given back in an entry of their own.
A second request with the same key finds the first and answers its code.

Shopify's answer can be lost (a timeout, a dropped connection, a 5xx after the
work was done, a crash). Nothing is then repeated or refunded blindly: `_outcome`
asks Shopify what it holds for the redemption (the code by its name, the credit
among the customer's store credit transactions) before making anything again or
giving points back. The live request and the recovery job go through it alike.
A redemption whose fate cannot be known yet stays pending with its points taken,
and `recover` settles it later the same way. The points come back only when
Shopify certainly did not make the reward.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.errors import LoyaltyError
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import events, ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.rewards.rewards import fewest_points, get_reward
from shopify_app.shop.models import Shop

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_PREFIX = "PERKS-"


class RedemptionRefused(LoyaltyError):
    """The shopper's request cannot be granted; `reason` is a stable code for the launcher."""

    def __init__(self, reason: str, message: str, **details):
        super().__init__(message)
        self.reason, self.details = reason, details


STILL_BEING_CREATED = "This redemption is still being created; try again in a moment."


class IssueUnsettled(Exception):
    """Shopify may have made the reward, but its answer does not say so (lost, or denied after
    it ran): settled by asking Shopify, never by giving the points back blindly (that could pay twice)."""


class IssueFailed(Exception):
    """Shopify certainly did not make it: it refused (`refused`), or was never reached."""

    def __init__(self, message: str, *, refused: bool):
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class Issued:
    shopify_id: str


class Issuer(Protocol):
    """Creates in Shopify what a redemption bought (a discount code, store credit)."""

    def issue(self, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued: ...

    def find(self, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued | None:
        """What Shopify already holds for the redemption (its code, its credit); None if nothing.
        Raises IssueFailed or IssueUnsettled when Shopify could not say."""
        ...


# The shopper's own request gives Shopify seconds, never minutes: a redemption
# pending for longer lost its answer (a crash, a deploy) and is recovered. By then
# no request of its own can still be on its way to landing in Shopify.
STUCK_AFTER = timedelta(minutes=10)
ISSUE_ATTEMPTS = 2  # creations of one code per settling (each after asking Shopify first)


@dataclass(frozen=True)
class RedeemRequest:
    shop_id: int
    customer_id: int
    reward_id: int
    request_key: str
    points: int | None = None  # only for points-for-money


def redeem(sessions: sessionmaker[Session], issuer: Issuer, request: RedeemRequest, now: datetime) -> Redemption:
    """The whole redemption; raises RedemptionRefused, or returns it issued or failed."""
    with UnitOfWork(sessions) as uow:
        redemption, new = _reserve(uow.session, request, now)
        uow.commit()
        if not new:  # the same request again: answer what the first one got
            if redemption.state == "pending":
                raise RedemptionRefused("in_progress", STILL_BEING_CREATED)
            return _detached(uow.session, redemption)
        shop = uow.session.get(Shop, request.shop_id)
        reward = uow.session.get(Reward, request.reward_id)
        uow.session.expunge_all()
    outcome = _outcome(issuer, shop, reward, redemption, request.customer_id, recovering=False)
    if outcome is None:  # Shopify may have made it: pending, points held, settled by the recovery
        raise RedemptionRefused("in_progress", STILL_BEING_CREATED)
    with UnitOfWork(sessions) as uow:
        settled = _settle(uow.session, redemption.id, outcome)
        uow.commit()
        if settled.state == "pending":
            raise RedemptionRefused("in_progress", STILL_BEING_CREATED)
        return _detached(uow.session, settled)


def recover(sessions: sessionmaker[Session], issuer: Issuer, shop_id: int, now: datetime) -> Counter[str]:
    """Settle the shop's redemptions stuck pending, as `_outcome` decides: issued if Shopify
    has the code or the credit, else a code is made now (the shopper asked for it and
    the points are taken) while a credit is not (its points come back: no request of
    its own can still land). Safe to run twice or alongside a request: Shopify keeps
    a code unique, a credit transaction stands for one redemption, and a redemption is
    settled once. Returns the states they end in; while Shopify cannot be reached
    nothing is decided (counted as "waiting").
    """
    shop, stuck = _stuck(sessions, shop_id, now)
    ended: Counter[str] = Counter()
    for redemption, reward, customer_id in stuck:
        outcome = _outcome(issuer, shop, reward, redemption, customer_id, recovering=True)
        if outcome is None:
            ended["waiting"] += 1
            continue
        with UnitOfWork(sessions) as uow:
            ended[_settle(uow.session, redemption.id, outcome).state] += 1
            uow.commit()
    return ended


def _stuck(sessions: sessionmaker[Session], shop_id: int, now: datetime) -> tuple[Shop, list[tuple[Redemption, Reward, int]]]:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, shop_id)
        rows = uow.session.execute(
            select(Redemption, Reward, Member.customer_id)
            .join(Reward, Reward.id == Redemption.reward_id)
            .join(Member, Member.id == Redemption.member_id)
            .where(Redemption.shop_id == shop_id, Redemption.state == "pending", Redemption.created_at <= now - STUCK_AFTER)
            .order_by(Redemption.id)
        ).all()
        uow.session.expunge_all()
    return shop, [(redemption, reward, customer_id) for redemption, reward, customer_id in rows]


class _Unknown(Exception):
    """Shopify could not say what it made: the redemption stays pending."""


def _outcome(
    issuer: Issuer, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int, *, recovering: bool
) -> Issued | IssueFailed | None:
    """What Shopify made of the redemption: Issued; IssueFailed when it certainly made nothing
    (the points come back); None when that cannot be known yet (pending, points held).

    The one way both the shopper's request (`recovering=False`) and the recovery settle it:
    nothing is made again or refunded before Shopify is asked what it holds. A code is unique
    in the shop, so it may be created again after a look finds nothing; a credit never is:
    the live request leaves it pending, and the recovery, once no request of its own can
    still land (STUCK_AFTER), gives the points back when Shopify holds no credit for it.
    """
    try:
        return _decide(issuer, shop, reward, redemption, customer_id, recovering)
    except _Unknown:
        return None


def _decide(issuer: Issuer, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int, recovering: bool) -> Issued | IssueFailed:
    look_first, attempts = recovering, ISSUE_ATTEMPTS  # look_first: an earlier attempt may have made it
    while True:
        if look_first:
            found = _lookup(issuer, shop, reward, redemption, customer_id)
            if found is not None:
                return found
            if redemption.code is None:  # store credit is never sent twice
                if recovering:
                    return IssueFailed("Shopify holds no store credit for this redemption", refused=True)
                raise _Unknown
        if attempts == 0:
            raise _Unknown
        attempts -= 1
        try:
            return issuer.issue(shop, reward, redemption, customer_id)
        except IssueUnsettled:
            look_first = True  # it may have landed: ask before anything else
        except IssueFailed as failure:
            if failure.refused and look_first and redemption.code is not None:
                # Refused, perhaps because an earlier attempt's code landed ('code taken'): look before giving the points back.
                return _lookup(issuer, shop, reward, redemption, customer_id) or failure
            if recovering and not failure.refused:
                raise _Unknown from failure  # not reached now; try again at the next run
            return failure


def _lookup(issuer: Issuer, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued | None:
    try:
        return issuer.find(shop, reward, redemption, customer_id)
    except (IssueFailed, IssueUnsettled) as error:
        raise _Unknown from error


def _reserve(session: Session, request: RedeemRequest, now: datetime) -> tuple[Redemption, bool]:
    member, _ = ensure_member(session, request.shop_id, CustomerProfile(customer_id=request.customer_id))
    # Every redemption of this member queues here, so the balance read below
    # is the one the debit lands on: two requests can never both spend it.
    member = session.scalars(select(Member).where(Member.id == member.id).with_for_update().execution_options(populate_existing=True)).one()
    earlier = session.scalar(select(Redemption).where(Redemption.shop_id == request.shop_id, Redemption.request_key == request.request_key))
    if earlier is not None:
        if earlier.member_id != member.id:
            raise RedemptionRefused("key_reused", "This Idempotency-Key was used for another request.")
        return earlier, False
    reward = get_reward(session, request.shop_id, request.reward_id)
    if not reward.enabled or reward.archived_at is not None:
        raise RedemptionRefused("reward_unavailable", "This reward is not available any more.")
    points = _points_to_spend(reward, request.points)
    if reward.limit_per_member is not None and _times_redeemed(session, member, reward) >= reward.limit_per_member:
        raise RedemptionRefused("limit_reached", f"You have already redeemed this reward {reward.limit_per_member} times.")
    if member.points_balance < points:
        missing = points - member.points_balance
        raise RedemptionRefused("insufficient_points", f"You need {missing} more points for this reward.", missing=missing)
    redemption = Redemption(
        shop_id=request.shop_id,
        member_id=member.id,
        reward_id=reward.id,
        request_key=request.request_key,
        points=points,
        value=_value(reward, points),
        code=None if reward.kind == "store_credit" else new_code(),
        state="pending",
        created_at=now,
        expires_at=now + timedelta(days=reward.code_valid_days) if reward.code_valid_days else None,
    )
    session.add(redemption)
    session.flush()
    ledger.post(session, member, -points, kind="redeem", key=f"redemption:{redemption.id}:debit", reason=f"Redeemed {reward.title}")
    return redemption, True


def _settle(session: Session, redemption_id: int, outcome: Issued | IssueFailed) -> Redemption:
    redemption = session.scalars(select(Redemption).where(Redemption.id == redemption_id).with_for_update()).one()
    if redemption.state != "pending":
        return redemption
    # The member's row lock (as _reserve takes it) makes "this transaction stands for no other redemption" race-free.
    session.scalars(select(Member.id).where(Member.id == redemption.member_id).with_for_update()).one()
    if isinstance(outcome, Issued) and _claimed_elsewhere(session, redemption, outcome.shopify_id):
        return redemption  # another redemption settled on it first: this one stays pending, asked again later
    if isinstance(outcome, Issued):
        redemption.state, redemption.shopify_id = "issued", outcome.shopify_id
        reward = session.get(Reward, redemption.reward_id)
        events.emit(
            session,
            session.get(Member, redemption.member_id),
            "reward_redeemed",
            f"redemption:{redemption.id}:issued",
            points=redemption.points,
            reward=reward.title,
            code=redemption.code or "",
        )
    else:
        redemption.state, redemption.error = "failed", str(outcome)[:1000]
        member = session.get(Member, redemption.member_id)
        ledger.post(
            session,
            member,
            redemption.points,
            kind="refund",
            key=f"redemption:{redemption.id}:refund",
            reason="Points returned: Shopify did not create the reward",
        )
    return redemption


def _claimed_elsewhere(session: Session, redemption: Redemption, shopify_id: str) -> bool:
    return session.scalar(
        select(func.count()).where(
            Redemption.shop_id == redemption.shop_id, Redemption.shopify_id == shopify_id, Redemption.id != redemption.id
        )
    ) > 0


def _points_to_spend(reward: Reward, asked: int | None) -> int:
    if reward.kind != "points_for_money":
        return reward.points_cost
    low, high, step = fewest_points(reward), reward.max_points, reward.points_cost
    if asked is None or isinstance(asked, bool) or not isinstance(asked, int):
        raise RedemptionRefused("invalid_points", "Choose how many points to spend.")
    if asked < low or (high is not None and asked > high) or asked % step:
        limit = f" and at most {high}" if high else ""
        raise RedemptionRefused("invalid_points", f"Spend at least {low}{limit} points, in steps of {step}.")
    return asked


def _value(reward: Reward, points: int) -> Decimal:
    if reward.kind == "points_for_money":
        return reward.value * (points // reward.points_cost)
    return reward.value


def _times_redeemed(session: Session, member: Member, reward: Reward) -> int:
    return session.scalar(
        select(func.count()).where(
            Redemption.member_id == member.id, Redemption.reward_id == reward.id, Redemption.state.in_(("pending", "issued", "used"))
        )
    )


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def perks_codes(codes: Iterable[str]) -> list[str]:
    """The codes Perks could have made: an order's other discount codes need no lookup."""
    return [code for code in codes if code.upper().startswith(CODE_PREFIX)]


def _detached(session: Session, redemption: Redemption) -> Redemption:
    session.refresh(redemption)
    session.expunge(redemption)
    return redemption


def mark_used(session: Session, shop_id: int, codes: list[str], order_id: int, now: datetime) -> int:
    """An order paid with Perks codes: those redemptions are used, with their order."""
    used = 0
    for redemption in session.scalars(
        select(Redemption).where(
            Redemption.shop_id == shop_id, func.upper(Redemption.code).in_([c.upper() for c in codes]), Redemption.state == "issued"
        )
    ):
        redemption.state, redemption.order_id, redemption.used_at = "used", order_id, now
        used += 1
    return used


def expire_unused(session: Session, shop: Shop, refund_points: bool, now: datetime, limit: int | None = None) -> int:
    """Codes past their end unused (at most `limit` of them): expired, and their points back only if the program says so."""
    expired = 0
    for redemption in session.scalars(
        select(Redemption)
        .where(Redemption.shop_id == shop.id, Redemption.state == "issued", Redemption.expires_at <= now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ):
        redemption.state = "expired"
        expired += 1
        if refund_points:
            ledger.post(
                session,
                session.get(Member, redemption.member_id),
                redemption.points,
                kind="refund",
                key=f"redemption:{redemption.id}:expired",
                reason=f"Points returned: code {redemption.code} expired unused",
            )
    return expired


def member_redemptions(
    session: Session, shop_id: int, member_id: int, *, codes_only: bool = False, limit: int | None = None
) -> list[Redemption]:
    """The member's redemptions, newest first: all of them, or the latest that gave a code."""
    query = select(Redemption).where(Redemption.shop_id == shop_id, Redemption.member_id == member_id)
    if codes_only:
        query = query.where(Redemption.code.is_not(None))
    return list(session.scalars(query.order_by(Redemption.id.desc()).limit(limit)))
