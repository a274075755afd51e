"""Product and collection multipliers and time-boxed promotions: the documented order of
multiplication and rounding, promotions that end exactly at their end in the shop's zone, and
refunds of multiplied lines that take back what those lines earned."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, update

from perks_dev import shopify_payloads as shopify
from shopify_app.earn import actions, promotions
from shopify_app.earn.models import Program
from shopify_app.earn.multipliers import set_multiplier
from shopify_app.ledger import orders
from shopify_app.ledger.commands import CustomerProfile, PayOrder, PerformAction, Purchase, PurchaseLine
from shopify_app.ledger.earning import purchase_points
from shopify_app.ledger.models import Order, OrderLine
from shopify_app.shopify.collections import fill, lookup
from tests.rules_helpers import configure, in_shop, keys, local, points

ADA = 7012345678901
NY = "America/New_York"
HOODIE, MUG, SOCKS = 9001, 9002, 9003  # products
GIFTS = 7001  # a collection


def program(**settings) -> Program:
    return Program(**{"points_per_unit": Decimal(1), "rounding": "down", "minimum_order": Decimal(0), "count_shipping": False,
                      "count_tax": False, "count_discounts": False, **settings})  # fmt: skip


def purchase(*lines: tuple[str, int, str, int | None], shipping: str = "0") -> Purchase:
    return Purchase(
        lines=tuple(PurchaseLine(Decimal(p), q, Decimal(d), product_id=pid) for p, q, d, pid in lines), shipping=Decimal(shipping)
    )


def test_the_docstring_example_gives_its_number():
    mixed = purchase(("10.00", 1, "0", HOODIE), ("20.00", 1, "0", MUG))
    multiplier = {HOODIE: Decimal(1), MUG: Decimal(3)}
    assert purchase_points(mixed, program(), line_multiplier=lambda line: multiplier[line.product_id], promotion=Decimal(2)) == 140


def test_lines_are_multiplied_then_summed_then_rounded_once_at_the_end():
    # 3.30 x 1.5 = 4.95 and 3.30 x 1 = 3.30: rounding each line down would give 4 + 3 = 7;
    # the sum 8.25, times a 1.5x promotion, is 12.375, rounded once: 12 down, 12 nearest, 13 up.
    mixed = purchase(("3.30", 1, "0", HOODIE), ("3.30", 1, "0", MUG))
    multiplier = {HOODIE: Decimal("1.5"), MUG: Decimal(1)}
    by_rounding = {
        rounding: purchase_points(
            mixed, program(rounding=rounding), line_multiplier=lambda line: multiplier[line.product_id], promotion=Decimal("1.5")
        )
        for rounding in ("down", "nearest", "up")
    }
    assert by_rounding == {"down": 12, "nearest": 12, "up": 13}


def test_discounts_come_off_before_a_line_is_multiplied_and_shipping_is_never_multiplied():
    order = purchase(("50.00", 2, "20.00", HOODIE), ("5.00", 1, "0", SOCKS), shipping="10.00")
    multiplier = {HOODIE: Decimal(2), SOCKS: Decimal(1)}
    # (100 - 20) x 2 + 5 + 10 shipping = 175
    assert purchase_points(order, program(count_shipping=True), line_multiplier=lambda line: multiplier[line.product_id]) == 175


def test_the_minimum_order_is_judged_before_multipliers():
    small = purchase(("10.00", 1, "0", HOODIE))
    assert purchase_points(small, program(minimum_order=Decimal(20)), line_multiplier=lambda line: Decimal(5)) == 0


def pay(sessions, shop, order_id, *lines, placed_at) -> int:
    cmd = PayOrder(shop, order_id, f"#{order_id}", CustomerProfile(ADA), purchase(*lines), placed_at=placed_at)
    return in_shop(sessions, shop, lambda s, sh, p: orders.pay_order(s, cmd, now=placed_at).points_earned)


def test_an_order_with_mixed_lines_under_a_promotion_earns_the_documented_number(sessions, shop, fake_admin):
    """Hoodie: product 3x; mug: in a 2x collection; socks: nothing. Weekend promotion 2x."""
    configure(sessions, shop, timezone=NY)
    fake_admin.state.add_product(shop, id=MUG, collections=[{"id": GIFTS, "title": "Gifts"}])
    fake_admin.state.add_product(shop, id=HOODIE)
    fake_admin.state.add_product(shop, id=SOCKS)
    client = fake_admin.client(shop)

    def setup(session, sh, p):
        set_multiplier(session, sh.id, "product", HOODIE, Decimal(3))
        set_multiplier(session, sh.id, "collection", GIFTS, Decimal(2))
        promotions.add_promotion(
            session, sh, name="Double weekend", multiplier=Decimal(2),
            starts_local=datetime(2026, 11, 27), ends_local=datetime(2026, 11, 30),
        )  # fmt: skip

    in_shop(sessions, shop, setup)
    # The collections come from the cache, filled outside the order's transaction (test_collections_cache.py).
    fill(sessions, shop, [HOODIE, MUG, SOCKS], lookup(client), now=local(NY, "2026-11-29T11:00"))
    asked = len(fake_admin.state.requests)
    lines = (("40.00", 1, "0", HOODIE), ("15.00", 2, "5.00", MUG), ("9.99", 1, "0", SOCKS))
    # (40 x 3 + (30 - 5) x 2 + 9.99) x 1 point x 2 = 359.98, rounded down: 359
    assert pay(sessions, shop, 5001, *lines, placed_at=local(NY, "2026-11-29T12:00")) == 359
    # Outside the promotion (it ended at midnight).
    assert pay(sessions, shop, 5002, *lines, placed_at=local(NY, "2026-11-30T00:00")) == 179
    assert len(fake_admin.state.requests) == asked
    assert points(sessions, shop, ADA) == 359 + 179


def promo(sessions, shop, starts, ends, multiplier="2", purchases=True, actions_=()):
    in_shop(
        sessions,
        shop,
        lambda s, sh, p: promotions.add_promotion(
            s, sh, name="promo", multiplier=Decimal(multiplier), starts_local=starts, ends_local=ends, purchases=purchases, actions=actions_
        ),
    )


def boost(sessions, shop, at, **which) -> Decimal:
    return in_shop(sessions, shop, lambda s, sh, p: promotions.multiplier(s, sh, at, **which))


def test_a_promotion_ends_exactly_at_its_end_when_daylight_saving_time_ends_during_it(sessions, shop):
    configure(sessions, shop, timezone=NY)
    # New York leaves daylight saving time at 02:00 on Sunday 1 November 2026: the start is at
    # UTC-4, the end at UTC-5. Reading the end with the start's offset would end it an hour early.
    promo(sessions, shop, datetime(2026, 10, 31, 0, 0), datetime(2026, 11, 2, 0, 0))
    assert boost(sessions, shop, datetime.fromisoformat("2026-10-31T03:59:59+00:00"), purchases=True) == 1
    assert boost(sessions, shop, datetime.fromisoformat("2026-10-31T04:00:00+00:00"), purchases=True) == 2
    assert boost(sessions, shop, datetime.fromisoformat("2026-11-02T04:30:00+00:00"), purchases=True) == 2  # 23:30 EST
    assert boost(sessions, shop, datetime.fromisoformat("2026-11-02T04:59:59.999999+00:00"), purchases=True) == 2
    assert boost(sessions, shop, datetime.fromisoformat("2026-11-02T05:00:00+00:00"), purchases=True) == 1


def test_a_promotion_ends_exactly_at_its_end_when_daylight_saving_time_starts_during_it(sessions, shop):
    configure(sessions, shop, timezone=NY)
    # 8 March 2026, 02:00 EST becomes 03:00 EDT: a weekend promotion ends at Monday 00:00 EDT = 04:00 UTC.
    promo(sessions, shop, datetime(2026, 3, 7, 0, 0), datetime(2026, 3, 9, 0, 0), multiplier="1.5")
    assert boost(sessions, shop, datetime.fromisoformat("2026-03-07T05:00:00+00:00"), purchases=True) == Decimal("1.5")
    assert boost(sessions, shop, datetime.fromisoformat("2026-03-09T03:59:59+00:00"), purchases=True) == Decimal("1.5")
    assert boost(sessions, shop, datetime.fromisoformat("2026-03-09T04:00:00+00:00"), purchases=True) == 1


def test_overlapping_promotions_do_not_compound_and_named_actions_are_multiplied_only_when_named(sessions, shop):
    promo(sessions, shop, datetime(2026, 11, 1), datetime(2026, 12, 1), multiplier="2")
    promo(sessions, shop, datetime(2026, 11, 20), datetime(2026, 11, 25), multiplier="3", purchases=False, actions_=("review",))
    at = local("UTC", "2026-11-23T12:00")
    assert boost(sessions, shop, at, purchases=True) == 2
    assert boost(sessions, shop, at, action="review") == 3
    assert boost(sessions, shop, at, action="survey") == 1
    in_shop(sessions, shop, lambda s, sh, p: actions.set_rule(s, sh, "review", points=50, limit_count=5))
    in_shop(sessions, shop, lambda s, sh, p: actions.set_rule(s, sh, "survey", points=20))
    review = PerformAction(shop, ADA, "review", ref="1")
    survey = PerformAction(shop, ADA, "survey", ref="nps")
    assert in_shop(sessions, shop, lambda s, sh, p: actions.perform(s, review, now=at)) == actions.Outcome("awarded", 150)
    assert in_shop(sessions, shop, lambda s, sh, p: actions.perform(s, survey, now=at)) == actions.Outcome("awarded", 20)


def test_a_late_orders_paid_delivery_earns_by_when_the_order_was_placed(webhooks, sessions, shop, balance):
    """Through the pipeline: the promotion is judged at the order's processed_at, and lines carry their product."""
    configure(sessions, shop, timezone=NY)
    promo(sessions, shop, datetime(2026, 11, 20), datetime(2026, 11, 21))
    in_shop(sessions, shop, lambda s, sh, p: set_multiplier(s, sh.id, "product", 9012345678901, Decimal(3)))
    order = shopify.order_paid(5101, ADA, lines=(("10.00", 1, 0), ("5.00", 1, 0)))
    order["line_items"][0]["product_id"] = 9012345678901
    order["line_items"][1]["product_id"] = 9012345678902
    order["processed_at"] = "2026-11-20T23:30:00-05:00"  # inside the promotion; delivered days later
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"
    assert balance(ADA) == (10 * 3 + 5) * 2


# --- refunds of multiplied lines: buying and refunding farms nothing ------------------


TRIPLED, PLAIN = 9012345678901, 9012345678902  # products: 3x and none


def mixed_order(sessions, shop, order_id: int, tripled_quantity: int = 1) -> dict:
    """An orders/paid body: 10.00 each of a 3x product (line 0) and of a plain one (line 1)."""
    in_shop(sessions, shop, lambda s, sh, p: set_multiplier(s, sh.id, "product", TRIPLED, Decimal(3)))
    order = shopify.order_paid(order_id, ADA, lines=(("10.00", tripled_quantity, 0), ("10.00", 1, 0)))
    order["line_items"][0]["product_id"] = TRIPLED
    order["line_items"][1]["product_id"] = PLAIN
    return order


def refund_of(refund_id: int, order_id: int, line: int, quantity: int = 1) -> dict:
    """A refunds/create body giving back `quantity` of the order's line `line` (10.00 each)."""
    return shopify.refund(refund_id, order_id, lines=[(Decimal("10.00"), quantity, Decimal("10.00") * quantity, line)])


def deliver(webhooks, topic: str, body: dict) -> None:
    assert webhooks.processed(webhooks.send(topic, body)) == "done"


def test_refunding_the_multiplied_line_takes_back_what_it_earned_then_the_plain_line_the_rest(webhooks, sessions, shop, balance):
    deliver(webhooks, "orders/paid", mixed_order(sessions, shop, 6001))
    assert balance(ADA) == 10 * 3 + 10
    deliver(webhooks, "refunds/create", refund_of(6101, 6001, line=0))
    assert balance(ADA) == 10  # all 30 of the 3x line, not half of 40 by money
    deliver(webhooks, "refunds/create", refund_of(6102, 6001, line=1))
    assert balance(ADA) == 0


def test_refunding_the_plain_line_first_takes_back_only_its_own_points(webhooks, sessions, shop, balance):
    deliver(webhooks, "orders/paid", mixed_order(sessions, shop, 6002))
    deliver(webhooks, "refunds/create", refund_of(6103, 6002, line=1))
    assert balance(ADA) == 30
    deliver(webhooks, "refunds/create", refund_of(6104, 6002, line=0))
    assert balance(ADA) == 0


def test_a_multiplied_line_refunded_a_unit_at_a_time_takes_back_its_rate_each_time(webhooks, sessions, shop, balance):
    deliver(webhooks, "orders/paid", mixed_order(sessions, shop, 6003, tripled_quantity=2))
    assert balance(ADA) == 2 * 10 * 3 + 10
    deliver(webhooks, "refunds/create", refund_of(6105, 6003, line=0))
    assert balance(ADA) == 40
    deliver(webhooks, "refunds/create", refund_of(6106, 6003, line=0))
    assert balance(ADA) == 10
    deliver(webhooks, "refunds/create", refund_of(6107, 6003, line=1))
    assert balance(ADA) == 0


def test_a_refund_of_the_multiplied_line_before_its_order_settles_at_the_lines_rate(webhooks, sessions, shop, balance):
    order, refund = mixed_order(sessions, shop, 6004), refund_of(6108, 6004, line=0)
    deliver(webhooks, "refunds/create", refund)
    assert balance(ADA) == 0
    deliver(webhooks, "orders/paid", order)
    assert balance(ADA) == 40 - 30
    deliver(webhooks, "refunds/create", refund)
    assert balance(ADA) == 10


def test_the_same_refund_delivered_twice_takes_back_once(webhooks, sessions, shop, balance):
    deliver(webhooks, "orders/paid", mixed_order(sessions, shop, 6005))
    refund = refund_of(6109, 6005, line=0)
    deliver(webhooks, "refunds/create", refund)
    deliver(webhooks, "refunds/create", refund)
    assert balance(ADA) == 10
    assert keys(sessions, shop, ADA) == [("order:6005:earn", 40), ("refund:6109:reverse", -30)]


def test_a_promotion_applies_to_the_whole_order_so_it_comes_back_in_the_same_proportion(webhooks, sessions, shop, balance):
    promo(sessions, shop, datetime(2026, 11, 20), datetime(2026, 11, 21))
    order = mixed_order(sessions, shop, 6006)
    order["processed_at"] = "2026-11-20T12:00:00+00:00"
    deliver(webhooks, "orders/paid", order)
    assert balance(ADA) == (10 * 3 + 10) * 2
    deliver(webhooks, "refunds/create", refund_of(6110, 6006, line=0))
    assert balance(ADA) == 10 * 2


def test_rounding_never_takes_back_more_than_was_earned_and_a_cancellation_the_exact_rest(webhooks, sessions, shop, balance):
    """1.5x and 1x lines of 3.33: 3.33 x 1.5 + 3.33 = 8.325 points, 8 rounded down. The 1.5x line is
    4.995 of the 8.325: 8 x 0.6 = 4.8, 5 back, half up; then the cancellation takes the other 3."""
    in_shop(sessions, shop, lambda s, sh, p: set_multiplier(s, sh.id, "product", TRIPLED, Decimal("1.5")))
    order = shopify.order_paid(6007, ADA, lines=(("3.33", 1, 0), ("3.33", 1, 0)))
    order["line_items"][0]["product_id"], order["line_items"][1]["product_id"] = TRIPLED, PLAIN
    deliver(webhooks, "orders/paid", order)
    assert balance(ADA) == 8
    deliver(webhooks, "refunds/create", shopify.refund(6111, 6007, lines=[(Decimal("3.33"), 1, Decimal("3.33"), 0)]))
    assert balance(ADA) == 3
    deliver(webhooks, "orders/cancelled", shopify.order_cancelled(6007, ADA))
    assert balance(ADA) == 0


def test_an_order_paid_before_line_multipliers_were_kept_is_taken_back_by_money(webhooks, sessions, shop, balance):
    """Orders paid before schema 0009 have no weighted amount and no line multipliers: the money proportion, as then."""
    deliver(webhooks, "orders/paid", mixed_order(sessions, shop, 6008))

    def as_before_0009(session, sh, program):
        session.execute(update(Order).where(Order.shop_id == sh.id, Order.order_id == 6008).values(weighted_amount=None))
        session.execute(delete(OrderLine).where(OrderLine.shop_id == sh.id, OrderLine.order_id == 6008))

    in_shop(sessions, shop, as_before_0009)
    deliver(webhooks, "refunds/create", refund_of(6112, 6008, line=0))
    assert balance(ADA) == 40 - 20
    deliver(webhooks, "refunds/create", refund_of(6113, 6008, line=1))
    assert balance(ADA) == 0
