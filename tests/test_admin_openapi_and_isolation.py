"""The admin API is what its OpenAPI document says, answers 401 without a valid session token,
and never shows or changes one shop's data for another shop's staff.

Every answer the tests see is also checked against its endpoint's models (shopify_app.core.contracts.check_answer).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify_webhooks
from shopify_app import create_app
from shopify_app.core.contracts import openapi_path
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.import_jobs import import_with
from shopify_app.ledger.models import ImportJob, Member
from shopify_app.rewards.models import Reward
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member
from tests.test_install_and_auth import session_token
from webhooks import deliveries

OURS, THEIRS = 7200000000001, 7200000000002
# Called with a merchant's API key (actions_api.py), or the document itself, which anyone may read.
NOT_SESSION_TOKEN = {"/api/actions", "/api/birthday", "/api/openapi.json"}
DOCUMENTED = ("/api/", "/flow/")  # /flow/: Shopify Flow's actions, signed by Flow (tests/test_shopify_flow.py)


def api_routes() -> list[tuple[str, str]]:
    app = create_app()
    return sorted(
        (method, openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(DOCUMENTED)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = api_routes()


def test_every_api_route_is_in_the_openapi_document_and_every_documented_route_exists(platform):
    document = platform.client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = sorted((method.upper(), path) for path, item in document["paths"].items() for method in item)
    assert documented == ROUTES


def test_every_session_token_operation_documents_its_401(platform):
    document = platform.client.get("/api/openapi.json").get_json()
    for path, item in document["paths"].items():
        for operation in item.values():
            if path not in NOT_SESSION_TOKEN and path.startswith("/api/"):
                assert operation["security"] == [{"sessionToken": []}], path
                assert "401" in operation["responses"], path


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


@pytest.mark.parametrize("url", ["/api/openapi.json", "/proxy/openapi.json"])
def test_every_json_answer_and_every_body_has_a_schema_to_check_and_to_generate_from(platform, url):
    """The finding: empty response schemas and empty request bodies left nothing to check or to fuzz."""
    document = platform.client.get(url).get_json()
    schemas = document["components"]["schemas"]

    def described(schema: dict) -> bool:
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return bool(schema.get("properties") or schema.get("items") or schema.get("additionalProperties") or schema.get("anyOf"))

    for name, operation in _operations(document):
        for status, answer in operation["responses"].items():
            for media, content in answer.get("content", {}).items():
                if media == "application/json":
                    assert described(content["schema"]), f"{name} {status}: empty answer schema"
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if media == "application/json":
                assert described(content["schema"]), f"{name}: empty request body schema"


def _concrete(path: str) -> str:
    for name, value in {"{customer_id}": str(OURS), "{name}": "review"}.items():
        path = path.replace(name, value)
    path = path.replace("{target}", "product").replace("{target_id}", "55")
    return path.replace("{job_id}", "1").replace("{reward_id}", "1").replace("{promotion_id}", "1").replace("{key_id}", "1")


SESSION_ROUTES = [r for r in ROUTES if r[1].startswith("/api/") and r[1] not in NOT_SESSION_TOKEN]


@pytest.mark.parametrize(("method", "path"), SESSION_ROUTES)
@pytest.mark.parametrize("case", ["missing", "expired", "forged"])
def test_each_endpoint_answers_401_without_a_valid_session_token(platform, method, path, case):
    platform.install()
    tokens = {
        "missing": None,
        "expired": session_token(platform.shop, platform.fake.client_id, platform.fake.client_secret, exp=int(time.time()) - 30),
        "forged": session_token(platform.shop, platform.fake.client_id, "forged-" + "x" * 40),
    }
    headers = {"Authorization": f"Bearer {tokens[case]}"} if tokens[case] else {}
    response = platform.client.open(_concrete(path), method=method, headers=headers, json={})
    assert response.status_code == 401, (method, path, case, response.get_data(as_text=True)[:200])
    assert response.get_json()["error"] == "invalid_session_token"


# --- two shops ------------------------------------------------------------------


class TwoShops:
    def __init__(self, platform, sessions):
        self.sessions = sessions
        self.ours = Admin(platform, platform.shop)
        self.theirs_domain = f"o{uuid.uuid4().hex[:12]}.myshopify.com"
        platform.install()
        platform.install(self.theirs_domain)
        self.theirs = Admin(platform, self.theirs_domain)
        add_member(sessions, platform.shop, OURS, email="ours@example.com", first="Olive", points=10)
        add_member(sessions, self.theirs_domain, THEIRS, email="theirs@secret.example", first="Theo", points=999)
        assert self.theirs.patch("/api/program", {"points_per_unit": "7"}).status_code == 200
        assert self.theirs.put("/api/earn-rules/review", {"points": 77}).status_code == 200
        csv = "email,customer_id,points\ntheirs@secret.example,7200000000002,5\n"
        self.their_job = self.theirs.post("/api/imports", data=csv, content_type="text/csv").get_json()["job"]["id"]
        promotion = {"name": "Theirs x2", "multiplier": "2", "starts_local": "2026-01-01T00:00", "ends_local": "2026-01-03T00:00"}
        self.their_promotion = self.theirs.post("/api/promotions", json=promotion).get_json()["promotion"]["id"]
        assert self.theirs.put("/api/multipliers", {"target": "product", "target_id": "55", "multiplier": "3"}).status_code == 200
        # Run here and now, so a worker picking the job up later changes nothing mid-check.
        import_with(sessions, self.their_job)
        with UnitOfWork(sessions) as uow:
            shop_id = installed_shop(uow.session, self.theirs_domain).id
            self.their_reward = uow.session.scalar(select(Reward.id).where(Reward.shop_id == shop_id))

    def their_balance(self) -> int:
        with UnitOfWork(self.sessions) as uow:
            shop_id = installed_shop(uow.session, self.theirs_domain).id
            return uow.session.scalar(select(Member.points_balance).where(Member.shop_id == shop_id, Member.customer_id == THEIRS))


def _adjusting_their_customer_leaves_their_points(t: TwoShops) -> bool:
    before = t.their_balance()
    headers = t.ours.headers() | {"Idempotency-Key": "isolation-1"}
    body = {"points": -999, "reason": "try", "confirm_negative": True}
    response = t.ours.platform.client.post(f"/api/members/{THEIRS}/adjustments", headers=headers, json=body)
    # Customer ids are per shop here: at most it makes a member of our own shop.
    return response.status_code in (201, 404) and t.their_balance() == before


def _text(response) -> str:
    return response.get_data(as_text=True)


THEIR_ACCOUNTS = {"deferred_revenue": "Theirs 2400", "revenue": "Theirs 4000", "marketing_expense": "Theirs 6100"}


def _this_month() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


def _our_journal(t: TwoShops) -> str:
    return _text(t.ours.get("/api/liability/journal.csv", query_string=_this_month()))


def _their_orders_stay_out_of_our_forecast(t: TwoShops) -> bool:
    with UnitOfWork(t.sessions) as uow:
        shop = installed_shop(uow.session, t.theirs_domain)
        body, headers = shopify_webhooks.delivery("orders/paid", shopify_webhooks.order_paid(9100, THEIRS), shop=shop.domain, secret="-")
        deliveries.record(uow.session, shop, headers, body)
        uow.commit()
    ours, theirs = (a.post("/api/forecast", json={}).get_json() for a in (t.ours, t.theirs))
    return ours["orders"] == 0 and theirs["orders"] == 1


def _their_key(t: TwoShops) -> int:
    """A key their shop made for the actions API."""
    return t.theirs.post("/api/api-keys", json={"name": "Theirs", "scopes": ["birthday"]}).get_json()["api_key"]["id"]


def _their_key_stays_live(t: TwoShops) -> bool:
    key_id = _their_key(t)
    refused = t.ours.platform.client.delete(f"/api/api-keys/{key_id}", headers=t.ours.headers()).status_code == 404
    return refused and t.theirs.get("/api/api-keys").get_json()["keys"][0]["revoked_at"] is None


def _their_catalogue_stays_theirs(t: TwoShops) -> bool:
    t.ours.platform.fake.state.add_product(t.theirs_domain, title="Their secret blend", variants=[45000000000001])
    theirs = t.theirs.get("/api/catalog/search", query_string={"kind": "variant", "q": "secret"}).get_json()["items"]
    ours = t.ours.get("/api/catalog/search", query_string={"kind": "variant", "q": "secret"}).get_json()["items"]
    return [i["title"] for i in theirs] == ["Their secret blend"] and ours == []


# One check per route, with the other shop's ids where a route takes one. A new
# route fails test_every_route_has_an_isolation_check until it gets its own.
ISOLATION = {
    ("GET", "/api/shop"): lambda t: t.ours.get("/api/shop").get_json()["shop"]["domain"] != t.theirs_domain,
    ("GET", "/api/program"): lambda t: t.ours.get("/api/program").get_json()["program"]["points_per_unit"] == "1",
    ("PATCH", "/api/program"): lambda t: (
        t.ours.patch("/api/program", {"points_per_unit": "3"}).status_code == 200
        and t.theirs.get("/api/program").get_json()["program"]["points_per_unit"] == "7"
    ),
    ("GET", "/api/program/changes"): lambda t: t.ours.get("/api/program/changes").get_json()["changes"] == [],
    ("GET", "/api/earn-rules"): lambda t: all(r["points"] is None for r in t.ours.get("/api/earn-rules").get_json()["rules"]),
    ("PUT", "/api/earn-rules/{name}"): lambda t: (
        t.ours.put("/api/earn-rules/review", {"points": 5}).status_code == 200
        and {r["name"]: r for r in t.theirs.get("/api/earn-rules").get_json()["rules"]}["review"]["points"] == 77
    ),
    ("GET", "/api/members"): lambda t: t.ours.get("/api/members", query_string={"q": "theirs"}).get_json()["members"] == [],
    ("GET", "/api/members/{customer_id}"): lambda t: t.ours.get(f"/api/members/{THEIRS}").status_code == 404,
    ("GET", "/api/members/{customer_id}/redemptions"): lambda t: t.ours.get(f"/api/members/{THEIRS}/redemptions").status_code == 404,
    ("POST", "/api/members/{customer_id}/adjustments"): lambda t: _adjusting_their_customer_leaves_their_points(t),
    ("GET", "/api/analytics"): lambda t: t.ours.get("/api/analytics").get_json()["members_total"] == 1,
    ("GET", "/api/home"): lambda t: [f["current"] for f in t.ours.get("/api/home").get_json()["figures"] if f["name"] == "members"] == [1],
    ("GET", "/api/analytics.csv"): lambda t: "members_total,1" in _text(t.ours.get("/api/analytics.csv")),
    ("GET", "/api/liability"): lambda t: t.ours.get("/api/liability", query_string=_this_month()).get_json()["closing_points"] == 10,
    ("GET", "/api/liability/journal.csv"): lambda t: "(10 points" in _our_journal(t) and "999" not in _our_journal(t),
    ("GET", "/api/liability/accounts"): lambda t: (
        t.theirs.put("/api/liability/accounts", THEIR_ACCOUNTS).status_code == 200
        and t.ours.get("/api/liability/accounts").get_json()["revenue"] == "Revenue"
    ),
    ("PUT", "/api/liability/accounts"): lambda t: (
        t.ours.put("/api/liability/accounts", THEIR_ACCOUNTS | {"revenue": "Ours"}).status_code == 200
        and t.theirs.get("/api/liability/accounts").get_json()["revenue"] == "Revenue"
    ),
    ("GET", "/api/imports"): lambda t: t.ours.get("/api/imports").get_json()["jobs"] == [],
    ("POST", "/api/imports"): lambda t: (
        t.ours.post("/api/imports", data="email,points\nours@example.com,1\n", content_type="text/csv").status_code == 202
        and len(t.theirs.get("/api/imports").get_json()["jobs"]) == 1
    ),
    ("GET", "/api/imports/{job_id}"): lambda t: t.ours.get(f"/api/imports/{t.their_job}").status_code == 404,
    ("GET", "/api/imports/{job_id}/refused.csv"): lambda t: t.ours.get(f"/api/imports/{t.their_job}/refused.csv").status_code == 404,
    ("POST", "/api/imports/{job_id}/import"): lambda t: t.ours.post(f"/api/imports/{t.their_job}/import").status_code == 404,
    ("GET", "/api/exports/members.csv"): lambda t: "theirs@" not in _text(t.ours.get("/api/exports/members.csv")),
    ("GET", "/api/exports/ledger.csv"): lambda t: "theirs@" not in _text(t.ours.get("/api/exports/ledger.csv")),
    ("GET", "/api/promotions"): lambda t: t.ours.get("/api/promotions").get_json()["promotions"] == [],
    ("POST", "/api/promotions"): lambda t: (
        t.ours.post(
            "/api/promotions",
            json={"name": "Ours", "multiplier": "2", "starts_local": "2026-02-01T00:00", "ends_local": "2026-02-02T00:00"},
        ).status_code
        == 201
        and [p["name"] for p in t.theirs.get("/api/promotions").get_json()["promotions"]] == ["Theirs x2"]
    ),
    ("DELETE", "/api/promotions/{promotion_id}"): lambda t: (
        t.ours.platform.client.delete(f"/api/promotions/{t.their_promotion}", headers=t.ours.headers()).status_code == 404
        and len(t.theirs.get("/api/promotions").get_json()["promotions"]) == 1
    ),
    ("GET", "/api/multipliers"): lambda t: t.ours.get("/api/multipliers").get_json()["multipliers"] == [],
    ("PUT", "/api/multipliers"): lambda t: (
        t.ours.put("/api/multipliers", {"target": "product", "target_id": "55", "multiplier": "1.5"}).status_code == 200
        and t.theirs.get("/api/multipliers").get_json()["multipliers"][0]["multiplier"] == "3"
    ),
    ("DELETE", "/api/multipliers/{target}/{target_id}"): lambda t: (
        t.ours.platform.client.delete("/api/multipliers/product/55", headers=t.ours.headers()).status_code == 404
        and t.theirs.get("/api/multipliers").get_json()["multipliers"][0]["target_id"] == "55"
    ),
    ("GET", "/api/catalog/search"): _their_catalogue_stays_theirs,
    ("POST", "/api/rewards/{reward_id}/archive"): lambda t: (
        t.ours.post(f"/api/rewards/{t.their_reward}/archive").status_code == 404
        and not t.theirs.get("/api/rewards").get_json()["rewards"][0]["archived"]
    ),
    ("POST", "/api/rewards/{reward_id}/unarchive"): lambda t: t.ours.post(f"/api/rewards/{t.their_reward}/unarchive").status_code == 404,
    ("GET", "/api/rewards"): lambda t: t.their_reward not in [r["id"] for r in t.ours.get("/api/rewards").get_json()["rewards"]],
    ("POST", "/api/rewards"): lambda t: (
        t.ours.post("/api/rewards", json={"title": "Ours", "kind": "fixed_amount", "points_cost": 100, "value": "1"}).status_code == 201
        and "Ours" not in [r["title"] for r in t.theirs.get("/api/rewards").get_json()["rewards"]]
    ),
    ("PATCH", "/api/rewards/{reward_id}"): lambda t: t.ours.patch(f"/api/rewards/{t.their_reward}", {"title": "Mine"}).status_code == 404,
    ("POST", "/api/forecast"): _their_orders_stay_out_of_our_forecast,
    ("GET", "/api/referrals"): lambda t: (
        t.theirs.put("/api/referrals/settings", {"referrer_points": 9}).status_code == 200
        and t.ours.get("/api/referrals").get_json()["settings"]["referrer_points"] == 500
    ),
    ("PUT", "/api/referrals/settings"): lambda t: (
        t.ours.put("/api/referrals/settings", {"referrer_points": 7}).status_code == 200
        and t.theirs.get("/api/referrals").get_json()["settings"]["referrer_points"] == 500
    ),
    ("GET", "/api/tiers"): lambda t: (
        t.theirs.put("/api/tiers", {"basis": "spend", "period": "lifetime", "tiers": [{"name": "Theirs", "threshold": "1"}]}).status_code
        == 200
        and t.ours.get("/api/tiers").get_json()["tiers"] == []
    ),
    ("PUT", "/api/tiers"): lambda t: (
        t.theirs.put("/api/tiers", {"basis": "spend", "period": "lifetime", "tiers": [{"name": "Theirs", "threshold": "1"}]}).status_code
        == 200
        and t.ours.put("/api/tiers", {"basis": "points", "period": "lifetime", "tiers": []}).status_code == 200
        and [x["name"] for x in t.theirs.get("/api/tiers").get_json()["tiers"]] == ["Theirs"]
    ),
    ("GET", "/api/notifications"): lambda t: (
        t.theirs.put("/api/notifications", {"texts": {"birthday": {"en": {"subject": "Theirs", "body": "Theirs"}}}}).status_code == 200
        and t.ours.get("/api/notifications").get_json()["texts"] == {}
    ),
    ("PUT", "/api/notifications"): lambda t: (
        t.ours.put("/api/notifications", {"channels": {"email": False}}).status_code == 200
        and t.theirs.get("/api/notifications").get_json()["channels"]["email"] is True
    ),
    ("POST", "/api/notifications/preview"): lambda t: (
        t.theirs.put("/api/notifications", {"texts": {"birthday": {"en": {"subject": "Theirs", "body": "Theirs"}}}}).status_code == 200
        and t.ours.post("/api/notifications/preview", json={"kind": "birthday", "language": "en"}).get_json()["subject"] != "Theirs"
    ),
    ("GET", "/api/launcher"): lambda t: (
        t.theirs.put("/api/launcher", {"primary_color": "#000000"}).status_code == 200
        and t.ours.get("/api/launcher").get_json()["primary_color"] == "#5c6ac4"
    ),
    ("PUT", "/api/launcher"): lambda t: (
        t.ours.put("/api/launcher", {"position": "bottom-left"}).status_code == 200
        and t.theirs.get("/api/launcher").get_json()["position"] == "bottom-right"
    ),
    ("POST", "/api/launcher/check"): lambda t: (
        t.theirs.put("/api/launcher", {"position": "bottom-left"}).status_code == 200
        and t.ours.post("/api/launcher/check", json={}).get_json()["position"] == "bottom-right"
    ),
    ("GET", "/api/api-keys"): lambda t: _their_key(t) > 0 and t.ours.get("/api/api-keys").get_json()["keys"] == [],
    ("POST", "/api/api-keys"): lambda t: (
        t.ours.post("/api/api-keys", json={"name": "Ours", "scopes": ["birthday"]}).status_code == 201
        and t.theirs.get("/api/api-keys").get_json()["keys"] == []
    ),
    ("DELETE", "/api/api-keys/{key_id}"): _their_key_stays_live,
    ("GET", "/api/api-keys/{key_id}/uses"): lambda t: t.ours.get(f"/api/api-keys/{_their_key(t)}/uses").status_code == 404,
}


def test_every_route_has_an_isolation_check():
    assert set(SESSION_ROUTES) == set(ISOLATION)


@pytest.mark.parametrize(("method", "path"), sorted(ISOLATION))
def test_one_shops_staff_never_sees_or_changes_another_shops_data(platform, sessions, method, path):
    shops = TwoShops(platform, sessions)
    assert ISOLATION[(method, path)](shops), (method, path)


def test_an_import_job_belongs_to_the_shop_that_started_it(platform, sessions):
    shops = TwoShops(platform, sessions)
    with UnitOfWork(sessions) as uow:
        job = uow.session.get(ImportJob, shops.their_job)
        assert job.shop_id == installed_shop(uow.session, shops.theirs_domain).id
