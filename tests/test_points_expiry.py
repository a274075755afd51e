"""Points expiry: a member idle past the period loses exactly the unspent points, once, after one reminder.

The job takes `now`, so the tests run it at fixed instants days ahead of
the purchases they make now, rather than moving the machine's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shopify_app.earn.jobs import run_rules
from shopify_app.ledger import expiry, ledger
from shopify_app.ledger.commands import CustomerProfile, PayOrder, Purchase, PurchaseLine
from shopify_app.ledger.orders import pay_order
from tests.rules_helpers import configure, events, in_shop, keys, member, points

ADA = 7012345678901
DAY = timedelta(days=1)


def buy(sessions, shop, order_id: int, amount: str = "100.00") -> datetime:
    """A paid order now; returns when (the ledger entry's own time is what the clock runs from)."""
    cmd = PayOrder(shop, order_id, f"#{order_id}", CustomerProfile(ADA), Purchase(lines=(PurchaseLine(Decimal(amount), 1),)))
    in_shop(sessions, shop, lambda s, sh, p: pay_order(s, cmd))
    return datetime.now(UTC)


def redeem(sessions, shop, spent: int, key: str) -> None:
    in_shop(sessions, shop, lambda s, sh, p: ledger.post(s, member(s, sh, ADA), -spent, kind="redeem", key=key, reason="Reward"))


def run(sessions, shop, at: datetime) -> expiry.Run:
    return in_shop(sessions, shop, lambda s, sh, p: expiry.run(s, sh, at))


def test_an_idle_member_loses_the_unspent_points_once_after_one_reminder_with_the_job_run_twice_and_late(sessions, shop):
    configure(sessions, shop, expire_after_days=365, expiry_reminder_days=14)
    buy(sessions, shop, 6001)
    redeem(sessions, shop, 30, "redeem:test:1")  # a redemption: 70 unspent, and the clock restarts
    start = datetime.now(UTC)
    assert run(sessions, shop, start + 350 * DAY - DAY).reminded == 0  # not yet
    assert run(sessions, shop, start + 351 * DAY).reminded == 1
    assert run(sessions, shop, start + 351 * DAY).reminded == 0  # the job twice
    assert run(sessions, shop, start + 360 * DAY).expired == 0
    late = run(sessions, shop, start + 366 * DAY)  # a day late
    assert (late.expired, late.points) == (1, 70)
    assert run(sessions, shop, start + 366 * DAY).expired == 0
    assert run(sessions, shop, start + 800 * DAY).expired == 0
    assert points(sessions, shop, ADA) == 0
    assert [p for k, p in keys(sessions, shop) if k.startswith("expire:")] == [-70]
    assert [e.kind for e in events(sessions, shop) if e.kind.startswith("points_exp")] == ["points_expiring", "points_expired"]
    assert events(sessions, shop, "points_expiring")[0].data["points"] == 70


def test_a_purchase_restarts_the_clock(sessions, shop):
    configure(sessions, shop, expire_after_days=30, expiry_reminder_days=0)
    first = buy(sessions, shop, 6002)
    buy(sessions, shop, 6003)
    second = datetime.now(UTC)
    assert run(sessions, shop, first + 30 * DAY - timedelta(seconds=1)).expired == 0
    # 30 days after the first order, the second (made just after) keeps the points alive...
    assert run(sessions, shop, second + 30 * DAY - timedelta(seconds=1)).expired == 0
    # ...until 30 days after the second.
    assert run(sessions, shop, second + 30 * DAY + timedelta(seconds=1)).points == 200
    assert points(sessions, shop, ADA) == 0


def test_a_job_that_missed_the_reminder_reminds_first_and_expires_only_after_the_full_notice(sessions, shop):
    configure(sessions, shop, expire_after_days=90, expiry_reminder_days=7)
    start = buy(sessions, shop, 6004)
    down_until = start + 100 * DAY  # the job did not run for weeks
    first = run(sessions, shop, down_until)
    assert (first.reminded, first.expired) == (1, 0)
    assert run(sessions, shop, down_until + 6 * DAY).expired == 0
    assert run(sessions, shop, down_until + 7 * DAY + DAY).points == 100
    assert points(sessions, shop, ADA) == 0


def test_points_never_expire_unless_the_program_says_so(sessions, shop):
    start = buy(sessions, shop, 6005)
    assert run(sessions, shop, start + 5000 * DAY) == expiry.Run()
    assert points(sessions, shop, ADA) == 100


def test_points_earned_after_an_expiry_get_a_period_of_their_own(sessions, shop):
    configure(sessions, shop, expire_after_days=30, expiry_reminder_days=0)
    start = buy(sessions, shop, 6006)
    assert run(sessions, shop, start + 31 * DAY).points == 100
    expired_at = datetime.now(UTC)  # the expiry entry's own time
    in_shop(sessions, shop, lambda s, sh, p: ledger.post(s, member(s, sh, ADA), 40, kind="action", key="action:test", reason="Review"))
    assert run(sessions, shop, expired_at + 29 * DAY).points == 0
    assert run(sessions, shop, expired_at + 31 * DAY).points == 40
    assert points(sessions, shop, ADA) == 0


def test_the_scheduled_job_runs_every_shop_and_is_safe_twice(sessions, shop):
    configure(sessions, shop, expire_after_days=10, expiry_reminder_days=0)
    start = buy(sessions, shop, 6008)
    totals = run_rules(sessions, start + 11 * DAY, shop)
    assert (totals["expired"], totals["points_expired"]) == (1, 100)
    assert run_rules(sessions, start + 11 * DAY, shop)["expired"] == 0
