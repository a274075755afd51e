"""Orders and customers through the whole pipeline: HTTP, PostgreSQL, Redis, rq worker processes."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import Program
from shopify_app.ledger import ledger
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop.models import Shop
from webhooks.deliveries import record

ADA = 7012345678901


def entries(sessions, shop_domain: str) -> list[tuple[str, int, str]]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(LedgerEntry.idempotency_key, LedgerEntry.points, LedgerEntry.kind)
            .join(Shop, Shop.id == LedgerEntry.shop_id)
            .where(Shop.domain == shop_domain)
            .order_by(LedgerEntry.id)
        )
        return [tuple(row) for row in rows]


def program_change(sessions, shop_domain: str, **settings) -> None:
    with UnitOfWork(sessions) as uow:
        program = uow.session.scalars(select(Program).join(Shop).where(Shop.domain == shop_domain)).one()
        for name, value in settings.items():
            setattr(program, name, value)
        uow.commit()


def test_a_paid_order_earns_one_point_per_whole_unit_of_its_eligible_amount(webhooks, balance, sessions, shop):
    response = webhooks.send("orders/paid", shopify.template("orders/paid"))
    assert webhooks.processed(response) == "done"
    # The captured order: 100.00 of goods, 10.00 off, 7.00 shipping, 7.20 tax.
    assert balance(ADA) == 90
    assert entries(sessions, shop) == [("order:5512345678901:earn", 90, "earn")]


def test_the_same_delivery_five_times_at_once_gives_one_entry(webhooks, balance, sessions, shop, app):
    body, headers = shopify.delivery(
        "orders/paid", shopify.order_paid(2001, ADA), shop=shop, secret=app.extensions["perks"].settings.shopify_api_secret
    )

    def post(_):
        return app.test_client().post("/webhooks", data=body, headers=headers)

    with ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(post, range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    recorded = [r.get_json()["delivery"] for r in responses if r.get_json()["delivery"]]
    assert len(recorded) == 1
    assert webhooks.wait_for(recorded[0]) == "done"
    assert entries(sessions, shop) == [("order:2001:earn", 30, "earn")]
    assert balance(ADA) == 30


def test_one_delivery_processed_by_five_jobs_at_once_gives_one_entry(webhooks, sessions, shop, app):
    with UnitOfWork(sessions) as uow:
        shop_row = uow.session.scalars(select(Shop).where(Shop.domain == shop)).one()
        body, headers = shopify.delivery("orders/paid", shopify.order_paid(2002, ADA), shop=shop, secret="unused")
        delivery_id = record(uow.session, shop_row, headers, body)
        uow.commit()
    queue = app.extensions["perks"].queue
    jobs = [queue.enqueue("webhooks.jobs.process_delivery", delivery_id) for _ in range(5)]
    assert sorted(job.latest_result(timeout=30).return_value for job in jobs) == ["done"] * 5
    assert entries(sessions, shop) == [("order:2002:earn", 30, "earn")]


def test_the_same_order_paid_under_two_webhook_ids_earns_once(webhooks, balance, sessions, shop):
    payload = shopify.order_paid(2003, ADA)
    first = webhooks.send("orders/paid", payload)
    second = webhooks.send("orders/paid", payload)  # a new webhook id and event id, as after a re-send
    assert webhooks.processed(first) == "done"
    assert webhooks.processed(second) == "done"
    assert entries(sessions, shop) == [("order:2003:earn", 30, "earn")]
    assert balance(ADA) == 30


def test_a_resend_of_one_event_under_a_new_webhook_id_is_seen_as_a_duplicate(webhooks, sessions, shop):
    payload = shopify.order_paid(2004, ADA)
    assert webhooks.processed(webhooks.send("orders/paid", payload, event_id="event-2004")) == "done"
    assert webhooks.processed(webhooks.send("orders/paid", payload, event_id="event-2004")) == "duplicate"
    assert len(entries(sessions, shop)) == 1


def test_a_refund_that_arrives_before_its_order_ends_at_the_right_balance(webhooks, balance, sessions, shop):
    order = shopify.order_paid(2005, ADA, lines=[(Decimal("30.00"), 2, Decimal("6.00")), (Decimal("40.00"), 1, Decimal("4.00"))])
    refund = shopify.refund(3005, 2005, lines=[(Decimal("30.00"), 1, Decimal("27.00"))])
    assert webhooks.processed(webhooks.send("refunds/create", refund)) == "done"
    assert balance(ADA) == 0
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"
    assert balance(ADA) == 90 - 27
    assert webhooks.processed(webhooks.send("refunds/create", refund)) == "done"
    assert balance(ADA) == 63


def test_refunds_take_back_their_share_and_a_cancellation_the_rest(webhooks, balance, sessions, shop):
    assert webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2006, ADA, lines=[(Decimal("25.00"), 4, 0)]))) == "done"
    assert balance(ADA) == 100
    webhooks.processed(webhooks.send("refunds/create", shopify.refund(3006, 2006, lines=[(Decimal("25.00"), 1, Decimal("25.00"))])))
    assert balance(ADA) == 75
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(2006, ADA)))
    assert balance(ADA) == 0
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(2006, ADA)))
    webhooks.processed(webhooks.send("refunds/create", shopify.refund(3007, 2006, lines=[(Decimal("25.00"), 3, Decimal("75.00"))])))
    assert balance(ADA) == 0
    assert [key for key, _, _ in entries(sessions, shop)] == ["order:2006:earn", "refund:3006:reverse", "order:2006:cancel"]


def test_a_balance_goes_negative_only_where_points_were_already_spent(webhooks, balance, sessions, shop):
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2007, ADA, lines=[(Decimal("50.00"), 1, 0)])))
    with UnitOfWork(sessions) as uow:
        member = uow.session.scalars(select(Member).join(Shop).where(Shop.domain == shop)).one()
        ledger.post(uow.session, member, -40, kind="redeem", key="redemption:test", reason="Spent on a reward")
        uow.commit()
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(2007, ADA)))
    assert balance(ADA) == -40


def test_fifty_concurrent_deliveries_for_one_customer_give_the_exact_sum(webhooks, balance, shop, app):
    orders = [shopify.order_paid(4000 + n, ADA, lines=[(Decimal(n + 1), 1, 0)]) for n in range(50)]
    secret = app.extensions["perks"].settings.shopify_api_secret

    def post(payload):
        body, headers = shopify.delivery("orders/paid", payload, shop=shop, secret=secret)
        return app.test_client().post("/webhooks", data=body, headers=headers)

    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(post, orders))
    assert {webhooks.processed(r) for r in responses} == {"done"}
    assert balance(ADA) == sum(range(1, 51))


def test_orders_follow_the_shops_program_settings(webhooks, balance, sessions, shop):
    program_change(sessions, shop, points_per_unit=Decimal(2), rounding="nearest", minimum_order=Decimal(20), count_shipping=True)
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2010, ADA, lines=[(Decimal("10.25"), 1, 0)], shipping="2.00")))
    assert balance(ADA) == 0  # 12.25 is under the 20.00 minimum
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2011, ADA, lines=[(Decimal("20.12"), 1, 0)], shipping="1.00")))
    assert balance(ADA) == 42  # (20.12 + 1.00) x 2 = 42.24, nearest


def test_a_shipping_refund_in_refund_shipping_lines_takes_back_the_shippings_points(webhooks, balance, sessions, shop):
    # Shopify puts a shipping refund in refund_shipping_lines, not in order_adjustments.
    program_change(sessions, shop, count_shipping=True)
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2020, ADA, lines=[(Decimal("30.00"), 1, 0)], shipping="10.00")))
    assert balance(ADA) == 40
    assert webhooks.processed(webhooks.send("refunds/create", shopify.refund(3020, 2020, lines=(), shipping="10.00"))) == "done"
    assert balance(ADA) == 30


def test_a_guest_order_earns_nothing_for_now_and_creates_no_member(webhooks, sessions, shop):
    assert webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2012, None))) == "done"
    assert entries(sessions, shop) == []


def test_an_order_from_an_unknown_customer_creates_the_member(webhooks, balance, sessions, shop):
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(2013, 99, email="Grace@Example.com")))
    with UnitOfWork(sessions) as uow:
        member = uow.session.scalars(select(Member).join(Shop).where(Shop.domain == shop, Member.customer_id == 99)).one()
        assert member.email == "grace@example.com"
    assert balance(99) == 30


def test_customers_create_makes_a_member_and_update_keeps_email_and_name_current(webhooks, sessions, shop, balance):
    webhooks.processed(webhooks.send("customers/create", shopify.template("customers/create")))
    webhooks.processed(webhooks.send("customers/update", shopify.template("customers/update")))
    # An older profile delivered late changes nothing.
    webhooks.processed(webhooks.send("customers/update", shopify.template("customers/create")))
    with UnitOfWork(sessions) as uow:
        member = uow.session.scalars(select(Member).join(Shop).where(Shop.domain == shop)).one()
        assert (member.email, member.first_name, member.last_name) == ("ada.lovelace@example.com", "Ada", "King")
    assert balance(ADA) == 0  # the sign-up bonus is off by default


def test_the_signup_bonus_is_paid_once_when_the_program_has_one(webhooks, sessions, shop, balance):
    program_change(sessions, shop, signup_points=50)
    for _ in range(2):
        webhooks.processed(webhooks.send("customers/create", shopify.template("customers/create")))
    assert balance(ADA) == 50


def test_a_delivery_that_cannot_be_processed_is_kept_visible_as_failed(webhooks, sessions, shop, runner):
    payload = shopify.order_paid(2014, ADA)
    del payload["line_items"]
    response = webhooks.send("orders/paid", payload)
    assert webhooks.processed(response) == "failed"
    result = runner.invoke(args=["perks", "failed"])
    assert f"{response.get_json()['delivery']}\torders/paid" in result.output
    assert "line_items" in result.output
    assert entries(sessions, shop) == []
