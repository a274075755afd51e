"""Shopify Flow: the "award points" action Flow calls on Perks, and the triggers Perks sends Flow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shopify_app.core.limits import MAX_POINTS_PER_AWARD
from shopify_app.earn import actions
from shopify_app.ledger import expiry
from shopify_app.ledger.commands import PerformAction
from shopify_app.ledger.models import Member
from shopify_app.notifications import deliver
from shopify_app.notifications.channels import FlowTriggers
from shopify_app.shopify import documents
from shopify_app.shopify.schema import validate
from shopify_app.tiers import tiers
from shopify_app.tiers.models import MemberTier, Tier
from tests.rules_helpers import configure, in_shop, keys, member, points
from webhooks.signature import sign

ADA = 7012345678901


def flow_run(shop: str, run_id: str, points_: int = 25) -> bytes:
    return json.dumps(
        {
            "shop_id": 1,
            "shopify_domain": shop,
            "action_run_id": run_id,
            "action_definition_id": "perks-award-points",
            "handle": "perks-award-points",
            "properties": {"customer_id": ADA, "points": points_, "reason": "VIP event"},
        }
    ).encode()


def call(client, body: bytes, secret: str):
    return client.post("/flow/actions/award-points", data=body, headers={"X-Shopify-Hmac-Sha256": sign(body, secret)})


def test_a_flow_action_with_a_bad_hmac_is_refused_and_a_good_one_pays_once_per_action_run(client, app, sessions, shop):
    secret = app.extensions["perks"].settings.shopify_api_secret
    assert call(client, flow_run(shop, "run-1"), "forged").status_code == 401
    assert points(sessions, shop, ADA) == 0
    assert call(client, flow_run(shop, "run-1"), secret).get_json() == {"status": "awarded"}
    assert call(client, flow_run(shop, "run-1"), secret).get_json() == {"status": "repeat"}  # Flow retried the run
    assert call(client, flow_run(shop, "run-2"), secret).get_json() == {"status": "awarded"}
    assert points(sessions, shop, ADA) == 50
    assert keys(sessions, shop) == [("flow:run-1", 25), ("flow:run-2", 25)]
    assert call(client, flow_run(shop, "run-3", points_=0), secret).status_code == 400
    assert call(client, b"{}", secret).status_code == 400


def test_each_trigger_goes_to_flow_with_a_payload_the_admin_schema_accepts(sessions, shop, fake_admin):
    now = datetime.now(UTC)

    def earn(session, sh, p):
        member(session, sh, ADA, email="ada@example.com")
        actions.set_rule(session, sh, "review", points=40)

    in_shop(sessions, shop, earn)
    in_shop(sessions, shop, lambda s, sh, p: actions.perform(s, PerformAction(shop, ADA, "review", ref="9"), now=now))
    configure(sessions, shop, expire_after_days=30, expiry_reminder_days=7)
    in_shop(sessions, shop, lambda s, sh, p: expiry.run(s, sh, now + timedelta(days=25)))

    flow = FlowTriggers(client_for=lambda domain: fake_admin.client(domain))
    assert deliver(sessions, [flow], now, shop_domain=shop) == {"delivered": 2, "failed": 0}
    sent = fake_admin.state.shop(shop).flow_triggers
    assert [(t["handle"], t["payload"]) for t in sent] == [
        ("perks-points-earned", {"customer_id": ADA, "points": 40, "balance": 40}),
        ("perks-points-expiring", {"customer_id": ADA, "points": 40, "expires at": sent[1]["payload"]["expires at"]}),
    ]
    # The fake validated each call; check the document and variables once more, as Shopify would.
    for trigger in sent:
        assert validate(documents.load("FlowTriggerReceive"), {"handle": trigger["handle"], "payload": trigger["payload"]}) == []


def test_the_move_to_tier_action_puts_the_member_in_the_tier_once_and_refuses_a_bad_hmac_or_tier(client, app, sessions, shop):
    secret = app.extensions["perks"].settings.shopify_api_secret

    def ladder(session, sh, _):
        session.add(
            Tier(
                shop_id=sh.id,
                name="Gold",
                threshold=Decimal(300),
                multiplier=Decimal(2),
                entry_points=100,
                perks="Early access",
            )
        )

    in_shop(sessions, shop, ladder)

    def move(tier: str, run_id: str, key: str = secret):
        body = json.dumps(
            {
                "shopify_domain": shop,
                "action_run_id": run_id,
                "handle": "perks-move-to-tier",
                "properties": {"customer_id": ADA, "tier": tier},
            }
        ).encode()
        return client.post("/flow/actions/move-to-tier", data=body, headers={"X-Shopify-Hmac-Sha256": sign(body, key)})

    assert move("Gold", "run-1", key="forged").status_code == 401
    assert move("Platinum", "run-1").status_code == 400
    assert move("gold", "run-1").get_json() == {"status": "moved"}
    assert move("Gold", "run-1").get_json() == {"status": "unchanged"}  # Flow retried the run
    assert points(sessions, shop, ADA) == 100  # the entry reward, once

    def tier_now(session, sh, _):
        state = session.scalars(
            select(MemberTier).join(Member, Member.id == MemberTier.member_id).where(Member.shop_id == sh.id, Member.customer_id == ADA)
        ).one()
        return session.get(Tier, state.tier_id).name

    assert in_shop(sessions, shop, tier_now) == "Gold"


def test_a_tier_change_goes_to_shopify_flow_with_the_new_and_the_old_tier(sessions, shop, fake_admin):
    in_shop(
        sessions,
        shop,
        lambda s, sh, p: s.add(Tier(shop_id=sh.id, name="Gold", threshold=Decimal(300), multiplier=Decimal(2), entry_points=0)),
    )
    in_shop(sessions, shop, lambda s, sh, p: tiers.move_by_flow(s, shop, ADA, "Gold", datetime.now(UTC)))
    flow = FlowTriggers(client_for=lambda domain: fake_admin.client(domain))
    assert deliver(sessions, [flow], datetime.now(UTC), shop_domain=shop)["failed"] == 0
    sent = [t["payload"] for t in fake_admin.state.shop(shop).flow_triggers if t["handle"] == "perks-tier-changed"]
    assert sent == [{"customer_id": ADA, "balance": 0, "tier": "Gold", "previous tier": ""}]


def award_run(shop: str, run_id: str, **properties) -> bytes:
    return json.dumps(
        {"shopify_domain": shop, "action_run_id": run_id, "properties": {"customer_id": ADA, "points": 25} | properties}
    ).encode()


def test_flow_sends_ids_and_numbers_as_strings_of_digits_and_they_are_read(client, app, sessions, shop):
    secret = app.extensions["perks"].settings.shopify_api_secret
    run = json.loads(award_run(shop, "run-s", customer_id=str(ADA), points="40"))
    body = json.dumps(run | {"shop_id": "1", "action_definition_id": "Award points", "handle": "perks-award-points"}).encode()
    assert call(client, body, secret).get_json() == {"status": "awarded"}
    assert points(sessions, shop, ADA) == 40


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"customer_id": 2**70}, "properties.customer_id"),
        ({"customer_id": "3²"}, "properties.customer_id"),
        ({"customer_id": 0}, "properties.customer_id"),
        ({"points": MAX_POINTS_PER_AWARD + 1}, "properties.points"),
        ({"points": True}, "properties.points"),
        ({"reason": "VIP\x00event"}, "properties.reason"),
        ({"reason": "x" * 501}, "properties.reason"),
    ],
)
def test_a_flow_run_out_of_bounds_is_a_400_naming_the_property_and_pays_nothing(client, app, sessions, shop, properties, field):
    answer = call(client, award_run(shop, "run-b", **properties), app.extensions["perks"].settings.shopify_api_secret)
    assert answer.status_code == 400 and field in answer.get_json()["fields"], answer.get_json()
    assert points(sessions, shop, ADA) == 0


def test_the_hmac_is_checked_before_the_body_is_read(client, shop):
    # Not JSON and not signed: refused for its signature, without a word about its shape.
    answer = client.post("/flow/actions/award-points", data=b"{not json", headers={"X-Shopify-Hmac-Sha256": "forged"})
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_hmac"
