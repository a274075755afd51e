"""Guests earn too: a guest order's points wait on its email and reach the account made with it, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.ledger import customers, expiry, orders
from shopify_app.ledger.models import LedgerEntry, PendingPoints
from tests.rules_helpers import configure, in_shop, keys, points
from webhooks import translate

ADA = 7012345678901


def guest_order(order_id: int, email: str, amount: str = "40.00") -> dict:
    return shopify.order_paid(order_id, None, lines=((amount, 1, 0),), email=email)


def account(customer_id: int, email: str) -> dict:
    return shopify.customer(customer_id, email)


def pending(sessions, shop) -> list[tuple[int, str, int, str]]:
    def read(session, sh, program):
        rows = session.execute(
            select(PendingPoints.order_id, PendingPoints.email, PendingPoints.points, PendingPoints.status)
            .where(PendingPoints.shop_id == sh.id)
            .order_by(PendingPoints.order_id)
        )
        return [tuple(row) for row in rows]

    return in_shop(sessions, shop, read)


def test_a_guest_order_is_credited_once_to_the_account_made_later_with_its_email(webhooks, sessions, shop, balance):
    assert webhooks.processed(webhooks.send("orders/paid", guest_order(3001, "Grace@Example.com"))) == "done"
    assert pending(sessions, shop) == [(3001, "grace@example.com", 40, "pending")]
    webhooks.processed(webhooks.send("customers/create", account(ADA, "grace@example.com")))
    webhooks.processed(webhooks.send("customers/create", account(ADA, "grace@example.com")))  # again
    webhooks.processed(webhooks.send("customers/update", account(ADA, "grace@example.com")))
    assert balance(ADA) == 40
    assert keys(sessions, shop) == [("order:3001:earn", 40)]
    assert pending(sessions, shop)[0][3] == "credited"

    def reason(session, sh, program):
        return session.scalars(select(LedgerEntry.reason).where(LedgerEntry.shop_id == sh.id)).one()

    assert in_shop(sessions, shop, reason) == "Order #3001 (placed as a guest)"


def test_a_new_customers_first_order_also_collects_their_earlier_guest_orders(webhooks, sessions, shop, balance):
    webhooks.processed(webhooks.send("orders/paid", guest_order(3002, "grace@example.com")))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(3003, ADA, email="grace@example.com")))
    assert balance(ADA) == 70
    assert sorted(keys(sessions, shop)) == [("order:3002:earn", 40), ("order:3003:earn", 30)]


def test_a_guest_order_refunded_before_the_account_appears_settles_when_credited(webhooks, sessions, shop, balance):
    webhooks.processed(webhooks.send("orders/paid", guest_order(3004, "grace@example.com")))
    webhooks.processed(webhooks.send("refunds/create", shopify.refund(4004, 3004, lines=(("40.00", 1, "40.00"),))))
    webhooks.processed(webhooks.send("customers/create", account(ADA, "grace@example.com")))
    assert balance(ADA) == 0
    assert keys(sessions, shop) == [("order:3004:earn", 40), ("order:3004:settle", -40)]


def test_guest_points_can_be_switched_off(webhooks, sessions, shop, balance):
    configure(sessions, shop, guest_points=False)
    webhooks.processed(webhooks.send("orders/paid", guest_order(3005, "grace@example.com")))
    webhooks.processed(webhooks.send("customers/create", account(ADA, "grace@example.com")))
    assert pending(sessions, shop) == []
    assert balance(ADA) == 0


def test_pending_points_expire_like_any_others(sessions, shop):
    configure(sessions, shop, expire_after_days=30)
    now = datetime.now(UTC)
    order = translate.order_paid(shop, guest_order(3006, "late@example.com"))
    in_shop(sessions, shop, lambda s, sh, p: orders.pay_order(s, order, now=now))
    in_shop(sessions, shop, lambda s, sh, p: expiry.run(s, sh, now + timedelta(days=31)))
    assert pending(sessions, shop)[0][3] == "expired"
    later = translate.customer_created(shop, account(ADA, "late@example.com"))
    in_shop(sessions, shop, lambda s, sh, p: customers.save_customer(s, later, now=now + timedelta(days=32)))
    assert points(sessions, shop, ADA) == 0


def test_a_guest_order_and_the_new_account_racing_credit_the_points_exactly_once(sessions, shop):
    """Each pair's two transactions start together; whichever commits second must see the first."""
    pairs = 12
    barriers = [threading.Barrier(2) for _ in range(pairs)]

    def run(task):
        n, kind = task
        email = f"racer{n}@example.com"
        if kind == "order":
            cmd = translate.order_paid(shop, guest_order(3100 + n, email))
            work = lambda s, sh, p: (barriers[n].wait(10), orders.pay_order(s, cmd))  # noqa: E731
        else:
            cmd = translate.customer_created(shop, account(ADA + n, email))
            work = lambda s, sh, p: (barriers[n].wait(10), customers.save_customer(s, cmd))  # noqa: E731
        in_shop(sessions, shop, work)

    tasks = [(n, kind) for n in range(pairs) for kind in (("order", "account") if n % 2 else ("account", "order"))]
    with ThreadPoolExecutor(2 * pairs) as pool:
        list(pool.map(run, tasks))
    for n in range(pairs):
        assert points(sessions, shop, ADA + n) == 40, f"pair {n}"
    assert [status for *_, status in pending(sessions, shop)] == ["credited"] * pairs


def test_guest_orders_and_accounts_sent_together_through_the_pipeline_meet_once(webhooks, sessions, shop, balance):
    responses = []
    for n in range(6):
        email = f"pipe{n}@example.com"
        first, second = ("orders/paid", guest_order(3200 + n, email)), ("customers/create", account(ADA + n, email))
        for topic, payload in (first, second) if n % 2 else (second, first):
            responses.append(webhooks.send(topic, payload))
    assert {webhooks.processed(r) for r in responses} == {"done"}
    assert [balance(ADA + n) for n in range(6)] == [40] * 6
