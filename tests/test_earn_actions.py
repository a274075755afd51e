"""Earn actions besides purchase: each rule's points and its limit, and the attempts to farm it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from perks_dev import shopify_payloads as shopify
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn import actions, profile
from shopify_app.ledger.commands import GiveBirthday, PerformAction
from tests.rules_helpers import configure, events, in_shop, keys, local, member, points

ADA = 7012345678901
NY = "America/New_York"
NOON = local(NY, "2026-11-23T12:00")


def rule(sessions, shop, action, points_, **limit):
    in_shop(sessions, shop, lambda s, sh, p: actions.set_rule(s, sh, action, points=points_, **limit))


def do(sessions, shop, action, now=NOON, customer=ADA, **occurrence) -> actions.Outcome:
    cmd = PerformAction(shop_domain=shop, customer_id=customer, action=action, **occurrence)
    return in_shop(sessions, shop, lambda s, sh, p: actions.perform(s, cmd, now=now))


def test_a_review_pays_once_per_product_and_no_more_than_the_daily_limit(sessions, shop):
    configure(sessions, shop, timezone=NY)
    rule(sessions, shop, "review", 50, limit_count=2, limit_period="day")
    assert do(sessions, shop, "review", ref="111") == actions.Outcome("awarded", 50)
    assert do(sessions, shop, "review", ref="111") == actions.Outcome("repeat")  # the same review twice
    assert do(sessions, shop, "review", ref="222") == actions.Outcome("awarded", 50)
    assert do(sessions, shop, "review", ref="333") == actions.Outcome("limit")  # a third today
    # The day is the shop's: 23:59 in New York is still the 23rd, 00:00 is the 24th.
    assert do(sessions, shop, "review", ref="444", now=local(NY, "2026-11-23T23:59")) == actions.Outcome("limit")
    assert do(sessions, shop, "review", ref="444", now=local(NY, "2026-11-24T00:00")) == actions.Outcome("awarded", 50)
    # A review refused for the limit was never paid: reported again when the limit allows, it pays once.
    assert do(sessions, shop, "review", ref="333", now=local(NY, "2026-11-24T09:00")) == actions.Outcome("awarded", 50)
    assert do(sessions, shop, "review", ref="333", now=local(NY, "2026-11-25T09:00")) == actions.Outcome("repeat")
    assert points(sessions, shop, ADA) == 200
    assert [k for k, _ in keys(sessions, shop)] == [
        f"action:review:{ADA}:2026-11-23:1",
        f"action:review:{ADA}:2026-11-23:2",
        f"action:review:{ADA}:2026-11-24:1",
        f"action:review:{ADA}:2026-11-24:2",
    ]


def test_an_action_without_a_rule_switched_on_pays_nothing(sessions, shop):
    assert do(sessions, shop, "survey", ref="nps-2026") == actions.Outcome("off")
    rule(sessions, shop, "survey", 20)
    in_shop(sessions, shop, lambda s, sh, p: actions.set_rule(s, sh, "survey", points=20, enabled=False))
    assert do(sessions, shop, "survey", ref="nps-2026") == actions.Outcome("off")
    assert points(sessions, shop, ADA) == 0


def test_a_survey_pays_once_per_survey_within_a_monthly_limit(sessions, shop):
    rule(sessions, shop, "survey", 20, limit_count=1, limit_period="month")
    assert do(sessions, shop, "survey", ref="nps").status == "awarded"
    assert do(sessions, shop, "survey", ref="nps", now=NOON + timedelta(days=40)).status == "repeat"
    assert do(sessions, shop, "survey", ref="fit").status == "limit"
    assert do(sessions, shop, "survey", ref="fit", now=NOON + timedelta(days=40)).status == "awarded"
    assert do(sessions, shop, "survey", ref="fit", now=NOON + timedelta(days=80)).status == "repeat"
    assert points(sessions, shop, ADA) == 40


def test_following_and_sharing_pay_once_per_network(sessions, shop):
    rule(sessions, shop, "social_follow", 10, limit_count=5)
    rule(sessions, shop, "social_share", 5, limit_count=5)
    assert do(sessions, shop, "social_follow", ref="instagram").status == "awarded"
    assert do(sessions, shop, "social_follow", ref="instagram").status == "repeat"
    assert do(sessions, shop, "social_follow", ref="tiktok").status == "awarded"
    assert do(sessions, shop, "social_share", ref="instagram").status == "awarded"
    assert do(sessions, shop, "social_share", ref="instagram", now=NOON + timedelta(days=400)).status == "repeat"
    assert points(sessions, shop, ADA) == 25


def test_a_custom_action_pays_once_per_action_id_up_to_its_limit(sessions, shop):
    rule(sessions, shop, "custom", 100, handle="workshop", limit_count=2, limit_period="year")
    assert do(sessions, shop, "custom", handle="workshop", ref="evt-1").status == "awarded"
    assert do(sessions, shop, "custom", handle="workshop", ref="evt-1").status == "repeat"  # the same action repeated
    assert do(sessions, shop, "custom", handle="workshop", ref="evt-2").status == "awarded"
    assert do(sessions, shop, "custom", handle="workshop", ref="evt-3").status == "limit"
    assert do(sessions, shop, "custom", handle="unknown", ref="evt-4").status == "off"
    assert points(sessions, shop, ADA) == 200
    with pytest.raises(InvalidCommand):
        do(sessions, shop, "custom", handle="workshop")  # no action id


def test_actions_the_storefront_may_not_report_are_refused(sessions, shop):
    rule(sessions, shop, "newsletter", 10)
    with pytest.raises(InvalidCommand):
        do(sessions, shop, "newsletter")
    with pytest.raises(InvalidCommand):
        do(sessions, shop, "birthday", ref="2026")


def give_birthday(sessions, shop, month, day, now, customer=ADA, year=None):
    cmd = GiveBirthday(shop_domain=shop, customer_id=customer, month=month, day=day, year=year)
    in_shop(sessions, shop, lambda s, sh, p: profile.give_birthday(s, cmd, now=now))


def birthdays(sessions, shop, now) -> int:
    return in_shop(sessions, shop, lambda s, sh, p: profile.award_birthdays(s, sh, now))


def test_birthday_points_land_on_the_day_in_the_shops_zone_once_a_year(sessions, shop):
    configure(sessions, shop, timezone=NY)
    rule(sessions, shop, "birthday", 200)
    give_birthday(sessions, shop, 3, 10, now=local(NY, "2026-01-05T10:00"), year=1990)
    assert birthdays(sessions, shop, local(NY, "2026-03-09T23:59")) == 0  # already the 10th in UTC, not in New York
    assert birthdays(sessions, shop, local(NY, "2026-03-10T00:01")) == 1
    assert birthdays(sessions, shop, local(NY, "2026-03-10T08:00")) == 0  # the job again
    assert birthdays(sessions, shop, local(NY, "2026-03-12T08:00")) == 0  # and late
    # Changing the date within the year earns nothing extra.
    give_birthday(sessions, shop, 7, 1, now=local(NY, "2026-04-01T10:00"))
    assert birthdays(sessions, shop, local(NY, "2026-07-01T08:00")) == 0
    assert points(sessions, shop, ADA) == 200
    # Next year, on the new date.
    assert birthdays(sessions, shop, local(NY, "2027-07-01T08:00")) == 1
    assert points(sessions, shop, ADA) == 400
    assert [e.kind for e in events(sessions, shop)] == ["birthday", "birthday"]


def test_a_birthday_job_that_ran_late_still_pays_but_a_birthday_given_after_the_day_waits_a_year(sessions, shop):
    configure(sessions, shop, timezone=NY)
    rule(sessions, shop, "birthday", 200)
    give_birthday(sessions, shop, 6, 1, now=local(NY, "2026-05-01T10:00"))
    give_birthday(sessions, shop, 6, 1, now=local(NY, "2026-06-03T10:00"), customer=ADA + 1)  # given two days after
    assert birthdays(sessions, shop, local(NY, "2026-06-04T10:00")) == 1  # three days late
    assert points(sessions, shop, ADA) == 200
    assert points(sessions, shop, ADA + 1) == 0
    assert birthdays(sessions, shop, local(NY, "2027-06-01T10:00")) == 2


def test_a_birthday_on_29_february_is_celebrated_on_the_28th_in_other_years(sessions, shop):
    rule(sessions, shop, "birthday", 200)
    give_birthday(sessions, shop, 2, 29, now=local("UTC", "2026-01-01T00:00"), year=2000)
    assert birthdays(sessions, shop, local("UTC", "2027-02-28T12:00")) == 1
    assert birthdays(sessions, shop, local("UTC", "2027-03-01T12:00")) == 0
    with pytest.raises(InvalidCommand):
        give_birthday(sessions, shop, 2, 30, now=NOON)


def test_a_complete_profile_pays_once(sessions, shop):
    rule(sessions, shop, "profile", 30)
    in_shop(sessions, shop, lambda s, sh, p: member(s, sh, ADA, email="ada@example.com", first_name="Ada", last_name="King"))
    give_birthday(sessions, shop, 12, 10, now=NOON)
    give_birthday(sessions, shop, 12, 11, now=NOON)  # completing it again
    assert points(sessions, shop, ADA) == 30


def test_an_unsubscribed_new_customer_earns_no_newsletter_points(webhooks, sessions, shop, balance):
    rule(sessions, shop, "newsletter", 25)
    webhooks.processed(webhooks.send("customers/create", shopify.template("customers/create")))
    assert balance(ADA) == 0
