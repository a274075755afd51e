"""The launcher's reward card tells the shopper the order a code needs and how long it lasts, before they redeem."""

from __future__ import annotations

from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.models import Reward
from shopify_app.rewards.rewards import update_reward
from tests.storefront.conftest import open_launcher, shot


def terms(sessions, shop_id: int, **changes) -> None:
    with UnitOfWork(sessions) as uow:
        reward_id = uow.session.scalar(select(Reward.id).where(Reward.shop_id == shop_id))  # the shop's 5 USD off
        update_reward(uow.session, shop_id, reward_id, changes)
        uow.commit()


def test_a_member_sees_the_minimum_order_and_how_long_the_code_lasts(live, page_factory, sessions):
    terms(sessions, live.shop_id, minimum_order="40", code_valid_days=14)
    live.give(800)
    page = page_factory(logged_in=True)
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="5 USD off")
    assert "On orders of $40.00 or more" in row.inner_text()
    assert "Valid for 14 days once redeemed" in row.inner_text()
    shot(page, "reward-terms-member")


def test_a_visitor_sees_them_too_in_their_language(live, page_factory, sessions):
    terms(sessions, live.shop_id, minimum_order="40", code_valid_days=1)
    page = page_factory(locale="de")
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="5 USD off")
    assert "Ab einem Bestellwert von 40,00" in row.inner_text() and "1 Tag gültig ab Einlösung" in row.inner_text()


def test_a_reward_without_a_minimum_or_an_end_says_neither(live, page_factory, sessions):
    terms(sessions, live.shop_id, minimum_order=None, code_valid_days=None)
    page = page_factory()
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="5 USD off")
    assert row.locator(".perks-terms").count() == 0
