"""API keys in headless Chromium: a merchant makes a key, sees it once, an app uses it against the
custom-actions API, the list shows when it was last used, and once revoked the key gets 401."""

from __future__ import annotations

import pytest
import requests

from tests.browser.conftest import open_section, shot

pytestmark = pytest.mark.browser
ADA = 7018200000001


def test_a_merchant_makes_a_key_sees_it_once_watches_it_used_and_revokes_it(page, live):
    open_section(page, live, "api-keys")
    page.fill("#f-name", "Judge.me reviews")
    page.click("#make-key")
    page.wait_for_selector("#api-key-form .field.invalid")  # no scope ticked
    assert "at least one" in page.inner_text("#e-scopes")
    page.check("input[value='actions:review']")
    page.check("input[value='birthday']")
    page.click("#make-key")
    page.wait_for_selector("#new-key")
    key = page.input_value("#new-key")
    assert key.startswith("perks_")
    assert "will not be shown again" in page.inner_text("#key-once")
    page.click("#copy-key")
    page.wait_for_function("document.getElementById('copy-key').textContent === 'Copied'")
    shot(page, "22-api-key-shown-once")

    admin = {"Authorization": f"Bearer {live.fake.session_token(live.shop)}"}
    assert requests.put(f"{live.server.url}/api/earn-rules/review", json={"points": 40}, headers=admin, timeout=10).status_code == 200
    used = requests.post(
        f"{live.server.url}/api/actions",
        json={"customer_id": ADA, "action": "review", "ref": "p1"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert used.status_code == 200 and used.json()["status"] == "awarded", used.text

    open_section(page, live, "api-keys")
    assert page.locator("#new-key").count() == 0 and key not in page.content()  # shown once only
    row = page.locator("#api-keys tbody tr").first
    assert row.locator(".last-used").inner_text() != "Never"
    assert key[:12] in row.inner_text()
    row.get_by_role("button", name="Uses").click()
    page.wait_for_selector("#key-use-rows")
    assert "review" in page.inner_text("#key-use-rows") and str(ADA) in page.inner_text("#key-use-rows")
    shot(page, "23-api-key-used")

    row.get_by_role("button", name="Revoke").click()
    page.click("#confirm-action")  # the confirmation dialog
    page.wait_for_selector("#api-keys .badge.critical")
    assert page.locator("#api-keys tbody tr").first.get_by_role("button", name="Revoke").count() == 0
    shot(page, "24-api-key-revoked")

    refused = requests.post(
        f"{live.server.url}/api/actions",
        json={"customer_id": ADA, "action": "review", "ref": "p2"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert refused.status_code == 401 and refused.json()["error"] == "key_revoked"
