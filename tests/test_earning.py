"""The purchase rule, as pure arithmetic."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from shopify_app.ledger.commands import Purchase, PurchaseLine
from shopify_app.ledger.earning import eligible_amount, points_for, points_to_take_back


def rule(**overrides):
    defaults = dict(
        points_per_unit=Decimal(1), rounding="down", minimum_order=Decimal(0), count_shipping=False, count_tax=False, count_discounts=False
    )
    return SimpleNamespace(**(defaults | overrides))


ORDER = Purchase(
    lines=(
        PurchaseLine(Decimal("30.00"), 2, discount=Decimal("6.00"), tax=Decimal("4.32")),
        PurchaseLine(Decimal("40.00"), 1, discount=Decimal("4.00"), tax=Decimal("2.88")),
    ),
    shipping=Decimal("7.00"),
    tax=Decimal("7.20"),
)


def test_the_default_rule_counts_line_items_after_discounts_without_shipping_and_tax():
    assert eligible_amount(ORDER, rule()) == Decimal("90.00")


def test_shipping_tax_and_discounts_count_only_when_the_program_says_so():
    assert eligible_amount(ORDER, rule(count_shipping=True)) == Decimal("97.00")
    assert eligible_amount(ORDER, rule(count_tax=True)) == Decimal("97.20")
    assert eligible_amount(ORDER, rule(count_discounts=True)) == Decimal("100.00")


def test_tax_inside_prices_is_taken_out_unless_tax_counts():
    inclusive = Purchase(lines=(PurchaseLine(Decimal("24.00"), 1, tax=Decimal("4.00")),), tax=Decimal("4.00"), taxes_included=True)
    assert eligible_amount(inclusive, rule()) == Decimal("20.00")
    assert eligible_amount(inclusive, rule(count_tax=True)) == Decimal("24.00")


@pytest.mark.parametrize(
    ("rounding", "amount", "points"),
    [("down", "12.99", 12), ("nearest", "12.49", 12), ("nearest", "12.50", 13), ("up", "12.01", 13), ("up", "12.00", 12)],
)
def test_points_are_whole_and_rounded_by_the_programs_rule(rounding, amount, points):
    assert points_for(Decimal(amount), rule(rounding=rounding)) == points


def test_the_rate_scales_points_and_an_order_under_the_minimum_earns_nothing():
    assert points_for(Decimal("90.00"), rule(points_per_unit=Decimal("2.5"))) == 225
    assert points_for(Decimal("19.99"), rule(minimum_order=Decimal("20"))) == 0
    assert points_for(Decimal("20.00"), rule(minimum_order=Decimal("20"))) == 20


def test_refunds_take_back_points_in_proportion_and_never_more_than_earned():
    assert points_to_take_back(90, Decimal(90), Decimal(27), cancelled=False) == 27
    assert points_to_take_back(45, Decimal(90), Decimal(27), cancelled=False) == 14  # 13.5 rounds half up
    assert points_to_take_back(90, Decimal(90), Decimal(500), cancelled=False) == 90


def test_a_cancellation_takes_back_everything_the_order_earned():
    assert points_to_take_back(90, Decimal(90), Decimal(27), cancelled=True) == 90
