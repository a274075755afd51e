"""Dormant members: "you have N points waiting, enough for X", once per quiet spell, on the merchant's schedule."""

from datetime import UTC, datetime, timedelta

from shopify_app.earn.jobs import run_rules
from shopify_app.ledger import ledger
from shopify_app.notifications.messages import render
from tests.rules_helpers import configure, events, in_shop, member

ADA, GRACE, ALAN = 7012345678901, 7012345678902, 7012345678903


def earn(sessions, shop: str, customer: int, points: int, key: str) -> None:
    in_shop(sessions, shop, lambda s, sh, p: ledger.post(s, member(s, sh, customer), points, kind="action", key=key, reason="Review"))


def nudges(sessions, shop: str) -> list[tuple[int, dict]]:
    return [(event.member_id, event.data) for event in events(sessions, shop, "dormant_nudge")]


def test_a_quiet_member_whose_points_buy_a_reward_is_nudged_once_naming_the_reward(sessions, shop):
    configure(sessions, shop, nudge_after_days=30)
    earn(sessions, shop, ADA, 600, "a1")
    earn(sessions, shop, GRACE, 120, "g1")  # buys nothing yet: left alone
    now = datetime.now(UTC)

    assert run_rules(sessions, now + timedelta(days=29), shop)["nudged"] == 0
    assert run_rules(sessions, now + timedelta(days=31), shop)["nudged"] == 1
    assert run_rules(sessions, now + timedelta(days=32), shop)["nudged"] == 0  # the job again, later: still one
    ((_, data),) = nudges(sessions, shop)
    assert {k: data[k] for k in ("points", "reward")} == {"points": 600, "reward": "5 USD off"}


def test_a_member_who_comes_back_and_goes_quiet_again_is_nudged_again(sessions, shop):
    configure(sessions, shop, nudge_after_days=30)
    earn(sessions, shop, ADA, 600, "a1")
    now = datetime.now(UTC)
    run_rules(sessions, now + timedelta(days=31), shop)
    earn(sessions, shop, ADA, 10, "a2")  # back: a new spell starts at this entry
    run_rules(sessions, now + timedelta(days=31), shop)
    assert len(nudges(sessions, shop)) == 2
    run_rules(sessions, now + timedelta(days=90), shop)
    assert len(nudges(sessions, shop)) == 2


def test_no_nudges_unless_the_merchant_sets_a_period(sessions, shop):
    earn(sessions, shop, ALAN, 900, "x1")
    assert run_rules(sessions, datetime.now(UTC) + timedelta(days=400), shop)["nudged"] == 0


def test_the_nudge_reads_in_the_shoppers_language():
    values = {"shop": "Perks Demo", "name": "Ada", "points": 600, "reward": "5 EUR de réduction"}
    subject, body = render("dormant_nudge", "fr-CA", values)
    assert subject == "Des points vous attendent chez Perks Demo"
    assert "Avec 600 points, vous pouvez obtenir 5 EUR de réduction." in body


def test_tier_and_referral_news_have_their_own_words():
    assert (
        render("tier_changed", "de", {"shop": "Perks Demo", "tier": "Gold", "name": "Ada", "balance": 900})[0]
        == "Sie sind jetzt Gold bei Perks Demo"
    )
    subject, body = render("referral_credited", "en", {"shop": "Perks Demo", "points": 500, "name": "Ada", "balance": 900})
    assert subject == "Your friend's order earned you 500 points at Perks Demo" and "you earned 500 points" in body
