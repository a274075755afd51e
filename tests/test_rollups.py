"""The dashboard's roll-ups: kept exact by every kind of write, read by the dashboard instead of the facts.

A mixed history goes through the real paths (webhooks processed by the workers: joins, member and guest
orders, a cancellation, a refund), the ledger's own services (redemptions and their refunds, expiry,
adjustments), raw set-based statements (a batch of orders and entries in one INSERT ... SELECT each, as the
set-based drain and the imports write), a guest order claimed, two customers merged, a member redacted,
a change of time zone and concurrent writers; after each step the roll-ups equal a recomputation from the
facts (rollups.differences, what `perks rollups --verify` prints).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool

from perks_dev import shopify_payloads as shopify
from shopify_app.analytics import analytics, rollups
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop import privacy
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member, add_order, post_entry

ADA, BOB, CY, DEE = (7500000000000 + n for n in range(1, 5))


def shop_id(sessions, shop: str) -> int:
    with UnitOfWork(sessions) as uow:
        return installed_shop(uow.session, shop).id


def exact(sessions, shop: str) -> None:
    with UnitOfWork(sessions) as uow:
        assert rollups.differences(uow.session, installed_shop(uow.session, shop).id) == []


def run(sessions, sql: str, **params) -> None:
    with UnitOfWork(sessions) as uow:
        uow.session.execute(text(sql), params)
        uow.commit()


def days_ago(days: int, hour: int = 12) -> datetime:
    return (datetime.now(UTC) - timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_every_kind_of_write_keeps_the_rollups_equal_to_the_facts(webhooks, sessions, shop):
    with UnitOfWork(sessions) as uow:
        installed_shop(uow.session, shop).timezone = "America/New_York"
        uow.commit()
    sid = shop_id(sessions, shop)
    # The real paths: joins and orders through webhooks and the workers, a guest order, a cancellation, a refund.
    webhooks.processed(webhooks.send("customers/create", shopify.customer(ADA, "ada@example.com")))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(9001, ADA)))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(9002, ADA, lines=((50, 2, 0),))))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(9003, None, email="guest@example.com")))
    webhooks.processed(webhooks.send("orders/paid", shopify.order_paid(9004, BOB, email="bob@example.com")))
    webhooks.processed(webhooks.send("orders/cancelled", shopify.order_cancelled(9004, BOB)))
    webhooks.processed(webhooks.send("refunds/create", shopify.refund(9101, 9002)))
    exact(sessions, shop)
    # History over the past months, through the ledger's services: members joining, orders on several
    # days (one at 02:00 UTC: the previous day in New York), redemptions and their refund, expiry, adjustments.
    add_member(sessions, shop, CY, email="cy@example.com", joined=days_ago(90))
    add_member(sessions, shop, DEE, email="dee@example.com", joined=days_ago(40), points=25)
    for number, (customer, amount, paid) in enumerate(
        [
            (CY, "40", days_ago(80)),
            (CY, "60", days_ago(45)),
            (CY, "10", days_ago(45, 2)),
            (DEE, "70", days_ago(35)),
            (None, "5", days_ago(33)),
        ]
    ):
        add_order(sessions, shop, 9500 + number, amount, paid_at=paid, customer_id=customer)
    for customer, points, kind, at in [
        (CY, 40, "earn", days_ago(80)),
        (CY, -30, "redeem", days_ago(50)),
        (CY, 30, "refund", days_ago(50)),
        (CY, -5, "expire", days_ago(20)),
        (DEE, -10, "adjust", days_ago(5)),
    ]:
        post_entry(sessions, shop, customer, points, kind=kind, key=f"t:{customer}:{kind}", at=at)
    exact(sessions, shop)
    # A set-based batch as the drain writes it: orders and their entries in one statement each.
    run(
        sessions,
        """INSERT INTO orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed, taxes_included, paid_at)
           SELECT :shop, 9600 + n, m.id, '#' || n, 10 * n, n, 0, false, now() - make_interval(days => n)
           FROM generate_series(1, 6) n
           JOIN members m ON m.shop_id = :shop AND m.customer_id = CASE WHEN n % 2 = 0 THEN :cy ELSE :dee END""",
        shop=sid,
        cy=CY,
        dee=DEE,
    )
    run(
        sessions,
        """INSERT INTO ledger_entries (shop_id, member_id, points, kind, idempotency_key, reason, created_at)
           SELECT o.shop_id, o.member_id, o.points_earned, 'earn', 'batch:' || o.order_id, 'batch', o.paid_at
           FROM orders o WHERE o.shop_id = :shop AND o.order_id > 9600""",
        shop=sid,
    )
    exact(sessions, shop)
    # A guest order claimed by a member; two customers merged (orders and entries moved, the duplicate marked);
    # a cancellation, a customer redacted.
    run(
        sessions,
        "UPDATE orders SET member_id = (SELECT id FROM members WHERE shop_id = :shop AND customer_id = :ada) "
        "WHERE shop_id = :shop AND order_id = 9003",
        shop=sid,
        ada=ADA,
    )
    run(
        sessions,
        """WITH survivor AS (SELECT id FROM members WHERE shop_id = :shop AND customer_id = :cy),
                duplicate AS (SELECT id FROM members WHERE shop_id = :shop AND customer_id = :dee)
           UPDATE orders SET member_id = (SELECT id FROM survivor) WHERE member_id = (SELECT id FROM duplicate)""",
        shop=sid,
        cy=CY,
        dee=DEE,
    )
    run(
        sessions,
        "UPDATE members SET merged_into_id = (SELECT id FROM members WHERE shop_id = :shop AND customer_id = :cy) "
        "WHERE shop_id = :shop AND customer_id = :dee",
        shop=sid,
        cy=CY,
        dee=DEE,
    )
    run(sessions, "UPDATE orders SET cancelled_at = now() WHERE shop_id = :shop AND order_id = 9602", shop=sid)
    with UnitOfWork(sessions) as uow:
        privacy.redact_customer(uow.session, shop, ADA, "ada@example.com")
        uow.commit()
    exact(sessions, shop)

    # Concurrent writers: each adds a member, an order and its entry in its own transaction.
    def writer(n: int) -> None:
        customer = 7600000000000 + n
        add_member(sessions, shop, customer, email=f"w{n}@example.com")
        add_order(sessions, shop, 9700 + n, "12.50", paid_at=datetime.now(UTC), customer_id=customer)
        post_entry(sessions, shop, customer, 12, kind="earn", key=f"w:{n}", at=datetime.now(UTC))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    exact(sessions, shop)
    # A new time zone recuts the days.
    with UnitOfWork(sessions) as uow:
        installed_shop(uow.session, shop).timezone = "Asia/Kathmandu"
        uow.commit()
    exact(sessions, shop)
    # The shop's own redaction deletes its facts and its roll-ups with it.
    with UnitOfWork(sessions) as uow:
        privacy.redact_shop(uow.session, shop)
        uow.commit()
        assert uow.session.scalar(text("SELECT count(*) FROM rollup_days WHERE shop_id = :shop"), {"shop": sid}) == 0


def test_the_dashboard_reads_the_rollups_not_the_facts(sessions, shop):
    add_member(sessions, shop, ADA, email="ada@example.com", joined=days_ago(400), points=10)
    add_order(sessions, shop, 9801, "30", paid_at=days_ago(100), customer_id=ADA)
    add_order(sessions, shop, 9802, "20", paid_at=days_ago(3), customer_id=ADA)
    statements: list[str] = []
    with UnitOfWork(sessions) as uow:
        found = installed_shop(uow.session, shop)
        connection = uow.session.connection()
        event.listen(connection, "before_cursor_execute", lambda *args: statements.append(args[2]))
        today = datetime.now(UTC).date()
        report = analytics.report(uow.session, found, analytics.period(found, today - timedelta(days=364), today))
        past = analytics.report(uow.session, found, analytics.period(found, date(2020, 1, 1), date(2020, 1, 31)))
    assert (report.members_total, report.members.orders, report.clv, report.buying_members, report.repeat_members) == (1, 2, 50, 1, 1)
    assert (past.members_total, past.outstanding_points) == (0, 0)
    read = " ".join(statements)
    assert "rollup_days" in read
    assert not any(table in read for table in ("FROM orders", "FROM ledger_entries", "JOIN orders", "JOIN ledger_entries"))


def test_perks_rollups_verify_exits_1_on_a_tampered_rollup_and_rebuild_repairs_it(runner, sessions, shop):
    add_member(sessions, shop, ADA, email="ada@example.com")
    add_order(sessions, shop, 9901, "30", paid_at=datetime.now(UTC), customer_id=ADA)
    clean = runner.invoke(args=["perks", "rollups", "--shop", shop, "--verify"])
    assert clean.exit_code == 0, clean.output
    assert "0 figures differ" in clean.output
    run(
        sessions,
        "UPDATE rollup_days SET member_orders = member_orders + 1 WHERE shop_id = :shop AND member_orders > 0",
        shop=shop_id(sessions, shop),
    )
    tampered = runner.invoke(args=["perks", "rollups", "--shop", shop])
    assert tampered.exit_code == 1
    assert "member_orders kept 2, facts 1" in tampered.output
    assert runner.invoke(args=["perks", "rollups", "--shop", shop, "--rebuild"]).exit_code == 0
    assert runner.invoke(args=["perks", "rollups", "--shop", shop, "--verify"]).exit_code == 0
    assert runner.invoke(args=["perks", "rollups", "--compact"]).exit_code == 0
    assert runner.invoke(args=["perks", "rollups", "--shop", shop, "--verify"]).exit_code == 0


def test_compaction_folds_the_slots_of_past_days_and_keeps_them_exact(sessions, shop):
    from shopify_app.analytics.models import RollupBuyerStep, RollupDay

    sid = shop_id(sessions, shop)
    add_member(sessions, shop, ADA, email="ada@example.com", joined=days_ago(9))
    engine = sessions.kw["bind"]
    # Two writers whose backends fall in different slots, each paying an order five days ago.
    held = [engine.connect() for _ in range(2)]
    while len({c.execute(text("SELECT pg_backend_pid() % 32")).scalar() for c in held}) < 2:
        held.append(engine.connect())
        held.pop(1).close()
    for n, connection in enumerate(held):
        connection.execute(
            text(
                """INSERT INTO orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed,
                                       taxes_included, paid_at)
                   SELECT :shop, :order, id, '#1', 10, 10, 0, false, :paid FROM members WHERE shop_id = :shop AND customer_id = :ada"""
            ),
            {"shop": sid, "order": 9950 + n, "paid": days_ago(5), "ada": ADA},
        )
        connection.commit()
        connection.close()

    def rows(model) -> int:
        """Rows of the past days (the join moved Ada's member from today, which leaves today a row of zeros)."""
        with UnitOfWork(sessions) as uow:
            key = model.day if model is RollupDay else model.to_day
            return uow.session.query(model).filter(model.shop_id == sid, key < datetime.now(UTC).date()).count()

    spread = rows(RollupDay), rows(RollupBuyerStep)
    with UnitOfWork(sessions) as uow:
        rollups.compact(uow.session, datetime.now(UTC).date())
        uow.commit()
    exact(sessions, shop)
    # The join's day and the two orders' day, one row each now.
    assert rows(RollupDay) == 2 < spread[0]
    assert rows(RollupBuyerStep) < spread[1]
    with UnitOfWork(sessions) as uow:
        assert uow.session.query(RollupBuyerStep).filter(RollupBuyerStep.shop_id == sid, RollupBuyerStep.slot != 0).count() == 0


def test_two_transactions_adding_orders_of_one_member_at_once_count_both(sessions, shop):
    """Each transaction's trigger reads the member's orders; the second waits for the first (the member's row
    lock) and then sees its order, so the member's steps count both orders once (without the lock, both read
    the timeline without the other's order, and verify finds (d, d) missing)."""
    sid = shop_id(sessions, shop)
    add_member(sessions, shop, ADA, email="ada@example.com")
    add_order(sessions, shop, 9960, "10", paid_at=days_ago(20), customer_id=ADA)
    engine = sessions.kw["bind"]
    insert = text(
        """INSERT INTO orders (shop_id, order_id, member_id, name, eligible_amount, points_earned, points_reversed, taxes_included, paid_at)
           SELECT :shop, :order, id, '#1', 10, 10, 0, false, now() FROM members WHERE shop_id = :shop AND customer_id = :ada"""
    )
    first, second = engine.connect(), engine.connect()
    first.execute(insert, {"shop": sid, "order": 9961, "ada": ADA})
    waiting = second.execute(text("SELECT pg_backend_pid()")).scalar()
    thread = threading.Thread(target=lambda: second.execute(insert, {"shop": sid, "order": 9962, "ada": ADA}))
    thread.start()
    with engine.connect() as watcher:
        blocked = text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")
        # Until the second insert waits for the member's lock (or, were there none, has finished).
        while thread.is_alive() and not watcher.execute(blocked, {"pid": waiting}).scalar():
            watcher.rollback()
    first.commit()
    thread.join()
    second.commit()
    first.close()
    second.close()
    exact(sessions, shop)


def test_writers_of_one_shop_and_day_never_wait_on_each_others_rollup_rows(sessions, shop):
    """More writers than slots, each holding its transaction open after writing today's roll-ups: every one
    finishes its write (with a slot per backend pid, two of them share a slot and the later waits on the
    earlier's row until it commits, which a lock cycle elsewhere in their work turns into a deadlock)."""
    sid = shop_id(sessions, shop)
    engine = create_engine(sessions.kw["bind"].url, poolclass=NullPool)  # more connections than the app's pool
    join = text("INSERT INTO members (shop_id, customer_id, points_balance, created_at) VALUES (:shop, :customer, 0, now())")
    held = []
    try:
        for n in range(40):
            connection = engine.connect()
            held.append(connection)
            connection.execute(text("SET LOCAL lock_timeout = '2s'"))
            connection.execute(join, {"shop": sid, "customer": ADA + 1 + n})
        for connection in held:
            connection.commit()
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
    exact(sessions, shop)
    with UnitOfWork(sessions) as uow:
        today = uow.session.execute(
            text("SELECT count(*), sum(new_members) FROM rollup_days WHERE shop_id = :shop AND new_members <> 0"), {"shop": sid}
        ).one()
    assert tuple(today) == (40, 40)
