"""The rewards editor's API: every kind can be made with only its own fields, refusals in sentences,
archived rewards off the launcher (their codes still good), items picked by name, multipliers removed."""

import re
import uuid

import pytest

from perks_dev.fake_admin.render import discount_status
from tests.test_redemption import discount

ADA = 7012345678901
HOUSE_BLEND = 45012345678901
RAW_KEY = re.compile(r"\b(points_cost|variant_id|minimum_order|min_points|max_points|kind|value|title)\b\s*:")


@pytest.fixture
def merchant(platform):
    platform.install()
    token = platform.fake.session_token(platform.shop)
    return lambda method, path, headers=None, **kw: platform.client.open(
        path, method=method, headers={"Authorization": f"Bearer {token}", **(headers or {})}, **kw
    )


@pytest.fixture
def catalogue(platform):
    """The fake shop's catalogue: coffee with two sizes, a kit with its only variant, two collections."""
    state = platform.fake.state
    state.add_product(
        platform.shop,
        id=8101,
        title="House blend",
        variants=[{"id": HOUSE_BLEND, "title": "1 kg"}, {"id": 45012345678902, "title": "250 g"}],
        collections=[{"id": 9301, "title": "Coffee"}],
    )
    gifts = [{"id": 9302, "title": "Gifts"}]
    state.add_product(platform.shop, id=8102, title="Pour-over kit", variants=[45012345678903], collections=gifts)


def test_a_free_product_reward_is_made_with_the_variant_picked_and_shows_its_name(merchant):
    body = {"title": "Free bag of coffee", "kind": "free_product", "points_cost": 1500}
    body |= {"variant_id": HOUSE_BLEND, "variant_title": "House blend - 1 kg"}
    made = merchant("POST", "/api/rewards", json=body)
    assert made.status_code == 201, made.get_json()
    reward = made.get_json()["reward"]
    assert (reward["variant_id"], reward["variant_title"], reward["value"]) == (HOUSE_BLEND, "House blend - 1 kg", "0.00")


def test_free_shipping_with_the_value_left_empty_is_saved(merchant):
    body = {"title": "Free shipping", "kind": "free_shipping", "points_cost": 300, "value": "", "minimum_order": ""}
    made = merchant("POST", "/api/rewards", json=body)
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["reward"]["value"], made.get_json()["reward"]["minimum_order"]) == ("0.00", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "kind": "free_product", "points_cost": 100}, "variant_id"),
        ({"title": "x", "kind": "percentage", "points_cost": 100, "value": "150"}, "value"),
        ({"title": "x", "kind": "fixed_amount", "points_cost": 100, "value": ""}, "value"),
        ({"title": "x", "kind": "points_for_money", "points_cost": 100, "value": "1", "min_points": 150}, "min_points"),
    ],
)
def test_a_refusal_is_a_sentence_at_its_field_without_raw_keys(merchant, body, field):
    refused = merchant("POST", "/api/rewards", json=body).get_json()
    sentence = refused["fields"][field]
    assert sentence[0].isupper() and sentence.endswith("."), sentence
    assert not RAW_KEY.search(refused["message"]) and not RAW_KEY.search(sentence), refused
    assert "<class" not in refused["message"]


def test_a_reward_switched_to_free_shipping_drops_the_value_it_no_longer_uses(merchant):
    body = {"title": "15% off", "kind": "percentage", "points_cost": 900, "value": "15"}
    made = merchant("POST", "/api/rewards", json=body).get_json()["reward"]
    changed = merchant("PATCH", f"/api/rewards/{made['id']}", json={"kind": "free_shipping", "title": "Free shipping"})
    assert changed.status_code == 200 and changed.get_json()["reward"]["value"] == "0.00"


def test_an_archived_reward_leaves_the_launcher_cannot_be_redeemed_and_its_issued_codes_keep_working(merchant, platform):
    body = {"title": "$10 off", "kind": "fixed_amount", "points_cost": 100, "value": "10"}
    made = merchant("POST", "/api/rewards", json=body).get_json()["reward"]
    merchant("POST", f"/api/members/{ADA}/adjustments", json={"points": 500, "reason": "Welcome"}, headers={"Idempotency-Key": "welcome"})
    redeem = {"reward_id": made["id"], "points": None}
    issued = platform.proxy("POST", "/redeem", ADA, json=redeem, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert issued.status_code in (200, 201), issued.get_json()
    code = issued.get_json()["code"]

    archived = merchant("POST", f"/api/rewards/{made['id']}/archive")
    assert archived.status_code == 200
    assert (archived.get_json()["reward"]["archived"], archived.get_json()["reward"]["enabled"]) == (True, False)
    assert made["id"] not in [r["id"] for r in platform.proxy("GET", "/program", None).get_json()["rewards"]]
    assert made["id"] not in [r["id"] for r in platform.proxy("GET", "/member", ADA).get_json()["rewards"]]
    refused = platform.proxy("POST", "/redeem", ADA, json=redeem, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert (refused.status_code, refused.get_json()["error"]) == (409, "reward_unavailable")
    assert discount_status(discount(platform, code)) == "ACTIVE"  # the code a member holds still works at checkout
    assert code in [c["code"] for c in platform.proxy("GET", "/member", ADA).get_json()["codes"]]

    switched_on = merchant("PATCH", f"/api/rewards/{made['id']}", json={"enabled": True})
    assert switched_on.status_code == 400 and "archive" in switched_on.get_json()["fields"]["enabled"]
    back = merchant("POST", f"/api/rewards/{made['id']}/unarchive").get_json()["reward"]
    assert (back["archived"], back["enabled"]) == (False, False)
    assert merchant("PATCH", f"/api/rewards/{made['id']}", json={"enabled": True}).status_code == 200


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("kind", "words", "titles"),
    [
        ("variant", "house", ["House blend - 1 kg", "House blend - 250 g"]),
        ("variant", "250", ["House blend - 250 g"]),
        ("variant", "pour", ["Pour-over kit"]),
        ("product", "kit", ["Pour-over kit"]),
        ("product", "", ["House blend", "Pour-over kit"]),
        ("collection", "gif", ["Gifts"]),
        ("collection", "title:Coffee OR tag:x", []),  # typed words stay words: no filter of their own
    ],
)
def test_the_pickers_fallback_finds_the_shops_items_by_name(merchant, kind, words, titles):
    found = merchant("GET", "/api/catalog/search", query_string={"kind": kind, "q": words})
    assert found.status_code == 200, found.get_json()
    assert [item["title"] for item in found.get_json()["items"]] == titles


def test_the_picker_names_the_variant_with_its_id(merchant, catalogue):
    (item,) = merchant("GET", "/api/catalog/search", query_string={"kind": "variant", "q": "house 1"}).get_json()["items"]
    assert (item["id"], item["gid"]) == (HOUSE_BLEND, f"gid://shopify/ProductVariant/{HOUSE_BLEND}")


def test_a_multiplier_is_set_by_name_listed_by_name_and_removed(merchant):
    set_ = merchant("PUT", "/api/multipliers", json={"target": "collection", "target_id": 9302, "target_title": "Gifts", "multiplier": "2"})
    assert set_.status_code == 200, set_.get_json()
    assert merchant("GET", "/api/multipliers").get_json()["multipliers"] == [
        {"target": "collection", "target_id": "9302", "title": "Gifts", "multiplier": "2"}
    ]
    removed = merchant("DELETE", "/api/multipliers/collection/9302")
    assert removed.status_code == 200 and removed.get_json()["multiplier"]["title"] == "Gifts"
    assert merchant("GET", "/api/multipliers").get_json()["multipliers"] == []
    assert merchant("DELETE", "/api/multipliers/collection/9302").status_code == 404
    change = merchant("GET", "/api/program/changes").get_json()["changes"][0]
    assert (change["subject"], change["after"]) == ("multiplier:collection:9302", {"multiplier": None})
