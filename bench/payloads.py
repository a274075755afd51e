"""Signed Shopify-shaped deliveries for the load generator, as raw HTTP/1.1 requests.

The bodies come from the test fixtures' builders (whole payloads as Shopify
sends them). Those builders copy.deepcopy an 11 KB template per line item,
about a millisecond per order; `fast_builders` makes the same deep copies
through json.loads, and `check_fast_builders` proves the result is
byte-for-byte the fixtures' own before a run relies on it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
from decimal import Decimal

from perks_dev import shopify_payloads as fixtures
from webhooks.signature import sign


@functools.cache
def _template_json(name: str) -> str:
    return json.dumps(fixtures._template(name))


def _fast_template(topic: str) -> dict:
    # A deep copy all the same (the templates are JSON), in C rather than copy.deepcopy.
    return json.loads(_template_json(topic.replace("/", "_")))


@contextlib.contextmanager
def fast_builders():
    slow = fixtures.template
    fixtures.template = _fast_template
    try:
        yield
    finally:
        fixtures.template = slow


def check_fast_builders() -> None:
    lines = (("31.50", 2, "6.30"), ("20.00", 1, "0.00"))
    slow = json.dumps(fixtures.order_paid(1, 2, lines=lines, email="x@example.com"))
    pristine = json.dumps(fixtures._template("orders_paid"))
    with fast_builders():
        fast = json.dumps(fixtures.order_paid(1, 2, lines=lines, email="x@example.com"))
    if fast != slow or json.dumps(fixtures._template("orders_paid")) != pristine:
        raise RuntimeError("bench/payloads.py: the fast builders drifted from perks_dev/shopify_payloads.py")


def order_paid_body(order_id: int, customer_id: int, lines, email: str | None = None) -> bytes:
    return json.dumps(fixtures.order_paid(order_id, customer_id, lines=lines, email=email or f"c{customer_id}@example.com")).encode()


def refund_body(refund_id: int, order_id: int, line, index: int) -> bytes:
    """A refunds/create giving back one order line whole: line is (unit price, quantity, discount), index its place."""
    price, quantity, discount = line
    subtotal = Decimal(price) * quantity - Decimal(discount)
    return json.dumps(fixtures.refund(refund_id, order_id, lines=((Decimal(price), quantity, subtotal, index),))).encode()


def cancelled_body(order_id: int, customer_id: int) -> bytes:
    return json.dumps(fixtures.order_cancelled(order_id, customer_id)).encode()


def customer_body(customer_id: int, at_iso: str | None = None) -> bytes:
    body = fixtures.customer(customer_id, f"c{customer_id}@example.com", first_name=f"C{customer_id % 10_000}", updated_at=at_iso)
    return json.dumps(body).encode()


def http_request(host: str, shop: str, secret: str, topic: str, body: bytes, *, webhook_id: str | None = None, event_id: str | None = None):
    """The raw request bytes of one signed delivery, and its webhook and event ids."""
    webhook_id = webhook_id or str(uuid.uuid4())
    event_id = event_id or str(uuid.uuid4())
    _, headers = fixtures.delivery(topic, body, shop=shop, secret=secret, webhook_id=webhook_id, event_id=event_id)
    assert headers["X-Shopify-Hmac-Sha256"] == sign(body, secret)
    head = ["POST /webhooks HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}", "Connection: keep-alive"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body, webhook_id, event_id
