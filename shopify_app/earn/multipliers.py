"""Product and collection multipliers, and the cache of which collections a product is in.

An order is priced from the cache alone, inside its delivery's transaction, so
Shopify is never asked while that transaction holds locks. A product the cache
does not know (a miss) is priced as if it were in no collection: its own
product multiplier if it has one, else 1x, and that price is final (the order
is priced once, at its first payment). The miss is handed to `on_miss`, which
asks for the cache to be filled outside the transaction
(shopify_app/shopify/collections.py); later orders of the product get its
collections' multipliers. An entry older than FRESH_FOR still prices the order
and is handed to `on_miss` to be refreshed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shopify_app.core import limits
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn.models import EarnMultiplier, ProductCollectionsCache
from shopify_app.ledger.commands import PurchaseLine
from shopify_app.ledger.earning import LineMultiplier, at_1x

ONE = Decimal(1)
# Collections change rarely and an order is priced once; a day old is fresh enough.
FRESH_FOR = timedelta(days=1)

# Product ids in, {product id: [collection ids]} out: the Admin API behind a port,
# called only outside any delivery's transaction (by the fill job).
CollectionLookup = Callable[[list[int]], dict[int, list[int]]]
# Product ids the cache missed (or holds stale): asked to be filled later. It must
# not reach Shopify itself; it runs inside the order's transaction.
CollectionMiss = Callable[[list[int]], None]


def set_multiplier(
    session: Session, shop_id: int, target: str, target_id: int, multiplier: Decimal, title: str | None = None
) -> EarnMultiplier:
    """The product's or collection's multiplier, made or changed; `title` is its name as the merchant picked it (kept if not given)."""
    if target not in ("product", "collection") or not 0 < Decimal(multiplier) <= limits.MAX_MULTIPLIER:
        raise InvalidCommand(f"multiplier: is for a product or a collection, above 0 and at most {limits.MAX_MULTIPLIER}")
    if not limits.is_id(target_id):
        raise InvalidCommand("target_id: must be the Shopify id of the product or collection")
    row = session.scalars(
        select(EarnMultiplier).where(
            EarnMultiplier.shop_id == shop_id, EarnMultiplier.target == target, EarnMultiplier.target_id == target_id
        )
    ).first()
    if row is None:
        row = EarnMultiplier(shop_id=shop_id, target=target, target_id=target_id, multiplier=Decimal(multiplier), target_title=title)
        session.add(row)
    else:
        row.multiplier = Decimal(multiplier)
        row.target_title = title or row.target_title
    session.flush()
    return row


def remove_multiplier(session: Session, shop_id: int, target: str, target_id: int) -> EarnMultiplier | None:
    """The product or collection earns as any other from now on; orders already priced keep their points. The row removed, or None."""
    row = session.scalars(
        select(EarnMultiplier).where(
            EarnMultiplier.shop_id == shop_id, EarnMultiplier.target == target, EarnMultiplier.target_id == target_id
        )
    ).first()
    if row is not None:
        session.delete(row)
        session.flush()
    return row


def for_lines(
    session: Session, shop_id: int, lines: Iterable[PurchaseLine], on_miss: CollectionMiss | None, now: datetime
) -> LineMultiplier:
    """Each line's multiplier: the largest of its product's and its cached collections', 1 if none."""
    rows = session.execute(
        select(EarnMultiplier.target, EarnMultiplier.target_id, EarnMultiplier.multiplier).where(EarnMultiplier.shop_id == shop_id)
    ).all()
    if not rows:
        return at_1x
    products = {target_id: m for target, target_id, m in rows if target == "product"}
    collections = {target_id: m for target, target_id, m in rows if target == "collection"}
    product_ids = sorted({line.product_id for line in lines if line.product_id})
    memberships = cached_collections(session, shop_id, product_ids, on_miss, now) if collections and product_ids else {}

    def multiplier(line: PurchaseLine) -> Decimal:
        found = [products.get(line.product_id)] + [collections.get(c) for c in memberships.get(line.product_id, ())]
        return max((m for m in found if m is not None), default=ONE)

    return multiplier


def cached_collections(
    session: Session, shop_id: int, product_ids: list[int], on_miss: CollectionMiss | None, now: datetime
) -> dict[int, list[int]]:
    """Collection ids per product the cache knows, stale or not; the missing and the stale go to `on_miss`."""
    cached = session.execute(
        select(ProductCollectionsCache.product_id, ProductCollectionsCache.collection_ids, ProductCollectionsCache.fetched_at).where(
            ProductCollectionsCache.shop_id == shop_id, ProductCollectionsCache.product_id.in_(product_ids)
        )
    ).all()
    found = {pid: [int(c) for c in ids or ()] for pid, ids, _ in cached}
    fresh = {pid for pid, _, fetched_at in cached if fetched_at >= now - FRESH_FOR}
    if on_miss is not None and (wanted := [pid for pid in product_ids if pid not in fresh]):
        on_miss(wanted)
    return found


def remember_collections(
    session: Session, shop_id: int, product_ids: Iterable[int], found: Mapping[int, Iterable[int]], now: datetime
) -> None:
    """Write what the Admin API said (a product it did not name is in no collection), newest answer wins."""
    rows = [
        {"shop_id": shop_id, "product_id": pid, "collection_ids": sorted(int(c) for c in found.get(pid, ())), "fetched_at": now}
        for pid in sorted(set(product_ids))
    ]
    if not rows:
        return
    upsert = insert(ProductCollectionsCache).values(rows)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["shop_id", "product_id"],
            set_={"collection_ids": upsert.excluded.collection_ids, "fetched_at": upsert.excluded.fetched_at},
            where=ProductCollectionsCache.fetched_at <= upsert.excluded.fetched_at,
        )
    )
