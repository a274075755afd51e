"""Privacy, complete (issue 18): a data request holds everything Perks keeps on the
member; a redaction leaves nothing personal anywhere, while the ledger's amounts stay."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from shopify_app.models import (
    DataRequest,
    Member,
    MemberBirthday,
    MemberEvent,
    PendingPoints,
    Redemption,
    Referral,
    Reward,
    Shop,
    Unsubscribe,
)
from shopify_app.unit_of_work import UnitOfWork
from tests.fixtures import shopify_webhooks as shopify

ADA, GRACE, LINUS = 7012345678901, 7012345678902, 7012345678903


def earn(webhooks, order_id: int, customer: int, email: str) -> None:
    order = shopify.order_paid(order_id, customer, lines=[("30.00", 1, 0)], email=email)
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"


def member(session, shop: str, customer_id: int) -> Member:
    return session.scalars(select(Member).join(Shop).where(Shop.domain == shop, Member.customer_id == customer_id)).one()


def test_a_data_request_holds_redemptions_referrals_both_ways_birthday_pending_points_consents_and_mails(webhooks, sessions, shop):
    earn(webhooks, 8101, ADA, "ada@example.com")
    earn(webhooks, 8102, GRACE, "grace@example.com")
    earn(webhooks, 8103, LINUS, "linus@example.com")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    with UnitOfWork(sessions) as uow:
        s = uow.session
        ada, grace, linus = (member(s, shop, c) for c in (ADA, GRACE, LINUS))
        reward = Reward(shop_id=ada.shop_id, title="$5 off", kind="fixed_amount", points_cost=10, value=Decimal(5))
        s.add(reward)
        s.flush()
        s.add(
            Redemption(
                shop_id=ada.shop_id,
                member_id=ada.id,
                reward_id=reward.id,
                request_key="r1",
                points=10,
                value=Decimal(5),
                code="PERKS-ADA1",
                state="issued",
            )
        )
        s.add(Referral(shop_id=ada.shop_id, referrer_id=ada.id, friend_id=grace.id, friend_customer_id=GRACE, state="rewarded", points=50))
        s.add(
            Referral(
                shop_id=ada.shop_id,
                referrer_id=linus.id,
                friend_id=ada.id,
                friend_customer_id=ADA,
                state="pending",
                welcome_code="WELCOME-ADA",
            )
        )
        s.add(MemberBirthday(member_id=ada.id, shop_id=ada.shop_id, month=12, day=10, year=1815))
        s.add(PendingPoints(shop_id=ada.shop_id, order_id=8199, email="ada@example.com", points=7, status="pending", created_at=now))
        s.add(Unsubscribe(shop_id=ada.shop_id, member_id=ada.id, channel="email"))
        s.add(
            MemberEvent(
                shop_id=ada.shop_id, member_id=ada.id, kind="points_earned", key="mail:ada:1", data={"points": 30}, delivered_at=now
            )
        )
        uow.commit()

    assert webhooks.processed(webhooks.send("customers/data_request", shopify.template("customers/data_request"))) == "done"
    with UnitOfWork(sessions) as uow:
        export = uow.session.scalars(select(DataRequest).join(Shop).where(Shop.domain == shop)).one().export
    assert [(r["reward"], r["points"], r["code"], r["state"]) for r in export["redemptions"]] == [("$5 off", 10, "PERKS-ADA1", "issued")]
    assert [(r["role"], r["state"], r["points"]) for r in export["referrals"] if r["role"] == "referrer"] == [("referrer", "rewarded", 50)]
    assert [(r["role"], r["welcome_code"]) for r in export["referrals"] if r["role"] == "friend"] == [("friend", "WELCOME-ADA")]
    assert (export["birthday"]["month"], export["birthday"]["day"], export["birthday"]["year"]) == (12, 10, 1815)
    assert [(p["order_id"], p["email"], p["points"], p["status"]) for p in export["pending_points"]] == [
        (8199, "ada@example.com", 7, "pending")
    ]
    assert [u["channel"] for u in export["consents"]["unsubscribed"]] == ["email"]
    # The mail the order's points sent (undelivered here), and the one planted as sent.
    assert ("points_earned", {"points": 30}, True) in [(m["kind"], m["data"], m["delivered_at"] is not None) for m in export["messages"]]


def test_a_data_request_for_a_guest_holds_their_pending_points(webhooks, sessions, shop):
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == shop)).one()
        uow.session.add(PendingPoints(shop_id=shop_id, order_id=8201, email="ada@example.com", points=9, status="pending"))
        uow.commit()
    assert webhooks.processed(webhooks.send("customers/data_request", shopify.template("customers/data_request"))) == "done"
    with UnitOfWork(sessions) as uow:
        export = uow.session.scalars(select(DataRequest).join(Shop).where(Shop.domain == shop)).one().export
    assert export["member"] is None
    assert [(p["order_id"], p["points"]) for p in export["pending_points"]] == [(8201, 9)]
