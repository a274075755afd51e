"""Orders Shopify never delivered reach the ledger through the Admin API; late webhooks then change nothing."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.multipliers import set_multiplier
from shopify_app.earn.promotions import add_promotion
from shopify_app.ledger import ledger
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import LedgerEntry, PendingPoints
from shopify_app.shop.models import Shop
from webhooks.handlers import HANDLERS
from webhooks.reconcile import reconcile_shop

ADA, GRACE = 7012345678901, 7012345678902


def balances(sessions, domain: str) -> dict[int, int]:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == domain)).one()
        found = {c: find_member(uow.session, shop.id, c) for c in (ADA, GRACE)}
        return {c: ledger.balance(uow.session, shop.id, m.id) if m else 0 for c, m in found.items()}


def entry_count(sessions, domain: str) -> int:
    with UnitOfWork(sessions) as uow:
        return len(list(uow.session.scalars(select(LedgerEntry.id).join(Shop).where(Shop.domain == domain))))


def test_orders_missed_by_webhooks_are_reconciled_once_and_late_deliveries_change_nothing(platform, sessions):
    platform.install()
    fake = platform.fake.state
    fake.add_order(
        platform.shop,
        id=8001,
        customer_id=ADA,
        email="ada@example.com",
        line_items=[{"id": 80011, "price": "30.00", "quantity": 2, "discount": "6.00"}],
    )
    fake.add_order(
        platform.shop, id=8002, customer_id=GRACE, email="grace@example.com", line_items=[{"id": 80021, "price": "25.00", "quantity": 4}]
    )
    fake.add_refund(platform.shop, 8002, id=9002, line_items=[{"line_item_id": 80021, "quantity": 1, "subtotal": "25.00"}])
    fake.add_order(
        platform.shop,
        id=8003,
        customer_id=ADA,
        line_items=[{"id": 80031, "price": "10.00", "quantity": 1}],
        cancelled_at="2026-11-22T10:00:00Z",
        financial_status="REFUNDED",
    )
    fake.add_order(
        platform.shop, id=8004, customer_id=ADA, line_items=[{"id": 80041, "price": "500.00", "quantity": 1}], financial_status="PENDING"
    )

    assert reconcile_shop(sessions, platform.settings, platform.shop) == 4
    expected = {ADA: 54, GRACE: 75}  # 60 - 6; 100 - 25; the cancelled order nets 0; the unpaid one earns nothing
    assert balances(sessions, platform.shop) == expected
    entries = entry_count(sessions, platform.shop)

    # The webhooks arrive a day late: nothing changes.
    late = [
        ("orders/paid", shopify.order_paid(8001, ADA, lines=[("30.00", 2, "6.00")])),
        ("orders/paid", shopify.order_paid(8002, GRACE, lines=[("25.00", 4, 0)])),
        ("refunds/create", shopify.refund(9002, 8002, lines=[("25.00", 1, "25.00")])),
        ("orders/cancelled", shopify.order_cancelled(8003, ADA)),
    ]
    for topic, payload in late:
        with UnitOfWork(sessions) as uow:
            HANDLERS[topic](uow.session, platform.shop, payload)
            uow.commit()
    reconcile_shop(sessions, platform.settings, platform.shop)
    assert balances(sessions, platform.shop) == expected
    assert entry_count(sessions, platform.shop) == entries


def test_the_next_run_only_asks_for_orders_updated_since_the_last(platform, sessions):
    platform.install()
    platform.fake.state.add_order(
        platform.shop,
        id=8101,
        customer_id=ADA,
        line_items=[{"id": 81011, "price": "10.00", "quantity": 1}],
        updated_at="2020-01-01T00:00:00Z",
    )
    assert reconcile_shop(sessions, platform.settings, platform.shop) == 0
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one().reconciled_until is not None


def test_a_reconciled_order_earns_what_its_webhook_would_have(platform, sessions):
    """The product's multiplier, the promotion running when the shopper bought, and a guest's email all count."""
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        set_multiplier(uow.session, shop.id, "product", 555, Decimal(3))
        add_promotion(
            uow.session, shop, name="Weekend", multiplier=Decimal(2), starts_local=datetime(2026, 11, 21), ends_local=datetime(2026, 11, 23)
        )
        uow.commit()
    fake = platform.fake.state
    fake.add_order(
        platform.shop,
        id=8201,
        customer_id=ADA,
        line_items=[{"id": 82011, "price": "10.00", "quantity": 1, "product_id": 555}, {"id": 82012, "price": "10.00", "quantity": 1}],
        processed_at="2026-11-22T12:00:00Z",  # during the promotion, long over now
    )
    fake.add_order(platform.shop, id=8202, email="guest@example.com", line_items=[{"id": 82021, "price": "25.00", "quantity": 1}])

    assert reconcile_shop(sessions, platform.settings, platform.shop) == 2
    assert balances(sessions, platform.shop)[ADA] == (10 * 3 + 10) * 2
    with UnitOfWork(sessions) as uow:
        held = uow.session.execute(select(PendingPoints.order_id, PendingPoints.email, PendingPoints.points)).all()
        assert [tuple(row) for row in held if row.order_id == 8202] == [(8202, "guest@example.com", 25)]
