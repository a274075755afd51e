"""Delivering member events: one notifier, pluggable channels.

Events are rows written in the ledger's transaction (loyalty/events.py);
this reads them afterwards. A channel that fails is retried on the next run
and never touches points; each channel's success is kept per event, so a
mail is not sent twice because Shopify was down for the metafields.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import Member
from shopify_app.notifications import branding, preferences
from shopify_app.notifications.channels import Channel, Notice, ShopCard
from shopify_app.notifications.models import MemberEvent, Unsubscribe
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
# How long a notifier keeps the events it took: a notifier that died mid-send leaves them to another after this.
CLAIM = timedelta(minutes=10)
SENT = "_sent"  # the channels that delivered an event, kept in its data


def deliver(
    sessions: sessionmaker[Session], channels: list[Channel], now: datetime, *, limit: int = 500, shop_domain: str | None = None
) -> dict[str, int]:
    """Deliver what is waiting (in one shop, or all), at most `limit` events; counts of delivered and failed.

    The events are claimed in one short transaction, sent with none open (a
    channel's own calls, the Admin API token among them, never wait on this
    one's locks), and their outcome kept in another."""
    done = {"delivered": 0, "failed": 0}
    for shop_id, event_ids in _claim(sessions, now, limit, shop_domain).items():
        _deliver_shop(sessions, channels, shop_id, event_ids, now, done)
    return done


def _claim(sessions: sessionmaker[Session], now: datetime, limit: int, shop_domain: str | None) -> dict[int, list[int]]:
    """The waiting events this notifier takes, per shop; no other notifier takes them until CLAIM has passed."""
    with UnitOfWork(sessions) as uow:
        session = uow.session
        query = select(MemberEvent).where(
            MemberEvent.delivered_at.is_(None),
            MemberEvent.attempts < MAX_ATTEMPTS,
            or_(MemberEvent.claimed_until.is_(None), MemberEvent.claimed_until <= now),
        )
        if shop_domain:
            query = query.where(MemberEvent.shop_id == installed_shop(session, shop_domain).id)
        # SKIP LOCKED: two notifiers share the work instead of sending the same mail.
        events = session.scalars(query.order_by(MemberEvent.id).limit(limit).with_for_update(of=MemberEvent, skip_locked=True)).all()
        claimed: dict[int, list[int]] = {}
        for event in events:
            event.claimed_until = now + CLAIM
            claimed.setdefault(event.shop_id, []).append(event.id)
        uow.commit()
    return claimed


def _deliver_shop(
    sessions: sessionmaker[Session], channels: list[Channel], shop_id: int, event_ids: list[int], now: datetime, done: dict
) -> None:
    with UnitOfWork(sessions) as uow:
        session = uow.session
        events = session.scalars(select(MemberEvent).where(MemberEvent.id.in_(event_ids)).order_by(MemberEvent.id)).all()
        shop = session.get(Shop, shop_id)
        chosen = preferences.current(session, shop.id)
        texts = (chosen.texts if chosen else None) or {}
        card = ShopCard(shop.domain, shop.name or shop.domain, texts, branding.brand_of(session, shop.id))
        # A channel the merchant turned off counts as served: turning it on later sends no backlog.
        off = {name for name in preferences.CHANNELS if chosen is not None and not getattr(chosen, name)}
        members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_({e.member_id for e in events})))}
        opted_out = {
            (member_id, channel)
            for member_id, channel in session.execute(
                select(Unsubscribe.member_id, Unsubscribe.channel).where(Unsubscribe.member_id.in_(members))
            )
        }
        notices = {e.id: _notice(e, members[e.member_id]) for e in events}
        outcome: dict[int, list[str]] = {e.id: list(e.data.get(SENT, [])) for e in events}
        member_of = {e.id: e.member_id for e in events}
    errors: dict[int, str] = {}
    for channel in channels:
        if channel.name in off:
            for event_id in outcome:
                outcome[event_id].append(channel.name)
            continue
        wanted = [
            notices[event_id]
            for event_id, member_id in member_of.items()
            if channel.name not in outcome[event_id] and (member_id, channel.name) not in opted_out and (member_id, "all") not in opted_out
        ]
        for event_id, member_id in member_of.items():  # an opted-out member counts as served
            if (member_id, channel.name) in opted_out or (member_id, "all") in opted_out:
                outcome[event_id].append(channel.name)
        if not wanted:
            continue
        try:
            delivered = channel.deliver(card, wanted)
        except Exception as error:
            log.warning("channel %s failed for %s: %r", channel.name, card.domain, error)
            delivered = set()
            for notice in wanted:
                errors[notice.event_id] = f"{channel.name}: {type(error).__name__}: {error}"[:2000]
        for event_id in delivered:
            outcome[event_id].append(channel.name)
    _record(sessions, {c.name for c in channels}, outcome, errors, now, done)


def _record(
    sessions: sessionmaker[Session], names: set[str], outcome: dict[int, list[str]], errors: dict[int, str], now: datetime, done: dict
) -> None:
    """What each channel did with each event; the claim ends (a failed event waits for the next run)."""
    with UnitOfWork(sessions) as uow:
        for e in uow.session.scalars(select(MemberEvent).where(MemberEvent.id.in_(outcome))):
            e.data = {**e.data, SENT: sorted(set(outcome[e.id]))}
            e.claimed_until = None
            if names <= set(outcome[e.id]):
                e.delivered_at = now
                done["delivered"] += 1
            else:
                e.attempts += 1
                e.last_error = errors.get(e.id)
                done["failed"] += 1
        uow.commit()


def _notice(event: MemberEvent, member: Member) -> Notice:
    data = {k: v for k, v in event.data.items() if k != SENT}
    return Notice(event.id, event.kind, data, member.customer_id, member.email, member.first_name, member.points_balance)


def unsubscribe(session: Session, shop_domain: str, customer_id: int, channel: str = "email") -> bool:
    """The member hears no more on this channel ("all": on none); True if this call changed it."""
    shop = installed_shop(session, shop_domain)
    member = find_member(session, shop.id, customer_id)
    if member is None:
        return False
    return (
        session.execute(
            insert_ignoring_conflicts(Unsubscribe, ["shop_id", "member_id", "channel"])
            .values(shop_id=shop.id, member_id=member.id, channel=channel)
            .returning(Unsubscribe.id)
        ).scalar()
        is not None
    )
