"""Lifecycle and privacy webhooks, end to end through /webhooks and the rq workers."""

import json

from sqlalchemy import func, select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import Program
from shopify_app.ledger.models import LedgerEntry, Member, Order
from shopify_app.shop.models import DataRequest, Shop
from webhooks.models import WebhookDelivery

ADA, GRACE = 7012345678901, 7012345678902


def merge(kept: int, deleted: int) -> dict:
    body = shopify.template("customers/merge")
    body["admin_graphql_api_customer_kept_id"] = f"gid://shopify/Customer/{kept}"
    body["admin_graphql_api_customer_deleted_id"] = f"gid://shopify/Customer/{deleted}"
    return body


def deleted(customer: int) -> dict:
    body = shopify.template("customers/delete")
    body.update(id=customer, admin_graphql_api_id=f"gid://shopify/Customer/{customer}")
    return body


def earn(webhooks, order_id: int, customer: int, amount: str) -> None:
    email = "ada@example.com" if customer == ADA else f"customer{customer}@example.com"
    order = shopify.order_paid(order_id, customer, lines=[(amount, 1, 0)], email=email)
    assert webhooks.processed(webhooks.send("orders/paid", order)) == "done"


def test_a_merge_moves_the_deleted_customers_points_to_the_kept_one_once(webhooks, balance):
    earn(webhooks, 7101, ADA, "30.00")
    earn(webhooks, 7102, GRACE, "20.00")
    for _ in range(2):
        assert webhooks.processed(webhooks.send("customers/merge", merge(ADA, GRACE))) == "done"
    assert (balance(ADA), balance(GRACE)) == (50, 0)
    # What the merged-away customer earns or loses later follows them to the kept one.
    earn(webhooks, 7103, GRACE, "5.00")
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(7102, GRACE)))
    assert (balance(ADA), balance(GRACE)) == (35, 0)


def test_a_merge_after_the_deletion_of_the_merged_customer_ends_the_same(webhooks, balance, sessions, shop):
    earn(webhooks, 7201, ADA, "30.00")
    earn(webhooks, 7202, GRACE, "20.00")
    webhooks.processed(webhooks.send("customers/delete", deleted(GRACE)))
    webhooks.processed(webhooks.send("customers/merge", merge(ADA, GRACE)))
    webhooks.processed(webhooks.send("customers/delete", deleted(GRACE)))
    assert (balance(ADA), balance(GRACE)) == (50, 0)
    with UnitOfWork(sessions) as uow:
        gone = uow.session.scalars(select(Member).join(Shop).where(Shop.domain == shop, Member.customer_id == GRACE)).one()
        assert gone.deleted_at is not None and gone.merged_into_id is not None


def test_a_data_request_assembles_the_members_data_and_is_recorded(webhooks, sessions, shop):
    earn(webhooks, 7301, ADA, "30.00")
    assert webhooks.processed(webhooks.send("customers/data_request", shopify.template("customers/data_request"))) == "done"
    with UnitOfWork(sessions) as uow:
        request = uow.session.scalars(select(DataRequest).join(Shop).where(Shop.domain == shop)).one()
        assert request.request_id == 9912345
        assert request.export["member"]["email"] == "ada@example.com"
        assert [(e["points"], e["reason"]) for e in request.export["ledger"]] == [(30, "Order #7301")]
        assert request.export["orders"] == [{"order_id": 7301, "name": "#7301", "points_earned": 30}]


def test_a_redaction_erases_personal_data_but_keeps_the_ledgers_amounts(webhooks, sessions, shop, balance):
    earn(webhooks, 7401, ADA, "30.00")
    earn(webhooks, 7402, GRACE, "12.00")
    assert webhooks.processed(webhooks.send("customers/redact", shopify.template("customers/redact"))) == "done"
    with UnitOfWork(sessions) as uow:
        ada = uow.session.scalars(select(Member).join(Shop).where(Shop.domain == shop, Member.customer_id == ADA)).one()
        assert (ada.email, ada.first_name, ada.last_name) == (None, None, None)
        assert ada.redacted_at is not None
        payloads = list(uow.session.scalars(select(WebhookDelivery.payload).join(Shop).where(Shop.domain == shop)))
        assert not any("ada@example.com" in p for p in payloads)
        customers = [(json.loads(p).get("customer") or {}).get("id") for p in payloads]
        assert ADA not in customers
        assert GRACE in customers  # other customers' deliveries are untouched
    assert (balance(ADA), balance(GRACE)) == (30, 12)


def test_uninstall_stops_processing_and_keeps_the_program_and_shop_redact_then_deletes_everything(webhooks, sessions, shop):
    earn(webhooks, 7501, ADA, "30.00")
    assert webhooks.processed(webhooks.send("app/uninstalled", shopify.template("app/uninstalled"))) == "done"
    with UnitOfWork(sessions) as uow:
        row = uow.session.scalars(select(Shop).where(Shop.domain == shop)).one()
        assert row.uninstalled_at is not None and row.access_token_encrypted is None
        assert uow.session.scalar(select(func.count()).where(Program.shop_id == row.id)) == 1
        shop_id = row.id
    ignored = webhooks.send("orders/paid", shopify.order_paid(7502, ADA))
    assert ignored.get_json()["status"] == "ignored"

    assert webhooks.processed(webhooks.send("shop/redact", shopify.template("shop/redact"))) == "done"
    with UnitOfWork(sessions) as uow:
        for table in (Shop, Program, Member, LedgerEntry, Order, WebhookDelivery):
            column = table.id if table is Shop else table.shop_id
            assert uow.session.scalar(select(func.count()).where(column == shop_id)) == 0, table.__tablename__
