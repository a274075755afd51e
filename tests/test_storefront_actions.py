"""The launcher's earn actions through the app proxy: a birthday, a social follow or share, the newsletter.

Only Shopify's signed `logged_in_customer_id` is ever acted for; unsigned or
forged requests are refused with 401 and change nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify_webhooks
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.earn.models import MemberBirthday
from shopify_app.ledger.members import find_member
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.notifications.models import Unsubscribe
from shopify_app.shop.models import Shop
from tests.fixtures.app_proxy import signed_query
from webhooks.handlers import HANDLERS

ADA, GRACE = 7012345678901, 7012345678902


@pytest.fixture
def installed(platform, sessions):
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        actions.set_rule(uow.session, shop, "birthday", points=100, limit_period="year")
        actions.set_rule(uow.session, shop, "social_follow", points=50, name="Follow us on Instagram")
        actions.set_rule(uow.session, shop, "social_share", points=10, limit_count=5, limit_period="ever")
        actions.set_rule(uow.session, shop, "newsletter", points=30)
        uow.commit()
        return shop.id


def post(platform, path: str, customer: int | None, json=None, **changes):
    query = signed_query(platform.shop, customer, platform.fake.client_secret, **changes)
    return platform.client.post(f"/proxy{path}", query_string=query, json=json if json is not None else {})


def member_of(sessions, shop_id: int, customer: int):
    with UnitOfWork(sessions) as uow:
        found = find_member(uow.session, shop_id, customer)
        birthday = uow.session.get(MemberBirthday, found.id) if found else None
        return (found.points_balance if found else 0), (f"{birthday.month:02d}-{birthday.day:02d}" if birthday else None)


@pytest.mark.parametrize("path", ["/birthday", "/actions/social_follow"])
def test_unsigned_forged_stale_and_anonymous_requests_are_refused(platform, sessions, installed, path):
    body = {"date": "04-23"}
    assert platform.client.post(f"/proxy{path}", json=body).status_code == 401
    unsigned = {"shop": platform.shop, "logged_in_customer_id": str(ADA)}
    assert platform.client.post(f"/proxy{path}", query_string=unsigned, json=body).status_code == 401
    # Signed for Ada, then the customer swapped: the signature no longer matches.
    forged = signed_query(platform.shop, ADA, platform.fake.client_secret) | {"logged_in_customer_id": str(GRACE)}
    answer = platform.client.post(f"/proxy{path}", query_string=forged, json=body)
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_signature"
    # Signed with another secret.
    assert post_with_secret(platform, path, "not-the-secret", body).status_code == 401
    # Too old.
    assert post(platform, path, ADA, body, timestamp="1000000000").status_code == 401
    # Signed but nobody logged in.
    anonymous = post(platform, path, None, body)
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "login_required"
    assert member_of(sessions, installed, ADA) == (0, None) and member_of(sessions, installed, GRACE) == (0, None)


def post_with_secret(platform, path, secret, body):
    return platform.client.post(f"/proxy{path}", query_string=signed_query(platform.shop, ADA, secret), json=body)


def test_a_birthday_is_kept_for_the_logged_in_customer_only(platform, sessions, installed):
    naming = post(platform, "/birthday", ADA, {"date": "04-23", "customer_id": GRACE, "logged_in_customer_id": GRACE})
    assert naming.status_code == 400 and set(naming.get_json()["fields"]) == {"customer_id", "logged_in_customer_id"}
    assert member_of(sessions, installed, ADA) == (0, None) and member_of(sessions, installed, GRACE) == (0, None)
    answer = post(platform, "/birthday", ADA, {"date": "04-23"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"birthday": "04-23"}
    assert member_of(sessions, installed, ADA) == (0, "04-23")  # paid on the day by the cron job, not now
    assert member_of(sessions, installed, GRACE) == (0, None)

    member = platform.proxy("GET", "/member", ADA).get_json()
    assert member["birthday"] == "04-23"
    (way,) = [w for w in member["earn"] if w["key"] == "birthday"]
    assert (way["points"], way["per"]) == (100, "year")
    assert platform.proxy("GET", "/member", GRACE).get_json()["birthday"] is None


@pytest.mark.parametrize("date", ["4-23", "13-01", "02-30", "", "04/23", None, 423])
def test_a_wrong_date_is_refused_in_the_shoppers_language(platform, sessions, installed, date):
    answer = post(platform, "/birthday", ADA, {"date": date}, locale="fr")
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_date" and "MM-JJ" in answer.get_json()["message"]
    assert not answer.get_json()["message"].startswith("date")  # the launcher shows it as it is; `fields` names the field
    assert member_of(sessions, installed, ADA)[1] is None


def test_29_february_is_a_birthday(platform, sessions, installed):
    assert post(platform, "/birthday", ADA, {"date": "02-29"}).get_json() == {"birthday": "02-29"}


def test_a_social_follow_pays_once_and_only_the_logged_in_customer(platform, sessions, installed):
    naming = post(platform, "/actions/social_follow", ADA, {"customer_id": GRACE})
    assert naming.status_code == 400 and naming.get_json()["fields"] == {"customer_id": "is not something this takes"}
    first = post(platform, "/actions/social_follow", ADA, {})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"points": 50, "balance": 50}
    again = post(platform, "/actions/social_follow", ADA, {"network": "instagram"}, locale="de")
    assert again.status_code == 409
    assert again.get_json()["error"] in {"already_done", "limit_reached"} and again.get_json()["balance"] == 50
    assert member_of(sessions, installed, ADA)[0] == 50 and member_of(sessions, installed, GRACE)[0] == 0

    member = platform.proxy("GET", "/member", ADA).get_json()
    (way,) = [w for w in member["earn"] if w["key"] == "social_follow"]
    assert way["done"] is True and way["title"] == "Follow us on Instagram" and way["points"] == 50
    assert member["history"][0]["points"] == 50
    grace = platform.proxy("GET", "/member", GRACE).get_json()
    assert [w["done"] for w in grace["earn"] if w["key"] == "social_follow"] == [False]


def test_a_shopper_cannot_farm_by_inventing_networks(platform, sessions, installed):
    # social_share allows 5 payouts ever, one per known network: a made-up name is refused and pays nothing.
    made_up = [post(platform, "/actions/social_share", ADA, {"network": f"made-up-{n}"}) for n in range(3)]
    assert {(a.status_code, a.get_json()["error"], *a.get_json()["fields"]) for a in made_up} == {(400, "invalid_request", "network")}
    assert member_of(sessions, installed, ADA)[0] == 0
    assert post(platform, "/actions/social_share", ADA, {"network": ""}).status_code == 200  # the launcher's "none"
    assert post(platform, "/actions/social_share", ADA, {}).status_code == 409  # the same occurrence
    assert post(platform, "/actions/social_share", ADA, {"network": "facebook"}).status_code == 200
    assert member_of(sessions, installed, ADA)[0] == 20


def test_unknown_actions_are_404_in_the_shoppers_language(platform, sessions, installed):
    for key in ("signup", "birthday", "custom", "review", "no-such-thing"):
        answer = post(platform, f"/actions/{key}", ADA, {}, locale="pt-BR")
        assert answer.status_code == 404 and answer.get_json()["message"].startswith("Esta forma")
    assert member_of(sessions, installed, ADA)[0] == 0


def marketing_state(platform, customer: int) -> str:
    return platform.fake.state.shop(platform.shop).customers[f"gid://shopify/Customer/{customer}"]["email_marketing"]["state"]


def newsletter_keys(sessions, shop_id: int) -> list[str]:
    with UnitOfWork(sessions) as uow:
        return list(
            uow.session.scalars(
                select(LedgerEntry.idempotency_key).where(
                    LedgerEntry.shop_id == shop_id, LedgerEntry.idempotency_key.like("action:newsletter:%")
                )
            )
        )


def consent_update(sessions, shop: str, customer: int, state: str) -> None:
    """What the worker does with the customers_email_marketing_consent/update Shopify sends after the consent changed."""
    with UnitOfWork(sessions) as uow:
        HANDLERS["customers_email_marketing_consent/update"](uow.session, shop, shopify_webhooks.email_consent(customer, state))
        uow.commit()


def test_the_newsletter_subscribed_from_the_launcher_pays_at_once_and_never_twice(platform, sessions, installed):
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    assert marketing_state(platform, ADA) == "NOT_SUBSCRIBED"

    assert post(platform, "/actions/newsletter", ADA, {"customer_id": GRACE}).status_code == 400  # a body names no one
    first = post(platform, "/actions/newsletter", ADA, {})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"points": 30, "balance": 30}
    assert marketing_state(platform, ADA) == "SUBSCRIBED"
    (call,) = [r for r in platform.fake.state.requests if r["operation"] == "CustomerEmailMarketingConsentUpdate"]
    assert call["variables"]["input"]["customerId"] == f"gid://shopify/Customer/{ADA}"  # never the body's customer
    assert member_of(sessions, installed, GRACE)[0] == 0

    again = post(platform, "/actions/newsletter", ADA, {}, locale="fr")
    assert again.status_code == 409 and again.get_json()["error"] == "already_done"
    assert again.get_json()["balance"] == 30 and "déjà" in again.get_json()["message"]

    # Shopify then reports the consent; the webhook finds the newsletter paid, however often it comes.
    consent_update(sessions, platform.shop, ADA, "subscribed")
    consent_update(sessions, platform.shop, ADA, "unsubscribed")
    consent_update(sessions, platform.shop, ADA, "subscribed")
    assert member_of(sessions, installed, ADA)[0] == 30
    assert newsletter_keys(sessions, installed) == [f"action:newsletter:{ADA}:ever:1"]

    member = platform.proxy("GET", "/member", ADA).get_json()
    assert [w["done"] for w in member["earn"] if w["key"] == "newsletter"] == [True]


def test_a_newsletter_paid_by_the_webhook_first_is_not_paid_again_from_the_launcher(platform, sessions, installed):
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    consent_update(sessions, platform.shop, ADA, "subscribed")
    answer = post(platform, "/actions/newsletter", ADA, {})
    assert answer.status_code == 409 and answer.get_json() == {
        "error": "already_done",
        "message": "You have already earned points for this.",
        "balance": 30,
    }
    assert marketing_state(platform, ADA) == "NOT_SUBSCRIBED"  # paid before: Shopify is not asked again
    assert newsletter_keys(sessions, installed) == [f"action:newsletter:{ADA}:ever:1"]


@pytest.mark.parametrize("why", ["no email", "unknown customer"])
def test_a_newsletter_shopify_refuses_changes_nothing_and_says_why_in_the_shoppers_language(platform, sessions, installed, why):
    if why == "no email":
        platform.fake.state.add_customer(platform.shop, id=ADA)
    else:
        platform.fake.state.auto_create_customers = False
    answer = post(platform, "/actions/newsletter", ADA, {}, locale="de")
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert body["error"] == "newsletter_refused" and body["message"].startswith("Der Shop konnte dieses Konto nicht")
    assert ("email" if why == "no email" else "not found") in body["detail"]
    assert member_of(sessions, installed, ADA) == (0, None)
    with UnitOfWork(sessions) as uow:
        assert find_member(uow.session, installed, ADA) is None  # not even a member row
    if why == "no email":
        assert marketing_state(platform, ADA) == "NOT_SUBSCRIBED"
    # Once Shopify can, the same shopper subscribes and is paid.
    platform.fake.state.auto_create_customers = True
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    assert post(platform, "/actions/newsletter", ADA, {}).get_json() == {"points": 30, "balance": 30}


def test_a_newsletter_when_shopify_cannot_be_reached_is_a_502_and_changes_nothing(platform, sessions, installed):
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    platform.fake.state.fail_next(10, status=503)
    answer = post(platform, "/actions/newsletter", ADA, {}, locale="es")
    platform.fake.state.fail_next(0)
    assert answer.status_code == 502 and answer.get_json()["error"] == "newsletter_unavailable"
    assert answer.get_json()["message"].startswith("No pudimos contactar con la tienda")
    assert marketing_state(platform, ADA) == "NOT_SUBSCRIBED" and member_of(sessions, installed, ADA)[0] == 0


def test_the_newsletter_is_not_offered_when_its_rule_is_off(platform, sessions, installed):
    platform.fake.state.add_customer(platform.shop, id=ADA, email="ada@example.com")
    with UnitOfWork(sessions) as uow:
        actions.set_rule(uow.session, uow.session.get(Shop, installed), "newsletter", points=30, enabled=False)
        uow.commit()
    answer = post(platform, "/actions/newsletter", ADA, {})
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_available"
    assert marketing_state(platform, ADA) == "NOT_SUBSCRIBED"


def test_a_rule_switched_off_pays_nothing(platform, sessions, installed):
    with UnitOfWork(sessions) as uow:
        shop = uow.session.get(Shop, installed)
        actions.set_rule(uow.session, shop, "social_follow", points=50, enabled=False)
        uow.commit()
    answer = post(platform, "/actions/social_follow", ADA, {})
    assert answer.status_code == 404 and answer.get_json()["error"] == "not_available"
    assert "social_follow" not in [w["key"] for w in platform.proxy("GET", "/program", None).get_json()["earn"]]


def test_a_member_stops_the_programs_mails_for_themself_only(platform, sessions, installed):
    assert post(platform, "/unsubscribe", None).status_code == 401
    for customer in (ADA, GRACE):
        post(platform, "/birthday", customer, {"date": "04-23"})  # both are members
    response = post(platform, "/unsubscribe", ADA, {"customer_id": GRACE})  # a body cannot name anyone else
    assert response.get_json() == {"unsubscribed": "email"}
    with UnitOfWork(sessions) as uow:
        stopped = {
            uow.session.get(Member, row.member_id).customer_id
            for row in uow.session.scalars(select(Unsubscribe).where(Unsubscribe.shop_id == installed))
        }
    assert stopped == {ADA}


def test_a_follow_rule_with_a_profile_shows_its_link_and_pays_once_for_its_network(platform, sessions, installed):
    with UnitOfWork(sessions) as uow:
        actions.set_rule(uow.session, uow.session.get(Shop, installed), "social_follow", points=50, url="https://www.tiktok.com/@perks")
        uow.commit()
    (way,) = [w for w in platform.proxy("GET", "/program", None).get_json()["earn"] if w["key"] == "social_follow"]
    assert (way["network"], way["url"]) == ("tiktok", "https://www.tiktok.com/@perks")
    assert [
        (w["network"], w["url"]) for w in platform.proxy("GET", "/program", None).get_json()["earn"] if w["key"] != "social_follow"
    ] == [(None, None)] * 4  # purchase, birthday, share, newsletter: no profile
    assert post(platform, "/actions/social_follow", ADA, {"network": "tiktok"}).get_json() == {"points": 50, "balance": 50}
    assert post(platform, "/actions/social_follow", ADA, {"network": "tiktok"}).get_json()["error"] == "already_done"
    (way,) = [w for w in platform.proxy("GET", "/member", ADA).get_json()["earn"] if w["key"] == "social_follow"]
    assert way["done"] is True and way["url"] == "https://www.tiktok.com/@perks"
    assert member_of(sessions, installed, ADA)[0] == 50
