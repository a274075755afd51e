"""Whatever order Shopify delivers paid, refunded and cancelled orders in, and however
often, every balance ends where a plain recomputation from the facts says it must,
with some lines on a multiplied product (a refund takes back at its line's rate)."""

import uuid
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.multipliers import set_multiplier
from shopify_app.ledger import ledger
from shopify_app.ledger.members import find_member
from shopify_app.shop.shops import add_shop
from webhooks.handlers import HANDLERS

CUSTOMERS = (101, 202)
PLAIN, BOOSTED = 9012345678901, 9012345678902  # products
MULTIPLIER = {PLAIN: Decimal(1), BOOSTED: Decimal("1.5")}

line = st.tuples(
    st.decimals(min_value=Decimal("0.50"), max_value=Decimal("120.00"), places=2),
    st.integers(min_value=1, max_value=3),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("0.50"), places=2),  # share of the line discounted
    st.sampled_from(list(MULTIPLIER)),
)


@st.composite
def orders(draw):
    customer = draw(st.sampled_from(CUSTOMERS))
    lines = [
        (price, qty, (price * qty * share).quantize(Decimal("0.01")), product)
        for price, qty, share, product in draw(st.lists(line, min_size=1, max_size=3))
    ]
    refunds = draw(st.lists(st.tuples(st.integers(0, len(lines) - 1), st.integers(1, 3)), max_size=2))
    return {
        "customer": customer,
        "lines": lines,
        "paid": draw(st.booleans()),
        "refunds": [(index, min(qty, lines[index][1])) for index, qty in refunds],
        "cancelled": draw(st.booleans()),
    }


def deliveries(order_id: int, order: dict) -> list[tuple[str, dict]]:
    events = [("orders/paid", paid(order_id, order))] if order["paid"] else []
    for n, (index, qty) in enumerate(order["refunds"]):
        price = order["lines"][index][0]
        body = shopify.refund(order_id * 10 + n, order_id, lines=[(price, qty, refunded(order["lines"][index], qty), index)])
        events.append(("refunds/create", body))
    if order["cancelled"]:
        events.append(("orders/cancelled", shopify.order_cancelled(order_id, order["customer"])))
    return events


def paid(order_id: int, order: dict) -> dict:
    body = shopify.order_paid(order_id, order["customer"], lines=[line[:3] for line in order["lines"]])
    for item, (*_, product) in zip(body["line_items"], order["lines"], strict=True):
        item["product_id"] = product
    return body


def refunded(line: tuple, qty: int) -> Decimal:
    """What Shopify refunds for qty of a line: its price less its share of the line's discount, to the cent."""
    price, line_qty, discount, _ = line
    return (price * qty - discount * qty / line_qty).quantize(Decimal("0.01"))


def expected_balances(all_orders: list[dict]) -> dict[int, int]:
    """The recomputation: 1 point per whole unit paid after discounts, each line at its product's multiplier;
    refunds take back their lines' share of that weighted amount (half up); all back on cancel."""
    balances = dict.fromkeys(CUSTOMERS, 0)
    for order in filter(lambda order: order["paid"], all_orders):
        eligible = sum(((price * qty - discount) * MULTIPLIER[product] for price, qty, discount, product in order["lines"]), Decimal(0))
        earned = int(eligible.quantize(Decimal(1), rounding=ROUND_FLOOR))
        refunded_amount = sum(
            (refunded(order["lines"][i], q) * MULTIPLIER[order["lines"][i][3]] for i, q in order["refunds"]),
            Decimal(0),
        )
        if order["cancelled"]:
            taken = earned
        elif eligible > 0 and refunded_amount > 0:
            share = min(refunded_amount / eligible, Decimal(1))
            taken = min(earned, int((earned * share).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        else:
            taken = 0
        balances[order["customer"]] += earned - taken
    return balances


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(all_orders=st.lists(orders(), min_size=1, max_size=5), data=st.data())
def test_any_interleaving_with_duplicates_ends_at_the_recomputed_balance(sessions, all_orders, data):
    domain = f"p{uuid.uuid4().hex[:12]}.myshopify.com"
    with UnitOfWork(sessions) as uow:
        shop_id = add_shop(uow.session, domain).id
        set_multiplier(uow.session, shop_id, "product", BOOSTED, MULTIPLIER[BOOSTED])
        uow.commit()

    events = [event for n, order in enumerate(all_orders) for event in deliveries(9000 + n, order)]
    repeated = data.draw(st.lists(st.sampled_from(events), max_size=len(events)), label="duplicates") if events else []
    for topic, payload in data.draw(st.permutations(events + repeated), label="delivery order"):
        with UnitOfWork(sessions) as uow:
            HANDLERS[topic](uow.session, domain, payload)
            uow.commit()

    with UnitOfWork(sessions) as uow:
        actual = {}
        for customer in CUSTOMERS:
            member = find_member(uow.session, shop_id, customer)
            actual[customer] = ledger.balance(uow.session, shop_id, member.id) if member else 0
            if member:
                assert member.points_balance == actual[customer]
    assert actual == expected_balances(all_orders)
