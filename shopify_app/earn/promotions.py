"""Time-boxed promotions: "double points this weekend", in the shop's own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core import limits
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn.models import Promotion
from shopify_app.earn.program_settings import InvalidSettings
from shopify_app.shop import calendar
from shopify_app.shop.models import Shop

ONE = Decimal(1)


def is_running(promotion: Promotion, shop: Shop, at: datetime) -> bool:
    """From its start (included) to its end (excluded), each read in the shop's zone at that wall time."""
    return calendar.instant(shop, promotion.starts_local) <= at < calendar.instant(shop, promotion.ends_local)


def multiplier(session: Session, shop: Shop, at: datetime, *, purchases: bool = False, action: str | None = None) -> Decimal:
    """The largest multiplier of the promotions running at `at` that cover this earning; 1 if none."""
    return best(candidates(session, shop, at, at), shop, at, purchases=purchases, action=action)


def candidates(session: Session, shop: Shop, earliest: datetime, latest: datetime) -> list[Promotion]:
    """The shop's promotions that may run at some moment from `earliest` to `latest`: read once for a batch's orders."""
    # A day either side of the wall times covers any zone offset change; is_running decides exactly.
    return list(
        session.scalars(
            select(Promotion).where(
                Promotion.shop_id == shop.id,
                Promotion.starts_local <= calendar.local(shop, latest).replace(tzinfo=None) + timedelta(days=1),
                Promotion.ends_local >= calendar.local(shop, earliest).replace(tzinfo=None) - timedelta(days=1),
            )
        )
    )


def best(promotions: list[Promotion], shop: Shop, at: datetime, *, purchases: bool = False, action: str | None = None) -> Decimal:
    """The largest multiplier of `promotions` running at `at` that cover this earning; 1 if none.

    Overlapping promotions do not compound: a merchant running "double
    points" and "triple points on reviews" means triple, not six times.
    """
    found = ONE
    for promotion in promotions:
        covers = (purchases and promotion.purchases) or (action is not None and action in (promotion.actions or []))
        if covers and is_running(promotion, shop, at):
            found = max(found, promotion.multiplier)
    return found


def add_promotion(
    session: Session,
    shop: Shop,
    *,
    name: str,
    multiplier: Decimal,
    starts_local: datetime,
    ends_local: datetime,
    purchases: bool = True,
    actions: tuple[str, ...] = (),
) -> Promotion:
    if starts_local.tzinfo is not None or ends_local.tzinfo is not None:
        raise InvalidCommand("a promotion's start and end are wall-clock times in the shop's zone, without an offset")
    if not 0 < Decimal(multiplier) <= limits.MAX_MULTIPLIER:
        raise InvalidCommand(f"multiplier: must be above 0 and at most {limits.MAX_MULTIPLIER}")
    if ends_local <= starts_local:
        raise InvalidSettings({"ends_local": "must be after the start"})
    promotion = Promotion(
        shop_id=shop.id,
        name=name,
        multiplier=Decimal(multiplier),
        starts_local=starts_local,
        ends_local=ends_local,
        purchases=purchases,
        actions=list(actions),
    )
    session.add(promotion)
    session.flush()
    return promotion
