"""Delivering member events: one notifier, pluggable channels.

Events are rows written in the ledger's transaction (loyalty/events.py);
this reads them afterwards. A channel that fails is retried on the next run
and never touches points; each channel's success is kept per event, so a
mail is not sent twice because Shopify was down for the metafields.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.db import insert_ignoring_conflicts
from shopify_app.loyalty.members import find_member
from shopify_app.loyalty.shops import installed_shop
from shopify_app.models import Member, MemberEvent, Shop, Unsubscribe
from shopify_app.unit_of_work import UnitOfWork

from . import branding, preferences
from .channels import Channel, Notice, ShopCard

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
SENT = "_sent"  # the channels that delivered an event, kept in its data


def deliver(
    sessions: sessionmaker[Session], channels: list[Channel], now: datetime, *, limit: int = 500, shop_domain: str | None = None
) -> dict[str, int]:
    """Deliver what is waiting (in one shop, or all), at most `limit` events; counts of delivered and failed."""
    done = {"delivered": 0, "failed": 0}
    with UnitOfWork(sessions) as uow:
        session = uow.session
        query = select(MemberEvent).where(MemberEvent.delivered_at.is_(None), MemberEvent.attempts < MAX_ATTEMPTS)
        if shop_domain:
            query = query.where(MemberEvent.shop_id == installed_shop(session, shop_domain).id)
        # SKIP LOCKED: two notifiers share the work instead of sending the same mail.
        events = session.scalars(query.order_by(MemberEvent.id).limit(limit).with_for_update(of=MemberEvent, skip_locked=True)).all()
        for shop_id in sorted({e.shop_id for e in events}):
            _deliver_shop(session, channels, [e for e in events if e.shop_id == shop_id], now, done)
        uow.commit()
    return done


def _deliver_shop(session: Session, channels: list[Channel], events: list[MemberEvent], now: datetime, done: dict) -> None:
    shop = session.get(Shop, events[0].shop_id)
    chosen = preferences.current(session, shop.id)
    card = ShopCard(shop.domain, shop.name or shop.domain, (chosen.texts if chosen else None) or {}, branding.brand_of(session, shop.id))
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
    errors: dict[int, str] = {}
    for channel in channels:
        if channel.name in off:
            for e in events:
                outcome[e.id].append(channel.name)
            continue
        wanted = [
            notices[e.id]
            for e in events
            if channel.name not in outcome[e.id] and (e.member_id, channel.name) not in opted_out and (e.member_id, "all") not in opted_out
        ]
        for e in events:  # an opted-out member counts as served
            if (e.member_id, channel.name) in opted_out or (e.member_id, "all") in opted_out:
                outcome[e.id].append(channel.name)
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
    names = {c.name for c in channels}
    for e in events:
        e.data = {**e.data, SENT: sorted(set(outcome[e.id]))}
        if names <= set(outcome[e.id]):
            e.delivered_at = now
            done["delivered"] += 1
        else:
            e.attempts += 1
            e.last_error = errors.get(e.id)
            done["failed"] += 1


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
            insert_ignoring_conflicts(session, Unsubscribe, ["shop_id", "member_id", "channel"])
            .values(shop_id=shop.id, member_id=member.id, channel=channel)
            .returning(Unsubscribe.id)
        ).scalar()
        is not None
    )
