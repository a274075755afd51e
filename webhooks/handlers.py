"""One handler per topic: a payload in, a domain call out, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from shopify_app.loyalty import customers, orders

from . import translate

Handler = Callable[[Session, str, dict], object]

HANDLERS: dict[str, Handler] = {
    "orders/paid": lambda s, shop, p: orders.pay_order(s, translate.order_paid(shop, p)),
    "refunds/create": lambda s, shop, p: orders.refund_order(s, translate.refund_created(shop, p)),
    "orders/cancelled": lambda s, shop, p: orders.cancel_order(s, translate.order_cancelled(shop, p)),
    "customers/create": lambda s, shop, p: customers.save_customer(s, translate.customer_created(shop, p)),
    "customers/update": lambda s, shop, p: customers.save_customer(s, translate.customer_updated(shop, p)),
}
