"""The forecast in headless Chromium on the demo shop's history: a merchant edits the rate or a reward
and sees what it would have done over the last 90 days, beside today's rules, before saving anything."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from perks_dev.admin_demo import seed
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import Program
from shopify_app.rewards.models import Reward
from shopify_app.shop.shops import installed_shop
from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser


def figure(page, selector: str) -> float:
    return float(page.inner_text(selector).replace(",", "").replace("$", ""))


def changed(page, selector: str, before: str) -> None:
    page.wait_for_function(
        "([selector, before]) => { const el = document.querySelector(selector); return el && el.textContent !== before; }",
        arg=[selector, before],
    )


def demo_history(page, live, sessions) -> None:
    """The demo shop's few months of orders, on a shop the page has installed."""
    open_section(page, live, "home")
    with UnitOfWork(sessions) as uow:
        seed(uow.session, installed_shop(uow.session, live.shop))
        uow.commit()


def test_a_merchant_doubles_the_rate_and_the_forecast_doubles_the_points_before_anything_is_saved(page, live, sessions):
    demo_history(page, live, sessions)
    go(page, "earn")
    page.wait_for_selector("#earn-forecast[data-state='ready']")
    today = page.inner_text("#fc-points-today")
    assert figure(page, "#fc-points-today") > 0 and page.inner_text("#fc-points-draft") == today
    assert "12 months" in page.inner_text("#earn-forecast .assumptions")

    page.fill("#f-points_per_unit", "2")
    changed(page, "#fc-points-draft", today)
    # Rounded down per order, so each order's cents can add at most one point beyond exactly double.
    doubled, orders = 2 * figure(page, "#fc-points-today"), figure(page, "#fc-orders-today")
    assert doubled <= figure(page, "#fc-points-draft") <= doubled + orders
    assert page.inner_text("#fc-points-today") == today
    assert figure(page, "#fc-liability-draft") > figure(page, "#fc-liability-today")
    shot(page, "11-forecast-rate-doubled")

    page.fill("#f-points_per_unit", "-1")
    page.wait_for_selector("#earn-forecast[data-state='invalid']")
    assert "must be at least 0" in page.inner_text("#earn-forecast-invalid")
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, live.shop).id
        assert uow.session.scalar(select(Program.points_per_unit).where(Program.shop_id == shop_id)) == 1  # nothing saved


def test_a_merchant_makes_a_reward_cheaper_and_the_forecast_shows_the_liability_it_adds(page, live, sessions):
    demo_history(page, live, sessions)
    go(page, "rewards")
    page.click("#rewards tbody tr:first-child button")
    page.wait_for_selector("#reward-forecast[data-state='ready']")
    before = page.inner_text("#fc-liability-draft")
    assert before == page.inner_text("#fc-liability-today")

    page.fill("#f-points_cost", "250")  # 5 USD for 250 points: a point is worth twice as much
    changed(page, "#fc-liability-draft", before)
    assert figure(page, "#fc-liability-draft") == pytest.approx(2 * figure(page, "#fc-liability-today"), abs=0.02)
    assert figure(page, "#fc-rewards-draft") >= 2 * figure(page, "#fc-rewards-today")
    shot(page, "12-forecast-reward-cheaper")
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, live.shop).id
        assert uow.session.scalar(select(Reward.points_cost).where(Reward.shop_id == shop_id)) == 500  # nothing saved
