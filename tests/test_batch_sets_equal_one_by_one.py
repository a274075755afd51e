"""A drain's batch saves plain customers and pays plain orders as sets (ledger/batch.py). The same stream of deliveries, run in batches
with the sets and in the same batches with every delivery's own handler, must leave two fresh shops in the
same state, down to every entry, order row, event and status; run one by one, the same balances and points.

(A batch runs its deliveries in lock order, not as recorded: a refund landing before its payment is taken
back under the payment's key, not the refund's. So only the batch without sets is the exact measure.)"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.earn.profile import give_birthday
from shopify_app.ledger import pending_balances
from shopify_app.ledger.commands import GiveBirthday
from shopify_app.ledger.models import LedgerEntry, Member, Order
from shopify_app.notifications.models import MemberEvent
from shopify_app.referrals.models import OrderFingerprint
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import add_shop, program_of
from tests.test_delivery_queue import recorded, statements_of_a_batch
from webhooks import deliveries as deliveries_module
from webhooks.deliveries import process, process_together
from webhooks.models import WebhookDelivery

CUSTOMERS = [7100000000001 + n for n in range(8)]
ORDERS = [8100 + n for n in range(20)]
# Each order has one customer, every fifth a guest: a cancellation names the order's own customer.
BUYER = {order_id: None if n % 5 == 4 else CUSTOMERS[n % len(CUSTOMERS)] for n, order_id in enumerate(ORDERS)}
# A guest's order gives the email of a customer who may join later.
EMAIL_OF = {order_id: CUSTOMERS[n % len(CUSTOMERS)] for n, order_id in enumerate(ORDERS)}

_lines = st.lists(
    st.tuples(st.sampled_from([Decimal("9.99"), Decimal("30.00"), Decimal("120.50")]), st.integers(1, 3), st.sampled_from([0, 5])),
    min_size=1,
    max_size=2,
)
# A profile's fields follow from its time, so the newest-wins rule ends the same whatever order profiles
# come in (the batch runs a customer's deliveries in lock order, one by one runs them as recorded). Each
# customer keeps one email (written two ways), so which member claims a guest's order never depends on order.
PROFILES = {
    None: ("c{}@example.com", "Ada", "Lovelace"),
    "2026-11-01T10:00:00+00:00": (" C{}@Example.COM ", "Ada", "King"),
    "2026-11-02T10:00:00+00:00": ("c{}@example.com", "Bo", "Byron"),
}
_profile = st.sampled_from(list(PROFILES))
# Mostly joins and payments, so that many batches hold plain payments the sets take.
_event = st.one_of(
    st.tuples(st.just("customers/create"), st.sampled_from(CUSTOMERS), _profile),
    st.tuples(st.just("orders/paid"), st.sampled_from(ORDERS), _lines, _profile),
    st.tuples(st.just("customers/create"), st.sampled_from(CUSTOMERS), _profile),
    st.tuples(st.just("customers/update"), st.sampled_from(CUSTOMERS), _profile),
    st.tuples(st.just("orders/paid"), st.sampled_from(ORDERS), _lines, _profile),
    st.tuples(st.just("refunds/create"), st.sampled_from(ORDERS)),
    st.tuples(st.just("orders/cancelled"), st.sampled_from(ORDERS)),
)
# Each event once, again under a new webhook id (a duplicate), or again as a new event (re-sent).
_stream = st.lists(st.tuples(_event, st.sampled_from(["once", "once", "once", "duplicate", "resent"])), min_size=1, max_size=30)


def _payload(event: tuple) -> dict:
    topic = event[0]
    if topic.startswith("customers/"):
        _, customer_id, updated_at = event
        email, first_name, last_name = PROFILES[updated_at]
        body = shopify.customer(customer_id, email.format(customer_id), first_name=first_name)
        body.update(last_name=last_name, updated_at=updated_at)
        return body
    if topic == "orders/paid":
        _, order_id, lines, updated_at = event
        email, first_name, last_name = PROFILES[updated_at]
        body = shopify.order_paid(order_id, BUYER[order_id], lines=lines, email=email.format(EMAIL_OF[order_id]))
        if body["customer"]:
            body["customer"].update(first_name=first_name, last_name=last_name, updated_at=updated_at)
        return body
    if topic == "refunds/create":
        return shopify.refund(order_id_refund(event[1]), event[1], lines=((Decimal("9.99"), 1, Decimal("9.99")),))
    body = shopify.order_cancelled(event[1], BUYER[event[1]] or 0)
    if BUYER[event[1]] is None:
        body["customer"] = None
    return body


def order_id_refund(order_id: int) -> int:
    return order_id * 100 + 1


def _deliveries(stream: list) -> list[tuple[str, dict, str]]:
    out = []
    for n, (fact, how) in enumerate(stream):
        out.append((fact[0], _payload(fact), f"event-{n}"))
        if how == "duplicate":
            out.append((fact[0], _payload(fact), f"event-{n}"))
        elif how == "resent":
            out.append((fact[0], _payload(fact), f"event-{n}-again"))
    return out


SIGNUP_POINTS = 25


def _fresh_shop(sessions, *, rare: bool = True) -> str:
    """A shop whose new accounts earn a sign-up bonus; with the rare cases joins meet: an imported balance
    held for the second customer's email, and the third's birthday given (a complete profile earns)."""
    with UnitOfWork(sessions) as uow:
        domain = f"t{uuid.uuid4().hex[:12]}.myshopify.com"
        shop = add_shop(uow.session, domain, name="Sets")
        uow.session.flush()
        program_of(uow.session, shop).signup_points = SIGNUP_POINTS
        if rare:
            actions.set_rule(uow.session, shop, "profile", points=40)
            held = pending_balances.Balance(
                "import:1:2", "Imported", f"c{CUSTOMERS[1]}@example.com", None, None, 300, pending_balances.Carried()
            )
            pending_balances.hold(uow.session, shop.id, None, [held], datetime.now(UTC))
            give_birthday(uow.session, GiveBirthday(domain, CUSTOMERS[2], 5, 17), now=datetime.now(UTC))
        uow.commit()
    return domain


def _state(sessions, domain: str, ids: list[int]) -> dict:
    """Everything the two paths must agree on, by Shopify's ids (never the rows' own)."""
    with UnitOfWork(sessions) as uow:
        s = uow.session
        shop_id = s.scalars(select(Shop.id).where(Shop.domain == domain)).one()
        customer = {m.id: m.customer_id for m in s.scalars(select(Member).where(Member.shop_id == shop_id))}
        members = {
            m.customer_id: (m.points_balance, m.email, m.first_name, m.last_name, m.profile_updated_at, m.merged_into_id)
            for m in s.scalars(select(Member).where(Member.shop_id == shop_id))
        }
        entries = sorted(
            (customer[e.member_id], e.kind, e.idempotency_key, e.points, e.reason, e.order_id)
            for e in s.scalars(select(LedgerEntry).where(LedgerEntry.shop_id == shop_id))
        )
        sums = {}
        for customer_id, _, _, points, _, _ in entries:
            sums[customer_id] = sums.get(customer_id, 0) + points
        orders = {
            o.order_id: (
                customer.get(o.member_id),
                o.name,
                o.eligible_amount,
                o.weighted_amount,
                o.points_earned,
                o.points_reversed,
                o.taxes_included,
                o.paid_at is not None,
                o.cancelled_at,
            )
            for o in s.scalars(select(Order).where(Order.shop_id == shop_id))
        }
        events = sorted(
            (customer[e.member_id], e.kind, e.key, sorted(e.data.items()))
            for e in s.scalars(select(MemberEvent).where(MemberEvent.shop_id == shop_id))
        )
        fingerprints = sorted(
            (f.order_id, customer[f.member_id]) for f in s.scalars(select(OrderFingerprint).where(OrderFingerprint.shop_id == shop_id))
        )
        status = dict(s.execute(select(WebhookDelivery.id, WebhookDelivery.status).where(WebhookDelivery.id.in_(ids))).all())
    return {
        "members": members,
        "balances equal their entries": all(sums.get(c, 0) == m[0] for c, m in members.items()),
        "entries": entries,
        "orders": orders,
        "events": events,
        "fingerprints": fingerprints,
        "statuses": [status[i] for i in ids],
        "balances": {c: m[0] for c, m in members.items()},
        "points per order": {o: (row[4], row[5]) for o, row in orders.items()},
    }


def _in_batches(sessions, ids: list[int], size: int) -> None:
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        if process_together(sessions, batch) is None:
            for delivery_id in batch:  # as the drain does when a batch fails
                process(sessions, delivery_id)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=_stream, size=st.integers(2, 9))
def test_a_stream_paid_as_sets_in_batches_ends_as_each_handler_would(sessions, stream, size):
    deliveries = _deliveries(stream)
    alone_shop, handlers_shop, sets_shop = (_fresh_shop(sessions) for _ in range(3))

    alone_ids = recorded(sessions, alone_shop, *deliveries)
    for delivery_id in alone_ids:
        process(sessions, delivery_id)
    handlers_ids = recorded(sessions, handlers_shop, *deliveries)
    with patch.object(deliveries_module, "_as_sets", lambda session, work, q: work):
        _in_batches(sessions, handlers_ids, size)
    sets_ids = recorded(sessions, sets_shop, *deliveries)
    _in_batches(sessions, sets_ids, size)

    alone, handlers, sets = (
        _state(sessions, *shop) for shop in ((alone_shop, alone_ids), (handlers_shop, handlers_ids), (sets_shop, sets_ids))
    )
    assert alone["balances equal their entries"] and handlers["balances equal their entries"] and sets["balances equal their entries"]
    assert sets == handlers
    assert sets["balances"] == alone["balances"]
    assert sets["points per order"] == alone["points per order"]
    assert sets["statuses"] == alone["statuses"]


def _joins(sessions, shop: str) -> list[int]:
    return recorded(sessions, shop, *[("customers/create", _payload(("customers/create", c, None)), f"join-{c}") for c in CUSTOMERS])


def test_the_sets_save_plain_joins_in_a_few_statements(sessions):
    """The stream test above would pass with no set at all: here a batch of plain joins must take the set's few statements."""
    shop = _fresh_shop(sessions, rare=False)
    ids = _joins(sessions, shop)
    statements = statements_of_a_batch(sessions, ids)
    assert sum(1 for statement in statements if "INSERT INTO members" in statement) == 1
    assert sum(1 for statement in statements if "INSERT INTO ledger_entries" in statement) == 1
    assert len(statements) <= 10, statements
    state = _state(sessions, shop, ids)
    assert state["balances"] == dict.fromkeys(CUSTOMERS, SIGNUP_POINTS)
    assert [kind for _, kind, _, _ in state["events"]] == ["points_earned"] * len(CUSTOMERS)


def test_joins_the_sets_cannot_take_are_saved_one_by_one_in_the_same_batch(sessions):
    """An imported balance held for an email, and a birthday making the profile complete: in a stream,
    later payments often settle both anyway, so here each join is the last word."""
    shop = _fresh_shop(sessions)
    ids = _joins(sessions, shop)
    assert set(process_together(sessions, ids).values()) == {"done"}
    imported, profile = 300, 40
    expected = dict.fromkeys(CUSTOMERS, SIGNUP_POINTS) | {CUSTOMERS[1]: SIGNUP_POINTS + imported, CUSTOMERS[2]: SIGNUP_POINTS + profile}
    assert _state(sessions, shop, ids)["balances"] == expected


def test_the_sets_pay_a_plain_batch_in_a_few_statements(sessions):
    """The stream test above would pass with no set at all: here a plain batch must take the set's few statements."""
    shop = _fresh_shop(sessions, rare=False)
    customers = [("customers/create", _payload(("customers/create", c, None)), f"join-{c}") for c in CUSTOMERS]
    _in_batches(sessions, recorded(sessions, shop, *customers), len(customers))
    plain = [o for o in ORDERS if BUYER[o] is not None]
    ids = recorded(sessions, shop, *[("orders/paid", _payload(("orders/paid", o, ((Decimal("30.00"), 1, 0),), None)), None) for o in plain])
    statements = statements_of_a_batch(sessions, ids)
    assert sum(1 for statement in statements if "INSERT INTO ledger_entries" in statement) == 1
    assert len(statements) <= 12, statements
    paid = {c: 30 * sum(1 for o in plain if BUYER[o] == c) for c in CUSTOMERS}
    assert _state(sessions, shop, ids)["balances"] == {c: SIGNUP_POINTS + points for c, points in paid.items()}


def test_the_sets_pay_customers_new_to_the_shop_making_their_members_in_one_statement(sessions):
    """Shuffled, half of a month's orders come before their buyer's customers/create: the set makes those members too."""
    shop = _fresh_shop(sessions, rare=False)
    plain = [o for o in ORDERS if BUYER[o] is not None]
    ids = recorded(sessions, shop, *[("orders/paid", _payload(("orders/paid", o, ((Decimal("30.00"), 1, 0),), None)), None) for o in plain])
    statements = statements_of_a_batch(sessions, ids)
    assert sum(1 for statement in statements if "INSERT INTO members" in statement) == 1
    assert sum(1 for statement in statements if "INSERT INTO ledger_entries" in statement) == 1
    assert len(statements) <= 14, statements
    # No sign-up bonus: that is the account's own customers/create's, when it comes.
    assert _state(sessions, shop, ids)["balances"] == {c: 30 * sum(1 for o in plain if BUYER[o] == c) for c in CUSTOMERS}


def test_a_new_buyer_with_a_balance_held_for_their_email_is_credited_it_in_the_batch(sessions):
    shop = _fresh_shop(sessions)  # 300 imported points held for the second customer's email
    plain = [o for o in ORDERS if BUYER[o] is not None]
    ids = recorded(sessions, shop, *[("orders/paid", _payload(("orders/paid", o, ((Decimal("30.00"), 1, 0),), None)), None) for o in plain])
    assert set(process_together(sessions, ids).values()) == {"done"}
    paid = {c: 30 * sum(1 for o in plain if BUYER[o] == c) for c in CUSTOMERS}
    assert _state(sessions, shop, ids)["balances"] == paid | {CUSTOMERS[1]: paid[CUSTOMERS[1]] + 300}


def test_a_customers_join_and_their_payments_in_one_batch_go_as_sets(sessions):
    """Lanes put a customer's deliveries in one lane, so a join and that customer's orders often share a batch."""
    shop = _fresh_shop(sessions, rare=False)
    plain = [o for o in ORDERS if BUYER[o] is not None]
    joins = [("customers/create", _payload(("customers/create", c, None)), f"join-{c}") for c in CUSTOMERS]
    payments = [("orders/paid", _payload(("orders/paid", o, ((Decimal("30.00"), 1, 0),), None)), None) for o in plain]
    ids = recorded(sessions, shop, *joins, *payments)
    statements = statements_of_a_batch(sessions, ids)
    # The joins' members, then the buyers' (all made by then), and the sign-ups' entries, then the orders'.
    assert sum(1 for statement in statements if "INSERT INTO members" in statement) == 2
    assert sum(1 for statement in statements if "INSERT INTO ledger_entries" in statement) == 2
    paid = {c: 30 * sum(1 for o in plain if BUYER[o] == c) for c in CUSTOMERS}
    assert _state(sessions, shop, ids)["balances"] == {c: SIGNUP_POINTS + points for c, points in paid.items()}
