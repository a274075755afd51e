"""An order paid: its points, and the Perks codes it used."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shopify_app.ledger import orders
from shopify_app.ledger.commands import PayOrder
from shopify_app.referrals import referrals
from shopify_app.rewards import redemptions
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers import tiers


def order_paid(session: Session, cmd: PayOrder, **options) -> int:
    order = orders.pay_order(session, cmd, **options)
    now = options.get("now") or datetime.now(UTC)
    referrals.order_paid(session, cmd, order, now)
    tiers.order_paid(session, cmd, now)  # after the order's points: up at once, at the new rate from the next order
    if codes := redemptions.perks_codes(cmd.codes):
        redemptions.mark_used(session, installed_shop(session, cmd.shop_domain).id, codes, cmd.order_id, datetime.now(UTC))
    return order.points_earned
