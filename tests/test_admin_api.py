"""The embedded admin's JSON API: the shell, program settings with their change log, earn rules, members."""

from __future__ import annotations

import re

import pytest

from tests.admin_support import Admin, add_member

ADA, GRACE, ALAN = 7100000000001, 7100000000002, 7100000000003


@pytest.fixture
def admin(platform) -> Admin:
    platform.install()
    return Admin(platform, platform.shop)


def test_opening_the_app_serves_the_admin_shell_with_app_bridge_and_the_frame_policy(platform):
    response = platform.install()
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert f"frame-ancestors https://{platform.shop} https://admin.shopify.com" in response.headers["Content-Security-Policy"]
    api_key = f'<meta name="shopify-api-key" content="{platform.fake.client_id}">'
    # App Bridge comes from Shopify's CDN, the first script, after the API key it reads, and
    # neither async nor deferred: App Bridge refuses to start otherwise.
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts[0] == '<script src="https://cdn.shopify.com/shopifycloud/app-bridge.js">'
    assert api_key in page and page.index(api_key) < page.index(scripts[0])
    assert 'data-token="' in page and "data-demo-token-url" not in page


def test_the_admins_static_files_are_served(platform):
    assert platform.client.get("/admin-static/admin/app.js").status_code == 200
    assert platform.client.get("/admin-static/admin.css").status_code == 200


def test_the_program_settings_are_read_with_the_setup_checklist(admin):
    body = admin.get("/api/program").get_json()
    assert body["program"]["points_per_unit"] == "1"
    assert body["program"]["rounding"] == "down"
    checklist = {item["key"]: item["done"] for item in body["checklist"]}
    assert checklist == {"purchase_rule": True, "earn_action": False, "reward": True, "enabled": True}


def test_saving_program_settings_records_who_changed_what_before_and_after(platform, admin):
    staff = Admin(platform, platform.shop, user="9001")
    response = staff.patch("/api/program", {"points_per_unit": "2.5", "rounding": "nearest", "minimum_order": "10", "count_shipping": True})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["program"]["points_per_unit"] == "2.5"
    assert {i["key"]: i["done"] for i in response.get_json()["checklist"]}["purchase_rule"] is True

    [change] = admin.get("/api/program/changes").get_json()["changes"]
    assert change["actor"] == "9001"
    assert change["subject"] == "program"
    assert change["before"] == {"count_shipping": False, "minimum_order": "0.00", "points_per_unit": "1", "rounding": "down"}
    assert change["after"] == {"count_shipping": True, "minimum_order": "10.00", "points_per_unit": "2.5", "rounding": "nearest"}


def test_a_save_that_changes_nothing_leaves_no_record(admin):
    assert admin.patch("/api/program", {"rounding": "down", "enabled": True}).status_code == 200
    assert admin.get("/api/program/changes").get_json()["changes"] == []


def test_bad_program_settings_get_400_naming_each_field_and_change_nothing(admin):
    response = admin.patch(
        "/api/program",
        {
            "points_per_unit": "-1",
            "rounding": "sideways",
            "minimum_order": "1.234",
            "enabled": "yes",
            "signup_points": 2.5,
            "expire_after_days": 0,
            "colour": "red",
        },
    )
    assert response.status_code == 400
    fields = response.get_json()["fields"]
    assert set(fields) == {"points_per_unit", "rounding", "minimum_order", "enabled", "signup_points", "expire_after_days", "colour"}
    assert fields["points_per_unit"] == "must be at least 0"
    assert admin.get("/api/program").get_json()["program"]["rounding"] == "down"
    assert admin.get("/api/program/changes").get_json()["changes"] == []


def test_a_reminder_must_come_before_the_points_expire(admin):
    response = admin.patch("/api/program", {"expire_after_days": 30, "expiry_reminder_days": 30})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"expiry_reminder_days"}
    assert admin.patch("/api/program", {"expire_after_days": 30, "expiry_reminder_days": 7}).status_code == 200


def test_a_body_that_is_not_a_json_object_gets_400(admin):
    response = admin.platform.client.patch("/api/program", headers=admin.headers(), data="[1]", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid" and "object" in response.get_json()["fields"]["body"]


def test_an_earn_action_is_switched_on_and_logged(admin):
    response = admin.put("/api/earn-rules/review", {"points": 50, "limit_count": 3, "limit_period": "month", "enabled": True})
    assert response.status_code == 200, response.get_json()
    rules = {r["name"]: r for r in admin.get("/api/earn-rules").get_json()["rules"]}
    assert rules["review"] == {
        "name": "review", "points": 50, "limit_count": 3, "limit_period": "month", "enabled": True, "url": None, "network": None
    }  # fmt: skip
    assert rules["signup"]["enabled"] is False
    [change] = admin.get("/api/program/changes").get_json()["changes"]
    assert change["subject"] == "earn_rule:review" and change["after"]["points"] == 50


def test_a_bad_earn_rule_gets_400_by_field(admin):
    response = admin.put("/api/earn-rules/review", {"points": 0, "limit_count": 0, "limit_period": "week"})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"points", "limit_count", "limit_period"}
    assert admin.put("/api/earn-rules/teleport", {"points": 5}).status_code == 400


def test_a_social_follow_links_to_the_shops_profile_and_its_network_follows_from_it(platform, admin):
    saved = admin.put("/api/earn-rules/social_follow", {"points": 50, "url": " https://www.instagram.com/perks.demo "})
    assert saved.status_code == 200, saved.get_json()
    assert (saved.get_json()["rule"]["url"], saved.get_json()["rule"]["network"]) == ("https://www.instagram.com/perks.demo", "instagram")
    # Saved again without a url (an older client): the profile stays.
    admin.put("/api/earn-rules/social_follow", {"points": 60})
    rules = {r["name"]: r for r in admin.get("/api/earn-rules").get_json()["rules"]}
    assert (rules["social_follow"]["points"], rules["social_follow"]["network"]) == (60, "instagram")
    [*_, change] = admin.get("/api/program/changes").get_json()["changes"]
    assert change["after"]["url"] == "https://www.instagram.com/perks.demo"
    program = platform.proxy("GET", "/program", None).get_json()
    (follow,) = [w for w in program["earn"] if w["key"] == "social_follow"]
    assert (follow["network"], follow["url"]) == ("instagram", "https://www.instagram.com/perks.demo")
    # null takes it away.
    admin.put("/api/earn-rules/social_follow", {"points": 60, "url": None})
    (follow,) = [w for w in platform.proxy("GET", "/program", None).get_json()["earn"] if w["key"] == "social_follow"]
    assert (follow["network"], follow["url"]) == (None, None)


@pytest.mark.parametrize(
    ("rule", "url", "problem"),
    [
        ("social_follow", "http://instagram.com/perks", "https://"),
        ("social_follow", "javascript:alert(1)", "https://"),
        ("social_follow", "https://user:pw@instagram.com/perks", "https://"),
        ("social_follow", "https://instagram.com.evil.example/perks", "one of instagram"),
        ("social_follow", "https://example.com/perks", "one of instagram"),
        ("social_follow", 42, "https://"),
        ("social_share", "https://instagram.com/perks", "only a social follow"),
        ("review", "https://instagram.com/perks", "only a social follow"),
    ],
)
def test_a_profile_url_that_is_not_https_on_a_known_network_gets_400_on_its_field(admin, rule, url, problem):
    admin.put("/api/earn-rules/social_follow", {"points": 50, "url": "https://tiktok.com/@perks"})
    response = admin.put(f"/api/earn-rules/{rule}", {"points": 50, "url": url})
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"url"} and problem in response.get_json()["fields"]["url"]
    rules = {r["name"]: r for r in admin.get("/api/earn-rules").get_json()["rules"]}
    assert (rules["social_follow"]["url"], rules["social_follow"]["network"]) == ("https://tiktok.com/@perks", "tiktok")
    assert rules[rule]["url"] is None or rule == "social_follow"


@pytest.fixture
def members(admin, sessions):
    add_member(sessions, admin.shop, ADA, email="ada@example.com", first="Ada", last="Lovelace", points=120)
    add_member(sessions, admin.shop, GRACE, email="grace@navy.mil", first="Grace", last="Hopper", points=40)
    add_member(sessions, admin.shop, ALAN, email="alan@example.com", first="Alan", last="Turing")


@pytest.mark.parametrize(
    ("q", "found"),
    [("ada", [ADA]), ("LOVELACE", [ADA]), ("grace hopper", [GRACE]), ("example.com", [ALAN, ADA]), (str(GRACE), [GRACE]), ("nobody", [])],
)
def test_members_are_found_by_name_email_or_customer_id(admin, members, q, found):
    body = admin.get("/api/members", query_string={"q": q}).get_json()
    assert [int(m["customer_id"]) for m in body["members"]] == found


def test_a_search_for_percent_signs_matches_them_literally(admin, members):
    assert admin.get("/api/members", query_string={"q": "%"}).get_json()["members"] == []


def test_members_come_in_pages(admin, members):
    first = admin.get("/api/members", query_string={"limit": 2}).get_json()
    second = admin.get("/api/members", query_string={"limit": 2, "offset": 2}).get_json()
    assert (len(first["members"]), first["has_more"]) == (2, True)
    assert (len(second["members"]), second["has_more"]) == (1, False)
    assert admin.get("/api/members", query_string={"limit": 1000}).status_code == 400


def test_a_members_page_shows_the_balance_and_the_ledger_history(admin, members):
    body = admin.get(f"/api/members/{ADA}").get_json()
    assert body["member"]["points"] == body["member"]["ledger_balance"] == 120
    assert [(e["points"], e["reason"]) for e in body["history"]] == [(120, "Welcome gift")]


def test_an_adjustment_shows_in_the_members_history(admin, members):
    headers = admin.headers() | {"Idempotency-Key": "damaged-parcel"}
    response = admin.platform.client.post(
        f"/api/members/{ADA}/adjustments", headers=headers, json={"points": -20, "reason": "Damaged parcel, points back"}
    )
    assert response.status_code == 201, response.get_json()
    body = admin.get(f"/api/members/{ADA}").get_json()
    assert body["member"]["points"] == 100
    assert body["history"][0]["points"] == -20


def test_a_promotion_is_added_in_the_shops_wall_clock_time_and_removed_with_a_record_of_both(admin):
    body = {"name": "Double points weekend", "multiplier": "2", "starts_local": "2026-11-27T00:00", "ends_local": "2026-11-30T00:00"}
    created = admin.post("/api/promotions", json=body)
    assert created.status_code == 201, created.get_json()
    promotion = created.get_json()["promotion"]
    assert (promotion["multiplier"], promotion["starts_local"], promotion["purchases"]) == ("2", "2026-11-27T00:00", True)
    assert admin.platform.client.delete(f"/api/promotions/{promotion['id']}", headers=admin.headers()).status_code == 200
    assert admin.get("/api/promotions").get_json()["promotions"] == []
    removed, added = admin.get("/api/program/changes").get_json()["changes"]
    assert added["after"]["name"] == "Double points weekend" and removed["after"]["name"] is None


def test_a_bad_promotion_gets_400_by_field(admin):
    body = {"name": "", "multiplier": "1", "starts_local": "2026-11-30T00:00+01:00", "ends_local": "soon", "actions": ["teleport"]}
    response = admin.post("/api/promotions", json=body)
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"name", "multiplier", "starts_local", "ends_local", "actions"}
    backwards = {"name": "x", "multiplier": "2", "starts_local": "2026-11-30T00:00", "ends_local": "2026-11-29T00:00"}
    assert set(admin.post("/api/promotions", json=backwards).get_json()["fields"]) == {"ends_local"}


def test_a_product_multiplier_is_set_changed_and_logged(admin):
    assert (
        admin.put("/api/multipliers", {"target": "product", "target_id": "gid://shopify/Product/77", "multiplier": "2"}).status_code == 200
    )
    assert admin.put("/api/multipliers", {"target": "product", "target_id": "77", "multiplier": "2.5"}).status_code == 200
    # Set by id alone (an API caller): no title to show until the picker names it.
    listed = admin.get("/api/multipliers").get_json()["multipliers"]
    assert listed == [{"target": "product", "target_id": "77", "multiplier": "2.5", "title": None}]
    changed, first = admin.get("/api/program/changes").get_json()["changes"]
    assert (first["before"], changed["before"], changed["after"]) == ({"multiplier": None}, {"multiplier": "2"}, {"multiplier": "2.5"})
    bad = admin.put("/api/multipliers", {"target": "variant", "target_id": "x", "multiplier": "0"})
    assert set(bad.get_json()["fields"]) == {"target", "target_id", "multiplier"}
