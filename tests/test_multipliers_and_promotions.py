"""Product and collection multipliers and time-boxed promotions: the documented order of
multiplication and rounding, and promotions that end exactly at their end in the shop's zone."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shopify_app.loyalty import actions, orders, promotions
from shopify_app.loyalty.commands import CustomerProfile, PayOrder, PerformAction, Purchase, PurchaseLine
from shopify_app.loyalty.earning import purchase_points
from shopify_app.loyalty.multipliers import set_multiplier
from shopify_app.models import Program
from shopify_app.shopify.collections import lookup
from tests.fixtures import shopify_webhooks as shopify
from tests.rules_helpers import configure, in_shop, local, points

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


def pay(sessions, shop, order_id, *lines, placed_at, collections=None) -> int:
    cmd = PayOrder(shop, order_id, f"#{order_id}", CustomerProfile(ADA), purchase(*lines), placed_at=placed_at)
    return in_shop(sessions, shop, lambda s, sh, p: orders.pay_order(s, cmd, now=placed_at, collections=collections))


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
    lines = (("40.00", 1, "0", HOODIE), ("15.00", 2, "5.00", MUG), ("9.99", 1, "0", SOCKS))
    # (40 x 3 + (30 - 5) x 2 + 9.99) x 1 point x 2 = 359.98, rounded down: 359
    assert pay(sessions, shop, 5001, *lines, placed_at=local(NY, "2026-11-29T12:00"), collections=lookup(client)) == 359
    asked = len(fake_admin.state.requests)
    # Outside the promotion (it ended at midnight), and the collections now come from the cache.
    assert pay(sessions, shop, 5002, *lines, placed_at=local(NY, "2026-11-30T00:00"), collections=lookup(client)) == 179
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
