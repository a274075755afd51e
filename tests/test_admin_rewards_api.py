"""The merchant's rewards, redemptions and adjustments API: session tokens, validation, one shop's data only."""

import pytest
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import Adjustment
from shopify_app.shop.models import Shop

ADA = 7012345678901


@pytest.fixture
def merchant(platform):
    platform.install()
    token = platform.fake.session_token(platform.shop)
    return lambda method, path, **kw: platform.client.open(path, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)


def test_rewards_are_listed_created_edited_and_switched_off(merchant):
    (default,) = merchant("GET", "/api/rewards").get_json()["rewards"]
    assert default["title"] == "5 USD off"
    created = merchant("POST", "/api/rewards", json={"title": "15% off", "kind": "percentage", "points_cost": 900, "value": "15"})
    assert created.status_code == 201
    reward_id = created.get_json()["reward"]["id"]
    edited = merchant("PATCH", f"/api/rewards/{reward_id}", json={"points_cost": 800, "combines_with_order": True, "enabled": False})
    assert edited.get_json()["reward"] | {} == created.get_json()["reward"] | {
        "points_cost": 800,
        "combines_with_order": True,
        "enabled": False,
    }


def test_creating_and_changing_a_reward_are_recorded_in_the_change_log_with_before_and_after(merchant):
    created = merchant("POST", "/api/rewards", json={"title": "15% off", "kind": "percentage", "points_cost": 900, "value": "15"})
    reward_id = created.get_json()["reward"]["id"]
    merchant("PATCH", f"/api/rewards/{reward_id}", json={"points_cost": 800, "title": "15% off"})
    merchant("PATCH", f"/api/rewards/{reward_id}", json={"points_cost": 800})  # changes nothing: no record
    edit, create = merchant("GET", "/api/program/changes").get_json()["changes"]
    assert create["subject"] == edit["subject"] == f"reward:{reward_id}"
    assert create["before"]["points_cost"] is None and create["after"]["points_cost"] == 900 and create["after"]["title"] == "15% off"
    assert (edit["before"], edit["after"]) == ({"points_cost": 900}, {"points_cost": 800})
    assert edit["actor"] == create["actor"] != "unknown"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "kind": "fixed_amount", "points_cost": 100, "value": "5"}, "title"),
        ({"title": "x", "kind": "bitcoin", "points_cost": 100, "value": "5"}, "kind"),
        ({"title": "x", "kind": "fixed_amount", "points_cost": 0, "value": "5"}, "points_cost"),
        ({"title": "x", "kind": "fixed_amount", "points_cost": 100, "value": "5.001"}, "value"),
        ({"title": "x", "kind": "percentage", "points_cost": 100, "value": "150"}, "value"),
        ({"title": "x", "kind": "free_product", "points_cost": 100}, "variant_id"),
        ({"title": "x", "kind": "points_for_money", "points_cost": 100, "value": "1", "min_points": 150}, "min_points"),
        ({"title": "x", "kind": "fixed_amount", "points_cost": 100, "value": "5", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_reward_is_refused_with_the_field_named_and_nothing_saved(merchant, body, field):
    response = merchant("POST", "/api/rewards", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["fields"]
    assert len(merchant("GET", "/api/rewards").get_json()["rewards"]) == 1


def test_an_adjustment_moves_points_and_records_who_did_it_and_why(merchant, platform, sessions):
    def adjust(body: dict, key: str):
        headers = {"Authorization": f"Bearer {platform.fake.session_token(platform.shop)}", "Idempotency-Key": key}
        return platform.client.post(f"/api/members/{ADA}/adjustments", headers=headers, json=body)

    response = adjust({"points": 250, "reason": "Parcel lost in the post"}, "parcel-lost")
    assert response.status_code == 201
    assert response.get_json()["balance"] == 250
    with UnitOfWork(sessions) as uow:
        made = uow.session.scalars(select(Adjustment).join(Shop, Shop.id == Adjustment.shop_id).where(Shop.domain == platform.shop)).one()
        assert (made.points, made.reason, made.staff_user) == (250, "Parcel lost in the post", "42")
    for n, bad in enumerate(({"points": 0, "reason": "x"}, {"points": 10, "reason": " "}, {"points": "10", "reason": "x"})):
        refused = adjust(bad, f"bad-{n}")
        assert (refused.status_code, refused.get_json()["error"]) == (400, "invalid")
    assert merchant("GET", f"/api/members/{ADA}/redemptions").get_json() == {"redemptions": []}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/rewards"),
        ("POST", "/api/rewards"),
        ("PATCH", "/api/rewards/1"),
        ("GET", f"/api/members/{ADA}/redemptions"),
        ("POST", f"/api/members/{ADA}/adjustments"),
    ],
)
def test_every_endpoint_answers_401_without_a_session_token(platform, method, path):
    platform.install()
    response = platform.client.open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_session_token"


def test_one_shop_never_sees_or_edits_another_shops_rewards_or_members(merchant, platform):
    other = "other-" + platform.shop
    platform.install(other)
    theirs = platform.client.open(
        "/api/rewards",
        method="POST",
        headers={"Authorization": f"Bearer {platform.fake.session_token(other)}"},
        json={"title": "Theirs", "kind": "fixed_amount", "points_cost": 100, "value": "1"},
    ).get_json()["reward"]["id"]
    platform.client.open(
        f"/api/members/{ADA}/adjustments",
        method="POST",
        headers={"Authorization": f"Bearer {platform.fake.session_token(other)}"},
        json={"points": 5, "reason": "theirs"},
    )
    assert [r["title"] for r in merchant("GET", "/api/rewards").get_json()["rewards"]] == ["5 USD off"]
    assert merchant("PATCH", f"/api/rewards/{theirs}", json={"enabled": False}).status_code == 404
    assert merchant("GET", f"/api/members/{ADA}/redemptions").status_code == 404
