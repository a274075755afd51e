"""Earn actions done from the launcher, in headless Chromium on the demo storefront:
the newsletter subscribed through the fake Admin API."""

from __future__ import annotations

from playwright.sync_api import expect

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.shop.models import Shop
from tests.storefront.conftest import ADA, open_launcher, shot


def rules(live, sessions, **points) -> None:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, live.shop_id)
        for action, value in points.items():
            actions.set_rule(uow.session, shop, action, points=value)
        uow.commit()


def marketing_state(live) -> str:
    platform = live.platform
    return platform.fake.state.shop(platform.shop).customers[f"gid://shopify/Customer/{ADA}"]["email_marketing"]["state"]


def test_a_member_subscribes_to_the_newsletter_from_the_launcher(live, page_factory, sessions):
    rules(live, sessions, newsletter=30)
    live.platform.fake.state.add_customer(live.platform.shop, id=ADA, email="ada@example.com", first_name="Ada")
    page = page_factory(logged_in=True)
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="Join our newsletter")
    row.get_by_role("button", name="Subscribe to the newsletter").click()
    page.locator("#perks-panel .perks-card", has_text="You earned 30 points!").wait_for()
    assert "✓ Done" in page.locator("#perks-panel .perks-row", has_text="Join our newsletter").inner_text()
    assert page.locator("#perks-panel .perks-row", has_text="Join our newsletter").get_by_role("button").count() == 0
    shot(page, "newsletter-subscribed")
    assert marketing_state(live) == "SUBSCRIBED"
    assert live.member()["points"] == 30


def test_a_newsletter_shopify_refuses_shows_why_and_changes_nothing(live, page_factory, sessions):
    rules(live, sessions, newsletter=30)
    live.platform.fake.state.add_customer(live.platform.shop, id=ADA)  # no email: Shopify cannot subscribe her
    page = page_factory(logged_in=True, locale="fr")
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="newsletter")
    row.get_by_role("button").click()
    alert = row.get_by_role("alert")
    alert.wait_for()
    assert "Rien n'a changé" in alert.inner_text()
    assert row.get_by_role("button").is_enabled()  # the shopper may try again
    with page.expect_response(lambda answer: "/actions/newsletter" in answer.url):
        row.get_by_role("button").click()
    expect(row.get_by_role("button")).to_be_enabled()
    assert row.get_by_role("alert").count() == 1  # the second refusal replaces the first
    shot(page, "newsletter-refused-fr")
    assert marketing_state(live) == "NOT_SUBSCRIBED" and live.member()["points"] == 0
    page.errors[:] = [e for e in page.errors if "status of 422" not in e]  # the refusal itself, logged by Chromium


def test_a_follow_shows_the_profile_link_and_a_claim_button(live, page_factory, sessions):
    with UnitOfWork(sessions) as uow:
        actions.set_rule(
            uow.session,
            uow.session.get(Shop, live.shop_id),
            "social_follow",
            points=50,
            name="Follow us",
            url="https://www.instagram.com/perks.demo",
        )
        uow.commit()
    page = page_factory(logged_in=True)
    page.goto(live.url("/demo/shop"))
    open_launcher(page)
    row = page.locator("#perks-panel .perks-row", has_text="Follow us")
    link = row.get_by_role("link", name="Follow on Instagram")
    assert link.get_attribute("href") == "https://www.instagram.com/perks.demo"
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")
    shot(page, "follow-link-and-claim")
    row.get_by_role("button", name="Claim points").click()  # the link itself is not followed: nothing leaves 127.0.0.1
    page.locator("#perks-panel .perks-card", has_text="You earned 50 points!").wait_for()
    done = page.locator("#perks-panel .perks-row", has_text="Follow us").first  # the way to earn, above the history
    assert "✓ Done" in done.inner_text() and done.get_by_role("link").count() == 0
    assert live.member()["points"] == 50
