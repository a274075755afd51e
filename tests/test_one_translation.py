"""One translation of a Shopify order: the webhooks' payloads and the Admin API order the
reconciler reads become the same commands and earn the same points.

Each generated order is sent both ways: as its orders/paid and refunds/create
webhooks (REST payloads) for one customer, and through the fake Admin API
(GraphQL, read by reconcile_shop) for another. Gift-card lines, taxes,
shipping and its refunds, products in a multiplied collection, more lines than
the first page and more refunds than the old reader took all come up.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.queue import queue
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.multipliers import remember_collections, set_multiplier
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import PayOrder
from shopify_app.ledger.members import find_member
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of
from shopify_app.shopify import collections
from webhooks import translate
from webhooks.handlers import HANDLERS
from webhooks.reconcile import read_whole, reconcile_shop

CENT = Decimal("0.01")
IN_COLLECTION, OUTSIDE, COLLECTION = 901, 902, 77
ADA, GRACE = 7012345678901, 7012345678902


@dataclass(frozen=True)
class Line:
    price: Decimal
    quantity: int
    discount: Decimal
    tax: Decimal
    gift_card: bool
    product_id: int | None


@dataclass(frozen=True)
class Refund:
    lines: tuple[tuple[int, int], ...]  # (index of the order's line, quantity)
    shipping: tuple[Decimal, ...]  # one amount per refund shipping line


@dataclass(frozen=True)
class Order:
    lines: tuple[Line, ...]
    shipping: Decimal
    refunds: tuple[Refund, ...]

    @property
    def tax(self) -> Decimal:
        return sum((line.tax for line in self.lines), Decimal(0))


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda c: Decimal(c) * CENT)


@st.composite
def lines(draw) -> Line:
    price = draw(_cents(1, 20000))
    quantity = draw(st.integers(1, 3))
    return Line(
        price=price,
        quantity=quantity,
        discount=draw(_cents(0, int(price * quantity / CENT))),
        tax=draw(_cents(0, 500)),
        gift_card=draw(st.booleans()),
        product_id=draw(st.sampled_from([IN_COLLECTION, OUTSIDE, None])),
    )


@st.composite
def orders(draw) -> Order:
    bought = draw(st.lists(lines(), min_size=1, max_size=14))
    shipping = draw(_cents(0, 2000))
    left = [line.quantity for line in bought]
    refunds = []
    for _ in range(draw(st.integers(0, 5))):
        taken = []
        for index in draw(st.lists(st.integers(0, len(bought) - 1), unique=True, max_size=4)):
            if left[index]:
                quantity = draw(st.integers(1, left[index]))
                left[index] -= quantity
                taken.append((index, quantity))
        given_back = draw(st.lists(_cents(0, int(shipping / CENT)), max_size=3)) if shipping else []
        refunds.append(Refund(tuple(taken), tuple(given_back)))
    return Order(tuple(bought), shipping, tuple(refunds))


def _share(amount: Decimal, line: Line, quantity: int) -> Decimal:
    return (amount * quantity / line.quantity).quantize(CENT)


def _money_set(amount: Decimal) -> dict:
    money = {"amount": f"{amount:.2f}", "currency_code": "USD"}
    return {"shop_money": money, "presentment_money": dict(money)}


def webhook_payloads(order: Order, order_id: int, customer_id: int) -> list[tuple[str, dict]]:
    """What Shopify would POST: orders/paid, then a refunds/create per refund."""
    paid = shopify.order_paid(
        order_id, customer_id, lines=[(line.price, line.quantity, line.discount) for line in order.lines], shipping=order.shipping
    )
    for item, line in zip(paid["line_items"], order.lines, strict=True):
        item.update(gift_card=line.gift_card, product_id=line.product_id)
        item["tax_lines"] = [{"price": f"{line.tax:.2f}", "price_set": _money_set(line.tax), "rate": 0.08, "title": "Tax"}]
    paid.update(total_tax=f"{order.tax:.2f}", total_tax_set=_money_set(order.tax))
    deliveries = [("orders/paid", paid)]
    for n, refund in enumerate(order.refunds):
        refund_id = order_id * 10 + n
        body = shopify.refund(
            refund_id,
            order_id,
            lines=[
                (order.lines[i].price, q, order.lines[i].price * q - _share(order.lines[i].discount, order.lines[i], q), i)
                for i, q in refund.lines
            ],
        )
        for item, (i, q) in zip(body["refund_line_items"], refund.lines, strict=True):
            tax = _share(order.lines[i].tax, order.lines[i], q)
            item.update(total_tax=float(tax), total_tax_set=_money_set(tax))
            item["line_item"]["gift_card"] = order.lines[i].gift_card
        body["refund_shipping_lines"] = [
            {"subtotal_amount_set": _money_set(amount), "tax_amount_set": _money_set(Decimal(0))} for amount in refund.shipping
        ]
        deliveries.append(("refunds/create", body))
    return deliveries


def add_to_fake(fake, shop: str, order: Order, order_id: int, customer_id: int) -> None:
    """The same order as the Admin API holds it."""
    fake.add_order(
        shop,
        id=order_id,
        customer_id=customer_id,
        shipping=order.shipping,
        tax=order.tax,
        line_items=[
            {
                "id": order_id * 10 + n,
                "price": line.price,
                "quantity": line.quantity,
                "discount": line.discount,
                "tax": line.tax,
                "gift_card": line.gift_card,
                "product_id": line.product_id,
            }
            for n, line in enumerate(order.lines)
        ],
    )
    for n, refund in enumerate(order.refunds):
        fake.add_refund(
            shop,
            order_id,
            id=order_id * 10 + n,
            line_items=[
                {
                    "line_item_id": order_id * 10 + i,
                    "quantity": q,
                    "subtotal": order.lines[i].price * q - _share(order.lines[i].discount, order.lines[i], q),
                    "tax": _share(order.lines[i].tax, order.lines[i], q),
                }
                for i, q in refund.lines
            ],
            shipping_lines=[{"subtotal": amount} for amount in refund.shipping],
        )


def setup_shop(platform) -> int:
    """Installed, counting shipping and tax (so their refunds matter), with collection 77 at 2x and the
    collections of both products known (no Admin API call at pay time)."""
    platform.install()
    with UnitOfWork(platform.sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        program = program_of(uow.session, shop)
        program.count_shipping = program.count_tax = True
        set_multiplier(uow.session, shop.id, "collection", COLLECTION, Decimal(2))
        remember_collections(uow.session, shop.id, [IN_COLLECTION, OUTSIDE], {IN_COLLECTION: [COLLECTION]}, datetime.now(UTC))
        uow.commit()
        return shop.id


def deliver(platform, deliveries: list[tuple[str, dict]]) -> None:
    for topic, payload in deliveries:
        with UnitOfWork(platform.sessions) as uow:
            HANDLERS[topic](uow.session, platform.shop, payload)
            uow.commit()


def points(platform, shop_id: int, customer_id: int) -> int:
    with UnitOfWork(platform.sessions) as uow:
        member = find_member(uow.session, shop_id, customer_id)
        return ledger.balance(uow.session, shop_id, member.id) if member else 0


def admin_commands(platform, order_id: int) -> list:
    """What the reconciler makes of the order: read (every page) from the fake Admin API, then translated."""
    client = platform.fake.client(platform.shop)
    (node,) = client.execute("Orders", {"first": 1, "query": f"id:{order_id}"})["orders"]["nodes"]
    return translate.admin_order(platform.shop, read_whole(client, node))


def what_counts(commands: list) -> list[tuple]:
    """The order's money as each command carries it (name, email and times are the generators' own)."""
    return [
        (type(c).__name__, c.order_id, c.customer.customer_id if c.customer else None, c.purchase)
        if isinstance(c, PayOrder)
        else (type(c).__name__, c.order_id, c.refund_id, c.refunded)
        for c in commands
    ]


def webhook_commands(platform, deliveries: list[tuple[str, dict]]) -> list:
    made = {"orders/paid": translate.order_paid, "refunds/create": translate.refund_created}
    return [made[topic](platform.shop, payload) for topic, payload in deliveries]


ids = itertools.count(1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(order=orders())
def test_webhooks_and_reconciliation_make_the_same_commands_and_points(platform, order):
    if not getattr(platform, "shop_id", None):
        platform.shop_id = setup_shop(platform)
    n = next(ids)
    by_webhook, by_admin = 100_000 + n * 1000, 500_000 + n * 1000
    ada, grace = ADA + n * 10, GRACE + n * 10

    # The same order's commands agree.
    add_to_fake(platform.fake.state, platform.shop, order, by_admin, ada)
    by_admin_api = admin_commands(platform, by_admin)
    assert what_counts(by_admin_api) == what_counts(webhook_commands(platform, webhook_payloads(order, by_admin, ada)))

    # And so do the points, end to end: webhooks for one customer, reconciliation for another.
    deliver(platform, webhook_payloads(order, by_webhook, grace))
    reconcile_shop(platform.sessions, platform.settings, platform.shop)
    platform.fake.state.shop(platform.shop).orders.clear()  # the next example's run reads its own order only
    assert points(platform, platform.shop_id, ada) == points(platform, platform.shop_id, grace)


# --- each drift the two translations had, pinned on its own ---------------------------------------------------------


def _one_order(platform, order: Order) -> tuple[int, int]:
    """(points by reconciliation, points by webhooks) of the same order."""
    shop_id = setup_shop(platform)
    add_to_fake(platform.fake.state, platform.shop, order, 8001, ADA)
    reconcile_shop(platform.sessions, platform.settings, platform.shop)
    deliver(platform, webhook_payloads(order, 9001, GRACE))
    return points(platform, shop_id, ADA), points(platform, shop_id, GRACE)


def _line(price: str, quantity: int = 1, *, gift_card: bool = False, product_id: int | None = OUTSIDE) -> Line:
    return Line(Decimal(price), quantity, Decimal(0), Decimal(0), gift_card, product_id)


def test_a_gift_card_bought_earns_nothing_when_reconciled(platform):
    order = Order((_line("20.00"), _line("50.00", gift_card=True)), Decimal(0), ())
    assert _one_order(platform, order) == (20, 20)


def test_a_gift_card_refunded_takes_nothing_back_when_reconciled(platform):
    order = Order((_line("20.00"), _line("50.00", 2, gift_card=True)), Decimal(0), (Refund(((1, 1),), ()),))
    assert _one_order(platform, order) == (20, 20)


def test_a_refund_of_shipping_is_honoured_when_reconciled(platform):
    """Shipping earns here (setup_shop counts it), so giving it back takes its points back."""
    order = Order((_line("20.00"),), Decimal("10.00"), (Refund((), (Decimal("10.00"),)),))
    reconciled, delivered = _one_order(platform, order)
    assert reconciled == delivered
    assert reconciled == points_of(platform, Order((_line("20.00"),), Decimal(0), ()))


def points_of(platform, order: Order) -> int:
    """What the webhooks make of an order alone, for a fresh customer."""
    deliver(platform, webhook_payloads(order, 9900, GRACE + 99))
    with UnitOfWork(platform.sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()
    return points(platform, shop_id, GRACE + 99)


def test_a_product_in_a_multiplied_collection_earns_its_multiple_when_reconciled(platform):
    order = Order((_line("10.00", product_id=IN_COLLECTION), _line("10.00")), Decimal(0), ())
    assert _one_order(platform, order) == (30, 30)  # 10 x 2 + 10


def test_a_product_missing_from_the_collections_cache_is_asked_about_when_reconciled(platform):
    """As the webhook does: the order is priced by the miss rule, and a fill job is asked for the product."""
    unknown = 903
    setup_shop(platform)
    add_to_fake(platform.fake.state, platform.shop, Order((_line("10.00", product_id=unknown),), Decimal(0), ()), 8001, ADA)
    reconcile_shop(platform.sessions, platform.settings, platform.shop)
    redis = queue(platform.settings.redis_url, platform.settings.queue_name).connection
    assert redis.exists(collections.asked_key(platform.shop, unknown))


def test_every_line_and_every_refund_is_read_past_the_first_page(platform):
    bought = (*(_line("1.00") for _ in range(13)), _line("100.00"))  # the dear one is the 14th line
    refunds = (*(Refund(((n, 1),), ()) for n in range(4)), Refund(((13, 1),), (Decimal(0),) * 3))
    order = Order(bought, Decimal(0), refunds)
    assert _one_order(platform, order) == (9, 9)  # 13 + 100 bought, 4 + 100 given back
    pages = [r["operation"] for r in platform.fake.state.requests]
    assert "OrderLineItems" in pages and "RefundShippingLines" in pages


def test_a_refund_with_more_lines_than_its_first_page_is_read_whole(platform):
    bought = (*(_line("1.00") for _ in range(13)), _line("100.00"))
    order = Order(bought, Decimal(0), (Refund(tuple((n, 1) for n in range(14)), ()),))
    assert _one_order(platform, order) == (0, 0)
    assert "RefundLineItems" in [r["operation"] for r in platform.fake.state.requests]


def test_a_reconciled_order_is_priced_as_its_late_webhook_would_price_it(platform):
    """The first payment fixes an order's worth for good, so whichever path comes first must price it right:
    reconciled first, the late webhook changes nothing, and the balance is what the webhook alone makes."""
    order = Order((_line("10.00", product_id=IN_COLLECTION), _line("40.00", gift_card=True)), Decimal("5.00"), ())
    shop_id = setup_shop(platform)
    add_to_fake(platform.fake.state, platform.shop, order, 8001, ADA)
    reconcile_shop(platform.sessions, platform.settings, platform.shop)
    deliver(platform, webhook_payloads(order, 8001, ADA))  # the same order, a day late
    assert points(platform, shop_id, ADA) == points_of(platform, copy.deepcopy(order))
