"""The change log's sentences, for every subject the log records, in the shapes audit.record stores them
(only the changed fields; None for a field something did not have before it was made, or after it was removed)."""

# ruff: noqa: RUF001 # the multiplication sign is what the merchant reads ("2 times" as a sign)

from __future__ import annotations

import pytest

from shopify_app.shop.audit_words import Context, by_whom, sentences

USD = Context("USD")
PROMOTION = {"name": "Black Friday triple", "multiplier": "3", "starts_local": "2026-11-27T00:00", "ends_local": "2026-11-30T00:00"}


@pytest.mark.parametrize(
    ("subject", "before", "after", "context", "said"),
    [
        ("program", {"enabled": True}, {"enabled": False}, USD, ["Program turned off"]),
        ("program", {"points_per_unit": "1"}, {"points_per_unit": "2"}, Context("EUR"), ["Points per €1 spent changed from 1 to 2"]),
        (
            "program",
            {"rounding": "down", "count_shipping": False, "count_discounts": False, "expire_after_days": None, "nudge_after_days": 90},
            {"rounding": "nearest", "count_shipping": True, "count_discounts": True, "expire_after_days": 365, "nudge_after_days": None},
            USD,
            [
                "Rounding of points changed from down to nearest",
                "Shipping now earns points",
                "Points now earned on prices before discounts",
                "Points expiry changed from never to after 365 days without activity",
                "Nudge to inactive members changed from after 90 days to off",
            ],
        ),
        (
            "earn_rule:review",
            {"points": None, "limit_count": 1, "limit_period": "ever", "enabled": False},
            {"points": 50, "limit_count": 3, "limit_period": "month", "enabled": True},
            USD,
            ["Product review now earns 50 points, up to 3 times a month"],
        ),
        ("earn_rule:birthday", {"enabled": True}, {"enabled": False}, USD, ["Birthday turned off"]),
        (
            "earn_rule:custom:poem",
            {"points": 10},
            {"points": 20},
            Context("USD", names={"earn_rule:custom:poem": "Wrote a poem"}),
            ["Custom action “Wrote a poem” points changed from 10 to 20 points"],
        ),
        ("reward:7", {"title": None, "points_cost": None}, {"title": "$5 off", "points_cost": 500}, USD, ["Reward “$5 off” added"]),
        (
            "reward:7",
            {"title": "$5 off", "value": "5.00", "enabled": True},
            {"title": "$6 off", "value": "6.00", "enabled": False},
            Context("USD", kinds={"reward:7": "fixed_amount"}),
            ["Reward “$5 off” renamed to “$6 off”", "Reward “$6 off” turned off", "Reward “$6 off” value changed from $5.00 to $6.00"],
        ),
        (
            "reward:8",
            {"value": "10"},
            {"value": "15"},
            Context("USD", names={"reward:8": "15% off"}, kinds={"reward:8": "percentage"}),
            ["Reward “15% off” value changed from 10 to 15%"],
        ),
        (
            "promotion:3",
            dict.fromkeys(PROMOTION),
            PROMOTION,
            USD,
            ["Promotion “Black Friday triple” added: 3× points from 27 Nov 2026, 00:00 to 30 Nov 2026, 00:00"],
        ),
        ("promotion:3", PROMOTION, dict.fromkeys(PROMOTION), USD, ["Promotion “Black Friday triple” ended"]),
        ("multiplier:product:123", {}, {"multiplier": "2"}, USD, ["Product 123 now earns 2× points"]),
        (
            "multiplier:collection:9",
            {"multiplier": "1.5"},
            {"multiplier": "2"},
            USD,
            ["Collection 9 points multiplier changed from 1.5× to 2×"],
        ),
        (
            "referrals",
            {"enabled": False, "referrer_points": 100, "friend_reward_minimum": None, "waiting_days": 14},
            {"enabled": True, "referrer_points": 200, "friend_reward_minimum": "25.00", "waiting_days": 7},
            USD,
            [
                "Referrals turned on",
                "Points for a successful referral changed from 100 to 200 points",
                "Friend's minimum order set to $25.00",
                "Wait before a referral is rewarded changed from 14 days to 7 days",
            ],
        ),
        (
            "launcher",
            {"primary_color": "#000000", "position": "bottom-right", "fr.button_label": None, "de.title": "Treuepunkte"},
            {"primary_color": "#ff0000", "position": "bottom-left", "fr.button_label": "Mes points", "de.title": None},
            USD,
            [
                "Launcher title (German) changed from “Treuepunkte” to the default",
                "Launcher button label (French) changed from the default to “Mes points”",
                "Launcher position changed from bottom right to bottom left",
                "Launcher main colour changed from #000000 to #ff0000",
            ],
        ),
        (
            "notifications",
            {"channel.metafields": True, "points_earned.fr.subject": None, "tier_changed.en.body": "Welcome"},
            {"channel.metafields": False, "points_earned.fr.subject": "Merci", "tier_changed.en.body": None},
            USD,
            [
                "Metafield notifications turned off",
                "French subject of “Points earned” notifications changed",
                "English body of “New VIP tier” notifications set back to the built-in text",
            ],
        ),
        (
            "tiers",
            {"period": "calendar_year", "tier:Gold": {"threshold": "1000", "multiplier": "1"}, "tier:Bronze": {"threshold": "0"}},
            {"period": "lifetime", "tier:Gold": {"threshold": "1500", "multiplier": "1.5"}, "tier:Bronze": None},
            USD,
            [
                "VIP tiers counted over changed from the calendar year to all time",
                "Bronze tier removed",
                "Gold tier threshold changed from 1,000 to 1,500 points",
                "Gold tier points multiplier changed from 1× to 1.5×",
            ],
        ),
        (
            "tiers",
            {"tier:VIP": None},
            {"tier:VIP": {"threshold": "250.00", "multiplier": "1"}},
            Context("USD", tier_basis="spend"),
            ["VIP tier added at $250.00"],
        ),
        ("api_key:4 Zapier", {"prefix": None, "state": None}, {"prefix": "pk_ab", "state": "live"}, USD, ["API key “Zapier” created"]),
        ("api_key:4 Zapier", {"state": "live"}, {"state": "revoked"}, USD, ["API key “Zapier” revoked"]),
        ("gift_cards", {"top_up_days": 7}, {"top_up_days": 14}, USD, ["Gift cards: top up days changed from 7 to 14"]),
    ],
)
def test_each_subject_is_said_in_words(subject, before, after, context, said):
    assert sentences(subject, before, after, context) == said


def test_who_made_a_change_is_said_with_what_the_log_knows_of_them():
    assert by_whom("9001") == "by staff member 9001"
    assert by_whom("Jane") == "by Jane (staff)"
    assert by_whom("unknown") == "by a staff member"
