"""One handler per topic: a payload in, a domain call out, inside the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from shopify_app.ledger import checkout, customers, orders
from shopify_app.shop import privacy
from shopify_app.shop.models import Shop
from shopify_app.shopify import collections
from webhooks import translate

# A handler takes the transaction's session, the shop's domain, the payload and the queue its
# follow-up jobs go on (a fill of the collections an order's products missed); without a queue
# (a handler called on its own, as the tests do) no follow-up is asked for.
Handler = Callable[..., object]

HANDLERS: dict[str, Handler] = {
    "orders/paid": lambda s, shop, p, q=None: checkout.order_paid(
        s, translate.order_paid(shop, p), collections=collections.for_shop(q, shop) if q is not None else None
    ),
    "refunds/create": lambda s, shop, p, q=None: orders.refund_order(s, translate.refund_created(shop, p)),
    "orders/cancelled": lambda s, shop, p, q=None: orders.cancel_order(s, translate.order_cancelled(shop, p)),
    "customers/create": lambda s, shop, p, q=None: customers.save_customer(s, translate.customer_created(shop, p)),
    "customers/update": lambda s, shop, p, q=None: customers.save_customer(s, translate.customer_updated(shop, p)),
    "customers_email_marketing_consent/update": lambda s, shop, p, q=None: customers.save_customer(
        s, translate.email_consent_updated(shop, p)
    ),
    "app/uninstalled": lambda s, shop, p, q=None: privacy.uninstall(s, shop),
    "app/scopes_update": lambda s, shop, p, q=None: _scopes(s, shop, translate.scopes_updated(shop, p)),
    "customers/merge": lambda s, shop, p, q=None: _merge(s, shop, translate.customers_merged(shop, p)),
    "customers/delete": lambda s, shop, p, q=None: privacy.delete_customer(s, shop, translate.customer_id(shop, p)),
    "customers/data_request": lambda s, shop, p, q=None: privacy.data_request(
        s, shop, *translate.data_request(shop, p), email=(p.get("customer") or {}).get("email")
    ),
    "customers/redact": lambda s, shop, p, q=None: privacy.redact_customer(s, shop, *translate.redact_request(shop, p)),
    "shop/redact": lambda s, shop, p, q=None: privacy.redact_shop(s, shop),
}

# Shopify sends these after an uninstall too, and they must still be honoured.
AFTER_UNINSTALL = frozenset({"app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"})


log = logging.getLogger(__name__)


def _scopes(session: Session, shop: str, scopes: tuple[str, ...]) -> None:
    """Keep the scopes the merchant granted, as the token exchange does; the same
    delivery again writes the same value."""
    session.execute(update(Shop).where(Shop.domain == shop).values(scopes=",".join(scopes)))
    log.info("app/scopes_update: %s now grants %s", shop, ",".join(scopes))


def _merge(session: Session, shop: str, merged: tuple[int, int] | None) -> None:
    if merged is not None:
        privacy.merge_customers(session, shop, *merged)
