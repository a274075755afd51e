"""Helpers shared by the program-rules tests: domain calls in their own transactions, fixed clocks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import LedgerEntry
from shopify_app.notifications.models import MemberEvent
from shopify_app.shop.shops import installed_shop, program_of


def local(zone: str, text: str) -> datetime:
    """A wall-clock time in a zone, as the aware UTC instant it is."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def in_shop(sessions, shop_domain: str, work):
    """Run work(session, shop, program) in one committed transaction; its result."""
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, shop_domain)
        result = work(uow.session, shop, program_of(uow.session, shop))
        uow.commit()
        return result


def configure(sessions, shop_domain: str, **settings) -> None:
    def change(session, shop, program):
        for name, value in settings.items():
            setter = shop if name == "timezone" else program
            setattr(setter, name, value)

    in_shop(sessions, shop_domain, change)


def member(session, shop, customer_id: int, **profile):
    return ensure_member(session, shop.id, CustomerProfile(customer_id, **profile))[0]


def keys(sessions, shop_domain: str, customer_id: int | None = None) -> list[tuple[str, int]]:
    def read(session, shop, program):
        query = select(LedgerEntry.idempotency_key, LedgerEntry.points).where(LedgerEntry.shop_id == shop.id).order_by(LedgerEntry.id)
        if customer_id is not None:
            query = query.where(LedgerEntry.member_id == member(session, shop, customer_id).id)
        return [tuple(row) for row in session.execute(query)]

    return in_shop(sessions, shop_domain, read)


def events(sessions, shop_domain: str, kind: str | None = None) -> list[MemberEvent]:
    def read(session, shop, program):
        query = select(MemberEvent).where(MemberEvent.shop_id == shop.id).order_by(MemberEvent.id)
        if kind:
            query = query.where(MemberEvent.kind == kind)
        return list(session.scalars(query))

    return in_shop(sessions, shop_domain, read)


def points(sessions, shop_domain: str, customer_id: int) -> int:
    def read(session, shop, program):
        m = member(session, shop, customer_id)
        assert m.points_balance == ledger.balance(session, shop.id, m.id), "cached balance drifted from the ledger"
        return m.points_balance

    return in_shop(sessions, shop_domain, read)
