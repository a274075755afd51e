"""Per-shop API keys for the custom-actions API (issue 18): made, named, listed and revoked in the
admin, shown once, stored hashed, scoped to their shop and to the actions they may call, each use
logged with the key's name. The app's client secret, which also signs webhooks, app-proxy calls
and session tokens for every shop, is refused there."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from sqlalchemy import func, select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.shop import privacy
from shopify_app.shop.models import ApiKey, ApiKeyUse
from shopify_app.shop.privacy_jobs import forget_key_uses_with
from shopify_app.shop.shops import installed_shop, program_of
from tests.admin_support import Admin
from webhooks.signature import sign

ADA, GRACE = 7018100000001, 7018100000002
ALL = ["actions:review", "actions:custom", "birthday"]


def rule(platform, shop: str, action: str, points: int, handle: str = "") -> None:
    with UnitOfWork(platform.sessions) as uow:
        found = installed_shop(uow.session, shop)
        program_of(uow.session, found).enabled = True
        actions.set_rule(uow.session, found, action, points=points, handle=handle, limit_count=10, limit_period="day")
        uow.commit()


def make_key(admin: Admin, name: str = "Reviews app", scopes=ALL) -> dict:
    answer = admin.post("/api/api-keys", json={"name": name, "scopes": scopes})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def act(platform, key: str | None, payload: dict, path: str = "/api/actions"):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return platform.client.post(path, json=payload, headers=headers)


def test_the_client_secret_is_refused_on_the_actions_api_and_the_birthday_api(platform):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    for path, payload in (
        ("/api/actions", {"shop": platform.shop, "customer_id": ADA, "action": "review", "ref": "p1"}),
        ("/api/birthday", {"shop": platform.shop, "customer_id": ADA, "birthday": "--03-10"}),
    ):
        body = json.dumps(payload).encode()
        headers = {"X-Perks-Hmac-Sha256": sign(body, platform.fake.client_secret), "Content-Type": "application/json"}
        refused = platform.client.post(path, data=body, headers=headers)
        assert refused.status_code == 401, refused.get_json()
        assert refused.get_json()["error"] == "client_secret_refused"
        assert "API key" in refused.get_json()["message"]
        assert act(platform, None, payload, path).status_code == 401
        assert act(platform, "perks_" + "x" * 43, payload, path).status_code == 401
    assert Admin(platform, platform.shop).get(f"/api/members/{ADA}").status_code == 404  # nothing was paid


def test_a_key_acts_on_its_own_shop_only_whatever_the_body_says(platform):
    other = "other-" + platform.shop
    platform.install()
    platform.install(other)
    for shop in (platform.shop, other):
        rule(platform, shop, "review", 50)
    key = make_key(Admin(platform, platform.shop))["key"]
    # A shop in the body that is not the key's is refused, not followed.
    refused = act(platform, key, {"shop": other, "customer_id": ADA, "action": "review", "ref": "p1"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "wrong_shop"
    # Without one, the key's own shop is meant; the same customer id in the other shop is untouched.
    done = act(platform, key, {"customer_id": ADA, "action": "review", "ref": "p1"})
    assert done.status_code == 200 and done.get_json() == {"status": "awarded", "points": 50, "balance": 50}
    assert act(platform, key, {"shop": platform.shop, "customer_id": ADA, "action": "review", "ref": "p2"}).get_json()["balance"] == 100
    other_member = Admin(platform, other).get(f"/api/members/{ADA}")
    assert other_member.status_code == 404
    # And the other shop's admin cannot see, revoke or read the uses of this shop's key.
    listed = Admin(platform, other).get("/api/api-keys").get_json()
    assert listed == {"keys": []}


def test_a_key_calls_only_the_actions_it_was_given(platform):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    rule(platform, platform.shop, "custom", 75, handle="workshop")
    key = make_key(Admin(platform, platform.shop), scopes=["actions:review"])["key"]
    custom = act(platform, key, {"customer_id": ADA, "action": "custom", "handle": "workshop", "ref": "evt-1"})
    assert custom.status_code == 403 and custom.get_json()["error"] == "scope_missing"
    assert "actions:custom" in custom.get_json()["message"]
    birthday = act(platform, key, {"customer_id": ADA, "birthday": "--03-10"}, "/api/birthday")
    assert birthday.status_code == 403 and "birthday" in birthday.get_json()["message"]
    assert act(platform, key, {"customer_id": ADA, "action": "review", "ref": "p1"}).status_code == 200


def test_the_api_takes_actions_and_birthdays_as_before_with_a_key(platform):
    platform.install()
    rule(platform, platform.shop, "custom", 75, handle="workshop")
    key = make_key(Admin(platform, platform.shop))["key"]
    payload = {"customer_id": ADA, "action": "custom", "handle": "workshop", "ref": "evt-9"}
    assert act(platform, key, payload).get_json() == {"status": "awarded", "points": 75, "balance": 75}
    assert act(platform, key, payload).get_json() == {"status": "repeat", "points": 0, "balance": 75}
    bogus = act(platform, key, {**payload, "action": "bogus"})
    assert bogus.status_code == 400 and "action" in bogus.get_json()["fields"]
    huge = act(platform, key, {**payload, "customer_id": 2**64})
    assert huge.status_code == 400 and "customer_id" in huge.get_json()["fields"]
    not_json = platform.client.post("/api/actions", data=b"not json", headers={"Authorization": f"Bearer {key}"})
    assert not_json.status_code == 400
    assert act(platform, key, {"customer_id": ADA, "birthday": "--03-10"}, "/api/birthday").get_json() == {"status": "saved", "balance": 75}
    assert act(platform, key, {"customer_id": ADA, "birthday": "1990-02-30"}, "/api/birthday").status_code == 400


def test_a_revoked_key_is_refused_and_stays_listed_as_revoked(platform):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    admin = Admin(platform, platform.shop, user="77")
    made = make_key(admin)
    assert act(platform, made["key"], {"customer_id": ADA, "action": "review", "ref": "p1"}).status_code == 200
    revoked = platform.client.delete(f"/api/api-keys/{made['api_key']['id']}", headers=admin.headers())
    assert revoked.status_code == 200 and revoked.get_json()["api_key"]["revoked_at"]
    refused = act(platform, made["key"], {"customer_id": ADA, "action": "review", "ref": "p2"})
    assert refused.status_code == 401 and refused.get_json()["error"] == "key_revoked"
    [listed] = admin.get("/api/api-keys").get_json()["keys"]
    assert listed["revoked_at"] and listed["revoked_by"] == "77"
    # Revoking it again changes nothing; a key of another shop is not found.
    assert platform.client.delete(f"/api/api-keys/{made['api_key']['id']}", headers=admin.headers()).status_code == 200
    other = "other-" + platform.shop
    platform.install(other)
    assert platform.client.delete(f"/api/api-keys/{made['api_key']['id']}", headers=Admin(platform, other).headers()).status_code == 404
    # Its name is free again for a new key.
    make_key(admin)


def test_a_key_is_shown_once_and_stored_only_as_its_digest(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    made = make_key(admin)
    key = made["key"]
    assert key.startswith("perks_") and len(key) >= 40
    assert made["api_key"]["prefix"] == key[:12]
    listing = admin.get("/api/api-keys")
    assert key not in listing.get_data(as_text=True) and key[12:] not in listing.get_data(as_text=True)
    assert "key" not in listing.get_json()["keys"][0]
    with UnitOfWork(platform.sessions) as uow:
        row = uow.session.scalars(select(ApiKey).where(ApiKey.id == made["api_key"]["id"])).one()
        assert row.digest == hashlib.sha256(key.encode()).hexdigest()
        assert key[12:] not in " ".join(str(getattr(row, c.key)) for c in ApiKey.__table__.columns)
    changes = admin.get("/api/program/changes").get_data(as_text=True)
    assert "Reviews app" in changes and key[12:] not in changes


def test_each_use_is_logged_with_the_keys_name_and_never_the_key(platform, caplog):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    admin = Admin(platform, platform.shop)
    made = make_key(admin, name="Judge.me", scopes=["actions:review"])
    key, key_id = made["key"], made["api_key"]["id"]
    with caplog.at_level(logging.INFO, logger="shopify_app"):
        assert act(platform, key, {"customer_id": ADA, "action": "review", "ref": "p1"}).status_code == 200
        assert act(platform, key, {"customer_id": GRACE, "action": "custom", "handle": "x", "ref": "e"}).status_code == 403
    assert "Judge.me" in caplog.text and key[12:] not in caplog.text
    uses = admin.get(f"/api/api-keys/{key_id}/uses").get_json()["uses"]
    assert [(u["key_name"], u["action"], u["customer_id"], u["status"]) for u in uses] == [
        ("Judge.me", "custom", GRACE, 403),
        ("Judge.me", "review", ADA, 200),
    ]
    [listed] = admin.get("/api/api-keys").get_json()["keys"]
    assert listed["last_used_at"]
    assert admin.get("/api/api-keys/999999999/uses").status_code == 404


def test_a_keys_calls_are_forgotten_after_the_retention_as_the_payloads_are(platform):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    admin = Admin(platform, platform.shop)
    made = make_key(admin, name="Old reviews", scopes=["actions:review"])
    assert act(platform, made["key"], {"customer_id": ADA, "action": "review", "ref": "p1"}).status_code == 200
    with UnitOfWork(platform.sessions) as uow:
        [logged_at] = uow.session.scalars(select(ApiKeyUse.at).where(ApiKeyUse.key_id == made["api_key"]["id"]))
    assert forget_key_uses_with(platform.sessions, logged_at + timedelta(days=29), 30) == 0
    assert forget_key_uses_with(platform.sessions, logged_at + timedelta(days=31), 30) >= 1
    assert admin.get(f"/api/api-keys/{made['api_key']['id']}/uses").get_json()["uses"] == []


def test_names_and_scopes_are_checked_and_a_shop_has_at_most_twenty_live_keys(platform):
    platform.install()
    admin = Admin(platform, platform.shop)
    for body, field in (
        ({"name": "", "scopes": ALL}, "name"),
        ({"name": "x" * 61, "scopes": ALL}, "name"),
        ({"name": "nul\x00", "scopes": ALL}, "name"),
        ({"name": "ok", "scopes": []}, "scopes"),
        ({"name": "ok", "scopes": ["actions:everything"]}, "scopes.0"),
        ({"name": "ok", "scopes": ALL, "shop": "x"}, "shop"),
    ):
        refused = admin.post("/api/api-keys", json=body)
        assert refused.status_code == 400 and field in refused.get_json()["fields"], (body, refused.get_json())
    make_key(admin, name="Reviews app")
    again = admin.post("/api/api-keys", json={"name": "Reviews app", "scopes": ALL})
    assert again.status_code == 400 and "name" in again.get_json()["fields"]
    for n in range(19):
        make_key(admin, name=f"key {n}")
    too_many = admin.post("/api/api-keys", json={"name": "one more", "scopes": ALL})
    assert too_many.status_code == 409 and too_many.get_json()["error"] == "too_many_keys"


def test_a_data_request_holds_the_calls_about_the_member_a_redaction_erases_whom_and_shop_redact_deletes_the_keys(platform):
    platform.install()
    rule(platform, platform.shop, "review", 50)
    key = make_key(Admin(platform, platform.shop), name="Judge.me")["key"]
    assert act(platform, key, {"customer_id": ADA, "action": "review", "ref": "p1"}).status_code == 200
    assert act(platform, key, {"customer_id": GRACE, "action": "review", "ref": "p1"}).status_code == 200
    with UnitOfWork(platform.sessions) as uow:
        export = privacy.data_request(uow.session, platform.shop, 1, ADA)
        uow.commit()
    assert [(c["key"], c["action"], c["status"]) for c in export["api_calls"]] == [("Judge.me", "review", 200)]
    with UnitOfWork(platform.sessions) as uow:
        privacy.redact_customer(uow.session, platform.shop, ADA, None)
        uow.commit()
    with UnitOfWork(platform.sessions) as uow:
        shop_id = installed_shop(uow.session, platform.shop).id
        whom = uow.session.scalars(select(ApiKeyUse.customer_id).where(ApiKeyUse.shop_id == shop_id).order_by(ApiKeyUse.id)).all()
        assert whom == [None, GRACE]
        privacy.redact_shop(uow.session, platform.shop)
        uow.commit()
    with UnitOfWork(platform.sessions) as uow:
        for table in (ApiKey, ApiKeyUse):
            assert uow.session.scalar(select(func.count()).where(table.shop_id == shop_id)) == 0, table.__tablename__
