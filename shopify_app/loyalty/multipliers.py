"""Product and collection multipliers, and the cache of which collections a product is in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.db import insert_ignoring_conflicts
from shopify_app.models import EarnMultiplier, ProductCollectionsCache

from .commands import PurchaseLine
from .earning import LineMultiplier, at_1x
from .errors import InvalidCommand

ONE = Decimal(1)
# Collections change rarely and an order is priced once; a day old is fresh enough.
FRESH_FOR = timedelta(days=1)

# Product ids in, {product id: [collection ids]} out: the Admin API behind a port.
CollectionLookup = Callable[[list[int]], dict[int, list[int]]]


def set_multiplier(session: Session, shop_id: int, target: str, target_id: int, multiplier: Decimal) -> None:
    if target not in ("product", "collection") or Decimal(multiplier) <= 0:
        raise InvalidCommand("a multiplier is for a product or a collection and above 0")
    row = session.scalars(
        select(EarnMultiplier).where(
            EarnMultiplier.shop_id == shop_id, EarnMultiplier.target == target, EarnMultiplier.target_id == target_id
        )
    ).first()
    if row is None:
        session.add(EarnMultiplier(shop_id=shop_id, target=target, target_id=target_id, multiplier=Decimal(multiplier)))
    else:
        row.multiplier = Decimal(multiplier)
    session.flush()


def for_lines(
    session: Session, shop_id: int, lines: Iterable[PurchaseLine], lookup: CollectionLookup | None, now: datetime
) -> LineMultiplier:
    """Each line's multiplier: the largest of its product's and its collections', 1 if none."""
    rows = session.execute(
        select(EarnMultiplier.target, EarnMultiplier.target_id, EarnMultiplier.multiplier).where(EarnMultiplier.shop_id == shop_id)
    ).all()
    if not rows:
        return at_1x
    products = {target_id: m for target, target_id, m in rows if target == "product"}
    collections = {target_id: m for target, target_id, m in rows if target == "collection"}
    product_ids = sorted({line.product_id for line in lines if line.product_id})
    memberships = collections_of(session, shop_id, product_ids, lookup, now) if collections and product_ids else {}

    def multiplier(line: PurchaseLine) -> Decimal:
        found = [products.get(line.product_id)] + [collections.get(c) for c in memberships.get(line.product_id, ())]
        return max((m for m in found if m is not None), default=ONE)

    return multiplier


def collections_of(
    session: Session, shop_id: int, product_ids: list[int], lookup: CollectionLookup | None, now: datetime
) -> dict[int, list[int]]:
    """Collection ids per product: from the cache when fresh, else asked of the lookup and cached.

    Without a lookup (no Admin API at hand) a stale cache is better than nothing.
    """
    cached = {
        row.product_id: row
        for row in session.scalars(
            select(ProductCollectionsCache).where(
                ProductCollectionsCache.shop_id == shop_id, ProductCollectionsCache.product_id.in_(product_ids)
            )
        )
    }
    stale = [pid for pid in product_ids if pid not in cached or cached[pid].fetched_at < now - FRESH_FOR]
    found = {pid: list(row.collection_ids) for pid, row in cached.items()}
    if stale and lookup is not None:
        fetched = lookup(stale)
        for pid in stale:
            ids = sorted(int(c) for c in fetched.get(pid, []))
            found[pid] = ids
            if pid in cached:
                cached[pid].collection_ids, cached[pid].fetched_at = ids, now
            else:
                session.execute(
                    insert_ignoring_conflicts(session, ProductCollectionsCache, ["shop_id", "product_id"]).values(
                        shop_id=shop_id, product_id=pid, collection_ids=ids, fetched_at=now
                    )
                )
    return found
