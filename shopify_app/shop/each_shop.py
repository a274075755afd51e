"""Scheduled work shop by shop and in small batches: one shop's trouble never holds up another's, and no
transaction holds many members' rows while others wait."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.models import Shop

log = logging.getLogger(__name__)
BATCH = 200
T = TypeVar("T")


def per_shop(sessions: sessionmaker[Session], work: Callable[[int], int], *, shop_domain: str | None = None) -> int:
    """`work` on each installed shop (or the one named), shop by shop; the sum of what it returns.
    A shop whose work fails is logged and left for the next run."""
    total = 0
    with UnitOfWork(sessions) as uow:
        query = select(Shop.id).where(Shop.uninstalled_at.is_(None))
        if shop_domain:
            query = query.where(Shop.domain == shop_domain)
        shop_ids = list(uow.session.scalars(query.order_by(Shop.id)))
    for shop_id in shop_ids:
        try:
            total += work(shop_id)
        except Exception:
            log.exception("%s failed for shop %s; the next run tries again", getattr(work, "__name__", "work"), shop_id)
    return total


def in_chunks(
    sessions: sessionmaker[Session],
    shop_id: int,
    items: list[T],
    work: Callable[[Session, Shop, list[T]], int],
    after: Callable[[int], None] = lambda done: None,
) -> int:
    """`work` on the shop's `items` (listed beforehand, without locks) BATCH at a time, each batch its own
    transaction; the sum of what it returns. `after(items done)` follows each batch's commit (progress).

    Member row locks are then held a moment, not while a whole shop is settled, so orders,
    redemptions and storefront requests arriving meanwhile are not kept waiting.
    """
    total = 0
    for start in range(0, len(items), BATCH):
        with UnitOfWork(sessions) as uow:
            total += work(uow.session, uow.session.get(Shop, shop_id), items[start : start + BATCH])
            uow.commit()
        after(min(start + BATCH, len(items)))
    return total


def each_due(
    sessions: sessionmaker[Session], due: Callable[[Session, Shop], list[T]], work: Callable[[Session, Shop, list[T]], int]
) -> int:
    """For each installed shop: what is `due` (listed in a short transaction of its own), then `work` on it in batches."""

    def one_shop(shop_id: int) -> int:
        with UnitOfWork(sessions) as uow:
            items = due(uow.session, uow.session.get(Shop, shop_id))
        return in_chunks(sessions, shop_id, items, work)

    return per_shop(sessions, one_shop)
