"""`make bench` itself: the machine's limit measured by pgbench, the table of seven rows, row 3's check of the redemptions.

The limit runs here for a second per script from two clients on the test
database (fsync off: the figure means nothing, the harness is what is tested).
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bench import launcher_size, limit, load, month
from bench.run import Row, limit_rows, redemption_check, summary, table
from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import adjustments
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.rewards.models import Redemption
from shopify_app.rewards.rewards import create_reward
from shopify_app.shop.models import Shop

URL = Settings().database_url


def test_the_limit_runs_both_scripts_and_leaves_nothing_behind(sessions, shop):
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalar(select(Shop.id).where(Shop.domain == shop))

    measured = limit.measure(URL, shop_id, seconds=1, clients=2, threads=1)

    assert sorted(measured) == ["a", "b"]
    for result in measured.values():
        assert result.transactions > 0 and result.per_second > 0 and result.latency_ms > 0
        assert result.failed == 0 and (result.seconds, result.clients) == (1, 2)
    with psycopg.connect(URL) as db:
        left = db.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_limit_%'").fetchall()
    assert left == []


def test_the_scripts_write_what_a_paid_order_needs():
    scripts = limit.scripts("scratch", 7)
    record = scripts["a"]
    assert record.count("INSERT INTO scratch.deliveries") == 1 and "ON CONFLICT DO NOTHING" in record
    assert len(record) > 8_000  # a whole orders/paid body, as Shopify sends it
    order = scripts["b"]
    assert order.startswith("\\set") and "BEGIN;" in order and order.rstrip().endswith("COMMIT;")
    for statement in ("INSERT INTO scratch.deliveries", "INSERT INTO scratch.orders", "INSERT INTO scratch.ledger"):
        assert order.count(statement) == 1
    assert order.count("UPDATE scratch.members") == 1


def test_pgbench_report_is_read():
    report = """transaction type: a.sql
scaling factor: 1
number of clients: 32
number of threads: 2
duration: 10 s
number of transactions actually processed: 91234
number of failed transactions: 0 (0.000%)
latency average = 3.507 ms
initial connection time = 21.322 ms
tps = 9123.456789 (without initial connection time)
"""
    read = limit.parse("a", report, 10, 32)
    assert (read.per_second, read.latency_ms, read.transactions, read.failed) == (9123.456789, 3.507, 91234, 0)
    with pytest.raises(SystemExit, match="tps"):
        limit.parse("a", "pgbench: fatal", 10, 32)


def test_rows_one_and_two_show_their_share_of_the_limit():
    bare = limit.Limit("a", 9100.0, 3.5, 91000, 0, 10, 32)
    assert limit.share(1193, bare) == "1,193/s = 13 % of 9,100/s"
    assert limit.share(1193, None) == "1,193/s"


def test_the_table_has_the_limit_lines_and_seven_rows():
    limits = {"a": limit.Limit("a", 9100.0, 3.5, 91000, 0, 10, 32), "b": limit.Limit("b", 4000.0, 8.0, 40000, 0, 10, 32)}
    rows = [
        *limit_rows(limits),
        *(Row(n, f"row {n}", f"figure {n}", "unit", "target", n in (6, 7), f"scale {n}") for n in range(1, 8)),
    ]

    printed = table(rows).splitlines()

    assert [line.split("|")[1].strip() for line in printed[2:11]] == ["a", "b", "1", "2", "3", "4", "5", "6", "7"]
    assert printed[2].rstrip().endswith("|      |")  # the limit meets no target of its own
    assert "9,100/s; 3.5 ms" in printed[2] and "4,000/s; 8.0 ms" in printed[3]
    assert summary(rows) == "bench: 7 rows, 5 below target"


def test_the_launcher_is_measured():
    size, detail = launcher_size.measure()
    assert 1_000 < size < 50_000 and detail


def _month_with_redemptions():
    events = month.generate(300, 400, 6, seed=5)
    wanted = [e for e in events if isinstance(e, month.Redeem)]
    assert len(wanted) == 6
    return events, wanted


def test_row_three_counts_a_redemption_exact_only_with_one_code_at_shopify_and_its_points_spent_once():
    events, wanted = _month_with_redemptions()
    made = [(f"PERKS-{n}", "issued", e.points, e.customer_id) for n, e in enumerate(wanted)]
    spent = (len(wanted), sum(e.points for e in wanted))
    answered = {str(e.number): f"PERKS-{n}" for n, e in enumerate(wanted)}
    shopify = {"discounts": [{"code": code, "customer_ids": [f"gid://shopify/Customer/{customer}"]} for code, _, _, customer in made]}

    assert redemption_check(made, spent, answered, shopify, events)["wrong"] == []

    twice = {"discounts": [*shopify["discounts"], shopify["discounts"][0]]}
    assert "1 made twice" in " ".join(redemption_check(made, spent, answered, twice, events)["wrong"])
    debited_twice = (spent[0] + 1, spent[1] + wanted[0].points)
    assert redemption_check(made, debited_twice, answered, shopify, events)["wrong"]
    someone_else = {"discounts": [{**shopify["discounts"][0], "customer_ids": ["gid://shopify/Customer/1"]}, *shopify["discounts"][1:]]}
    assert "1 of ours missing" in " ".join(redemption_check(made, spent, answered, someone_else, events)["wrong"])
    pending = [(made[0][0], "pending", *made[0][2:]), *made[1:]]
    assert "1 not issued" in redemption_check(pending, spent, answered, shopify, events)["wrong"]
    assert redemption_check(made[1:], spent, answered, shopify, events)["wrong"]


def test_row_three_redeems_through_the_app_proxy_and_the_admin_api(platform, sessions, monkeypatch):
    """The load generator's redeemer against the app on a real port: a code made at the fake Admin API
    for an affordable redemption, the same key answered the same code, "insufficient points" asked again later."""
    monkeypatch.setattr(load, "SECRET", platform.fake.client_secret)  # the app proxy signs with the app's secret
    platform.install()
    customer = 7_100_000_000_001
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalar(select(Shop.id).where(Shop.domain == platform.shop))
        reward_id = create_reward(uow.session, shop_id, {"title": "2 USD off", "kind": "fixed_amount", "points_cost": 200, "value": 2}).id
        adjustments.adjust(uow.session, shop_id, customer, 300, "Earned", "staff-1")
        uow.commit()
    server = make_server("127.0.0.1", 0, platform.app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        redeemer = load.Redeemer(server.server_port, platform.shop, {200: reward_id})
        assert redeemer.ask(1, customer, 200) is True
        assert redeemer.ask(1, customer, 200) is True  # asked again under the same key: the same code, no second debit
        assert redeemer.ask(2, customer, 200) is False  # 100 points left: asked again once more points come
    finally:
        server.shutdown()
        serving.join()

    assert redeemer.errors == [] and redeemer.answers == {"200": 2, "409 insufficient_points": 1}
    with UnitOfWork(sessions) as uow:
        made = uow.session.execute(
            select(Redemption.code, Redemption.state, Redemption.points, Member.customer_id)
            .join(Member, Member.id == Redemption.member_id)
            .where(Redemption.shop_id == shop_id)
        ).all()
        debits = uow.session.scalars(select(LedgerEntry.points).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == "redeem")).all()
    assert made == [(redeemer.codes[1], "issued", 200, customer)] and debits == [-200]
    events = [month.Join(0, customer), month.Redeem(1, 1, customer, 200)]
    checked = redemption_check(made, (1, 200), {"1": redeemer.codes[1]}, platform.fake.dump(platform.shop)["shops"][platform.shop], events)
    assert checked["wrong"] == []
