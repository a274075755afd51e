"""A manual adjustment in headless Chromium is made once (issue 17): a double click on its button, or a
second click after the first answer was lost, pays once, under the Idempotency-Key the admin makes per click."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member
from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser

ADA = 7517000000001


def _adjustments(sessions, shop: str) -> list[tuple[int, str]]:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        query = select(LedgerEntry.points, LedgerEntry.idempotency_key).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "adjust", LedgerEntry.idempotency_key.not_like("test:%")
        )
        return [tuple(row) for row in uow.session.execute(query.order_by(LedgerEntry.id))]


def _open_ada(page, live, sessions) -> None:
    open_section(page, live, "home")  # installs the shop
    add_member(sessions, live.shop, ADA, email="ada@example.com", first="Ada", last="Lovelace", points=120)
    go(page, f"member/{ADA}")
    page.wait_for_selector("#adjust-form")
    assert page.inner_text("#balance") == "120 points"
    page.fill("#f-points", "7")
    page.fill("#f-reason", "Parcel late")


def test_a_double_click_on_adjust_pays_once(page, live, sessions):
    _open_ada(page, live, sessions)
    page.dblclick("#adjust")
    page.wait_for_function("(document.getElementById('balance')?.textContent || '120 points') !== '120 points'")
    page.wait_for_load_state("networkidle")
    made = _adjustments(sessions, live.shop)
    assert [points for points, _ in made] == [7], made  # the old admin made two: [7, 7]
    assert made[0][1].startswith("admin:") and made[0][1].endswith(":adjust")
    assert page.inner_text("#balance") == "127 points"
    assert page.locator("#history tbody tr:has-text('Parcel late')").count() == 1
    shot(page, "adjust-once-double-click")


def test_a_click_again_after_a_lost_answer_sends_the_same_key_and_pays_once(page, live, sessions):
    _open_ada(page, live, sessions)
    sent: list[str] = []

    def lose_the_first_answer(route):
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) == 1:
            route.fetch()  # the adjustment is made...
            route.abort("connectionreset")  # ...and its answer never reaches the page
        else:
            route.continue_()

    page.route("**/api/members/*/adjustments", lose_the_first_answer)
    page.click("#adjust")
    page.wait_for_selector("#adjust-form .field.invalid")
    assert "will not be made twice" in page.inner_text("#e-points")
    shot(page, "adjust-once-answer-lost")
    assert not page.locator("#adjust").is_disabled()  # the merchant can try again
    page.click("#adjust")
    page.wait_for_function("document.getElementById('balance')?.textContent === '127 points'")
    assert len(sent) == 2 and sent[0] == sent[1] != ""
    assert _adjustments(sessions, live.shop) == [(7, f"admin:{sent[0]}:adjust")]
    shot(page, "adjust-once-after-lost-answer")

    # A new adjustment on the page that follows is a new click: a new key, another entry.
    page.fill("#f-points", "7")
    page.fill("#f-reason", "Parcel late")
    page.click("#adjust")
    page.wait_for_function("document.getElementById('balance')?.textContent === '134 points'")
    assert len(sent) == 3 and sent[2] not in ("", sent[0])
    assert len(_adjustments(sessions, live.shop)) == 2


def test_taking_more_points_than_the_member_has_asks_the_merchant_to_allow_it(page, live, sessions):
    _open_ada(page, live, sessions)
    page.fill("#f-points", "-150")
    page.fill("#f-reason", "Refunded outside Shopify")
    page.click("#adjust")
    page.wait_for_selector("#e-points:has-text('below zero')")
    assert page.inner_text("#balance") == "120 points" and _adjustments(sessions, live.shop) == []
    shot(page, "adjust-below-zero-refused")
    page.check("#f-confirm_negative")
    page.click("#adjust")
    page.wait_for_function("document.getElementById('balance')?.textContent === '-30 points'")
    assert [points for points, _ in _adjustments(sessions, live.shop)] == [-150]
    shot(page, "adjust-below-zero-allowed")
