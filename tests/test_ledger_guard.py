"""The ledger defends itself, and `perks audit` checks the cached balances against it.

The database refuses UPDATE, DELETE and TRUNCATE of ledger entries (migration
0014), cascades from a shop's deletion included, unless the transaction went
through ledger.allow_rewrite: privacy.redact_shop (shop/redact) is the one path
that does. customers/redact keeps the entries (anonymised by the member's
redaction) and so needs no door.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop import privacy
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member

ADA, GRACE = 7012345678901, 7012345678902


def an_entry(sessions, shop) -> int:
    add_member(sessions, shop, ADA, email="ada@example.com", points=50)
    with UnitOfWork(sessions) as uow:
        return uow.session.scalar(select(LedgerEntry.id).join(Shop, Shop.id == LedgerEntry.shop_id).where(Shop.domain == shop))


@pytest.mark.parametrize(
    "statement",
    [
        lambda entry: update(LedgerEntry).where(LedgerEntry.id == entry).values(points=5000),
        lambda entry: update(LedgerEntry).where(LedgerEntry.id == entry).values(created_at=func.now() - text("interval '1 day'")),
        lambda entry: delete(LedgerEntry).where(LedgerEntry.id == entry),
        lambda entry: text("TRUNCATE ledger_entries"),
    ],
    ids=["update points", "update created_at", "delete", "truncate"],
)
def test_the_database_refuses_to_change_a_written_entry(sessions, shop, statement):
    entry = an_entry(sessions, shop)
    with UnitOfWork(sessions) as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(statement(entry))
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(LedgerEntry.points).where(LedgerEntry.id == entry)) == 50


def test_deleting_a_shop_outside_the_redact_path_is_refused_by_the_cascade(sessions, shop):
    an_entry(sessions, shop)
    with UnitOfWork(sessions) as uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(delete(Shop).where(Shop.domain == shop))
        uow.session.flush()


def test_the_door_is_for_one_transaction_only(sessions, shop):
    entry = an_entry(sessions, shop)
    with UnitOfWork(sessions) as uow:
        ledger.allow_rewrite(uow.session)
        uow.commit()  # the setting is transaction-local: the next transaction on this connection is guarded again
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(delete(LedgerEntry).where(LedgerEntry.id == entry))


def test_shop_redact_deletes_the_ledger_through_its_door_and_customer_redact_keeps_the_entries(sessions, shop):
    an_entry(sessions, shop)
    add_member(sessions, shop, GRACE, email="grace@example.com", points=20)
    with UnitOfWork(sessions) as uow:
        privacy.redact_customer(uow.session, shop, ADA, "ada@example.com")
        uow.commit()
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        assert uow.session.scalar(select(func.sum(LedgerEntry.points)).where(LedgerEntry.shop_id == shop_id)) == 70
    with UnitOfWork(sessions) as uow:
        privacy.redact_shop(uow.session, shop)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).where(LedgerEntry.shop_id == shop_id)) == 0
        assert uow.session.scalar(select(func.count()).where(Shop.id == shop_id)) == 0


def test_audit_finds_no_drift_on_a_healthy_shop_and_names_a_member_changed_behind_the_ledger(sessions, shop, runner):
    add_member(sessions, shop, ADA, email="ada@example.com", points=50)
    add_member(sessions, shop, GRACE, email="grace@example.com", points=20)
    healthy = ledger.audit_balances(sessions, shop_domain=shop, chunk=1)  # one member per chunk: the paging is walked
    assert (healthy.members, healthy.drifted, healthy.first) == (2, 0, [])
    ok = runner.invoke(args=["perks", "audit", "--shop", shop])
    assert ok.exit_code == 0 and "audited 2 balances: 0 differ" in ok.output

    with UnitOfWork(sessions) as uow:  # the cached column is not guarded: only the audit sees this
        uow.session.execute(update(Member).where(Member.customer_id == GRACE, Member.shop_id == installed_shop(uow.session, shop).id)
                            .values(points_balance=Member.points_balance + 1000))  # fmt: skip
        uow.commit()
    drifted = ledger.audit_balances(sessions, shop_domain=shop, chunk=1)
    assert (drifted.members, drifted.drifted) == (2, 1)
    assert [(d.shop, d.customer_id, d.cached, d.entries) for d in drifted.first] == [(shop, GRACE, 1020, 20)]
    reported = runner.invoke(args=["perks", "audit", "--shop", shop])
    assert reported.exit_code == 1
    assert "1 differ" in reported.output and f"customer {GRACE}" in reported.output and "cached 1020, entries 20" in reported.output
