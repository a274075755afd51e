"""Many members' paid orders in a few statements: the common case of a drain's batch, as sets.

`pay_orders` takes the orders whose payment is plain: a member (not merged
away, without a pending referral; made first for a customer new to the shop,
as most are when an order overtakes its customers/create) paying a new
order, in a shop without tiers, no Perks code used. Each is priced by the same code as
orders.pay_order (earning.price, the shop's multipliers and promotions); then
its order rows are inserted in one statement, their ledger entries in the
same one (`INSERT ... SELECT ... ON CONFLICT DO NOTHING` under the very keys
pay_order uses, `order:<id>:earn`, so a later delivery of the order cannot pay
it twice), and the members' balances are moved by the entries actually
inserted, with their profiles and the members' events, in a second. Every
other order, and any the set could not insert (its row appeared meanwhile),
is handed back for checkout.order_paid one at a time.

`save_customers` does the same for customers/create and customers/update: the
members upserted in one statement (the newer profile wins, as apply_profile
decides), their emails locked as guests.claim and pending_balances.claim lock
them, and the sign-up bonus of the new accounts entered in one more, under the
key actions.award uses. An account with guest points or an imported balance
held against its email, a member merged away, or one with a birthday (its
profile may now earn the profile rule) goes back for customers.save_customer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shopify_app.earn import actions, multipliers, promotions
from shopify_app.ledger import guests, pending_balances
from shopify_app.ledger.commands import CustomerProfile, PayOrder, SaveCustomer
from shopify_app.ledger.earning import ONE, at_1x, multiplied_lines, price
from shopify_app.ledger.models import ImportedBalance, Member, OrderLine, PendingPoints
from shopify_app.referrals import referrals
from shopify_app.rewards import redemptions
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import program_of
from shopify_app.tiers import tiers

# The members the set can pay: known, not merged away (ensure_member would pay the kept one), no
# pending referral (referrals.order_paid may qualify it), and orders not known yet (a known order
# was paid before, or has refunds or a cancellation to settle: pay_order's work). Each member is looked
# up by its own key: as a plain join, statistics taken while a new shop was nearly empty had the
# planner read all the shop's members for each batch (`OFFSET 0` keeps the lookup a lookup).
_PAYABLE = text("""
SELECT g.order_id, m.id
FROM unnest(CAST(:customer_ids AS bigint[]), CAST(:order_ids AS bigint[])) AS g(customer_id, order_id)
CROSS JOIN LATERAL (
    SELECT id FROM members WHERE shop_id = :shop_id AND customer_id = g.customer_id AND merged_into_id IS NULL OFFSET 0
) AS m
WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.shop_id = :shop_id AND r.friend_id = m.id AND r.state = 'pending')
  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.shop_id = :shop_id AND o.order_id = g.order_id)
""")

# The orders' rows, and the earn entry of each that earns, in one round trip: (order id, points
# entered or null) per row inserted (`\:` is a colon to text(), not a parameter). Rows go in by order
# id, the order every path locks them in.
_PAY = text(r"""
WITH given AS (
    SELECT * FROM unnest(
        CAST(:order_ids AS bigint[]), CAST(:member_ids AS bigint[]), CAST(:names AS text[]), CAST(:eligible AS numeric[]),
        CAST(:weighted AS numeric[]), CAST(:points AS bigint[]), CAST(:taxes_included AS boolean[])
    ) AS g(order_id, member_id, name, eligible_amount, weighted_amount, points_earned, taxes_included)
), paid AS (
    INSERT INTO orders
        (shop_id, order_id, member_id, name, eligible_amount, weighted_amount, points_earned, points_reversed, taxes_included, paid_at)
    SELECT :shop_id, order_id, member_id, name, eligible_amount, weighted_amount, points_earned, 0, taxes_included, :now
    FROM given ORDER BY order_id
    ON CONFLICT (shop_id, order_id) DO NOTHING
    RETURNING order_id, member_id, name, points_earned
), earned AS (
    INSERT INTO ledger_entries (shop_id, member_id, points, kind, idempotency_key, reason, order_id, created_at)
    SELECT :shop_id, member_id, points_earned, 'earn', 'order\:' || order_id || '\:earn', 'Order ' || name, order_id, :now
    FROM paid WHERE points_earned <> 0 ORDER BY order_id
    ON CONFLICT (shop_id, idempotency_key) DO NOTHING
    RETURNING order_id, points
)
SELECT paid.order_id, earned.points FROM paid LEFT JOIN earned USING (order_id)
""")

# members.apply_profile as SQL, from a row g of _profiles' arrays: a profile older than the one kept
# is ignored, and a field the payload did not carry is kept.
_NEWER = "(m.profile_updated_at IS NULL OR g.updated_at >= m.profile_updated_at)"
_PROFILE = f"""
        email = CASE WHEN g.email_given AND {_NEWER} THEN g.email ELSE m.email END,
        first_name = CASE WHEN g.first_given AND {_NEWER} THEN g.first_name ELSE m.first_name END,
        last_name = CASE WHEN g.last_given AND {_NEWER} THEN g.last_name ELSE m.last_name END,
        profile_updated_at = CASE WHEN g.updated_at IS NOT NULL AND {_NEWER} THEN g.updated_at ELSE m.profile_updated_at END"""
_PROFILE_ARRAYS = """
        CAST(:emails AS text[]), CAST(:email_given AS boolean[]), CAST(:first_names AS text[]), CAST(:first_given AS boolean[]),
        CAST(:last_names AS text[]), CAST(:last_given AS boolean[]), CAST(:updated_at AS timestamptz[])"""
_PROFILE_COLUMNS = "email, email_given, first_name, first_given, last_name, last_given, updated_at"

# Balances moved by the entries inserted (one row per member, its orders' points summed), profiles kept
# current, and the points_earned events ledger.post's callers emit (one row per order).
_SETTLE = text(rf"""
WITH given AS (
    SELECT * FROM unnest(CAST(:member_ids AS bigint[]), CAST(:points AS bigint[]), {_PROFILE_ARRAYS}
    ) AS g(member_id, points, {_PROFILE_COLUMNS})
), moved AS (
    UPDATE members m SET points_balance = m.points_balance + g.points, {_PROFILE}
    FROM given g
    WHERE m.id = g.member_id
    RETURNING m.id
), told AS (
    INSERT INTO member_events (shop_id, member_id, kind, key, data, attempts, created_at)
    SELECT :shop_id, member_id, 'points_earned', 'event\:order\:' || order_id || '\:earn',
        json_build_object('points', points, 'reason', reason), 0, :now
    FROM unnest(CAST(:earned_members AS bigint[]), CAST(:earned_orders AS bigint[]), CAST(:earned_points AS bigint[]),
        CAST(:earned_reasons AS text[])) AS e(member_id, order_id, points, reason)
    ORDER BY order_id
    ON CONFLICT (shop_id, key) DO NOTHING
)
SELECT count(*) FROM moved
""")


def pay_orders(
    session: Session,
    shop: Shop,
    paid: list[PayOrder],
    *,
    now: datetime,
    collections: multipliers.CollectionMiss | None = None,
    busy_emails: set[str] | frozenset[str] = frozenset(),
) -> list[PayOrder]:
    """Pay the plain ones of the shop's `paid` orders as sets; the others, for checkout.order_paid one by one.

    `paid` holds one delivery per order, and one profile per customer (the
    caller's batch keeps the rest for one by one): applied once or once per
    order, the same profile leaves the same member. A buyer new to the shop
    becomes a member here, as ensure_member makes one, unless their email is
    one of `busy_emails` (the batch's guest orders').
    """
    plain = [cmd for cmd in paid if cmd.customer is not None and not redemptions.perks_codes(cmd.codes)]
    if shop.uninstalled_at is not None or not plain or tiers.ladder(session, shop.id):
        return paid  # an uninstalled shop is refused one by one; tiers move members up after each order
    _make_buyers(session, shop, plain, now, busy_emails)
    payable = dict(
        session.execute(
            _PAYABLE,
            {
                "shop_id": shop.id,
                "customer_ids": [cmd.customer.customer_id for cmd in plain],
                "order_ids": [cmd.order_id for cmd in plain],
            },
        ).all()
    )
    taking = [cmd for cmd in plain if cmd.order_id in payable]
    if not taking:
        return paid
    program = program_of(session, shop)
    line_multiplier, running = at_1x, []
    if program.enabled:
        line_multiplier = multipliers.for_lines(session, shop.id, [line for cmd in taking for line in cmd.purchase.lines], collections, now)
        placed = [cmd.placed_at or now for cmd in taking]
        running = promotions.candidates(session, shop, min(placed), max(placed))
    priced = {
        cmd.order_id: price(
            cmd.purchase,
            program,
            enabled=program.enabled,
            line_multiplier=line_multiplier,
            promotion=promotions.best(running, shop, cmd.placed_at or now, purchases=True) if program.enabled else ONE,
        )
        for cmd in taking
    }
    entered = dict(
        session.execute(
            _PAY,
            {
                "shop_id": shop.id,
                "now": now,
                "order_ids": [cmd.order_id for cmd in taking],
                "member_ids": [payable[cmd.order_id] for cmd in taking],
                "names": [cmd.name for cmd in taking],
                "eligible": [priced[cmd.order_id].eligible for cmd in taking],
                "weighted": [priced[cmd.order_id].weighted for cmd in taking],
                "points": [priced[cmd.order_id].points for cmd in taking],
                "taxes_included": [cmd.purchase.taxes_included for cmd in taking],
            },
        ).all()
    )
    done = [cmd for cmd in taking if cmd.order_id in entered]
    if done:
        _settle(session, shop, done, payable, entered, now)
        _keep_line_multipliers(session, shop, done, line_multiplier)
        _remember_addresses(session, shop, done, payable)
    return [cmd for cmd in paid if cmd.order_id not in entered]


def _make_buyers(session: Session, shop: Shop, plain: list[PayOrder], now: datetime, busy_emails: set[str] | frozenset[str]) -> None:
    """The members of the orders' customers new to the shop, made as orders.pay_order makes a buyer's
    (ensure_member, then the claims of a new member), whether or not the set then pays their order.

    Their emails are locked after the members are written, as the claims lock them. An email with guest
    points or an imported balance held against it is rare: that member's claims run here, one by one,
    as pay_order runs them for a member it made; for any other the claims would find nothing.
    """
    buyers = {cmd.customer.customer_id: cmd.customer for cmd in plain}
    made = session.execute(
        _MAKE,
        {
            "shop_id": shop.id,
            "now": now,
            "customer_ids": list(buyers),
            "busy_emails": sorted(busy_emails),
            **_profiles(list(buyers.values())),
        },
    ).all()
    emails = {email for _, _, email in made} - {None}
    held = _held(session, shop.id, sorted(emails - guests.lock_emails(session, shop.id, list(emails))))
    program = program_of(session, shop)
    for member_id, _, email in made:
        if email in held:
            member = session.get(Member, member_id)
            guests.claim(session, shop, program, member, now)
            pending_balances.claim(session, member, now)


def _settle(session: Session, shop: Shop, done: list[PayOrder], payable: dict[int, int], entered: dict[int, int | None], now: datetime):
    members: dict[int, tuple[int, CustomerProfile]] = {}
    for cmd in done:  # a member's orders carry one profile (the caller's batch sees to it)
        points, _ = members.get(payable[cmd.order_id], (0, cmd.customer))
        members[payable[cmd.order_id]] = (points + (entered[cmd.order_id] or 0), cmd.customer)
    profiles = [profile for _, profile in members.values()]
    earned = [cmd for cmd in done if entered[cmd.order_id]]
    session.execute(
        _SETTLE,
        {
            "shop_id": shop.id,
            "now": now,
            "member_ids": list(members),
            "points": [points for points, _ in members.values()],
            **_profiles(profiles),
            "earned_members": [payable[cmd.order_id] for cmd in earned],
            "earned_orders": [cmd.order_id for cmd in earned],
            "earned_points": [entered[cmd.order_id] for cmd in earned],
            "earned_reasons": [f"Order {cmd.name}" for cmd in earned],
        },
    )


def _keep_line_multipliers(session: Session, shop: Shop, done: list[PayOrder], line_multiplier) -> None:
    """What orders.pay_order keeps of multiplied lines, for weighing their refunds later."""
    rows = [
        {"shop_id": shop.id, "order_id": cmd.order_id, "line_id": line_id, "multiplier": rate}
        for cmd in done
        for line_id, rate in multiplied_lines(cmd.purchase.lines, line_multiplier).items()
    ]
    if rows:
        session.execute(insert(OrderLine).values(rows))


_ADDRESSES = text("""
INSERT INTO order_fingerprints (shop_id, order_id, member_id, kind, digest)
SELECT :shop_id, order_id, member_id, 'address', digest
FROM unnest(CAST(:order_ids AS bigint[]), CAST(:member_ids AS bigint[]), CAST(:digests AS text[])) AS g(order_id, member_id, digest)
ON CONFLICT (shop_id, order_id, kind) DO NOTHING
""")


def _remember_addresses(session: Session, shop: Shop, done: list[PayOrder], payable: dict[int, int]) -> None:
    """What referrals.order_paid keeps of each member order's shipping address, to know a referrer's own orders again."""
    addressed = [cmd for cmd in done if cmd.shipping_address]
    if addressed:
        session.execute(
            _ADDRESSES,
            {
                "shop_id": shop.id,
                "order_ids": [cmd.order_id for cmd in addressed],
                "member_ids": [payable[cmd.order_id] for cmd in addressed],
                "digests": [referrals.digest(shop.fingerprint_key, cmd.shipping_address) for cmd in addressed],
            },
        )


def _profiles(profiles: list[CustomerProfile]) -> dict[str, list]:
    """The profiles as the arrays _PROFILE_ARRAYS names, each email as apply_profile keeps it."""
    return {
        "emails": [guests.normalise(p.email) for p in profiles],
        "email_given": [p.email is not None for p in profiles],
        "first_names": [p.first_name for p in profiles],
        "first_given": [p.first_name is not None for p in profiles],
        "last_names": [p.last_name for p in profiles],
        "last_given": [p.last_name is not None for p in profiles],
        "updated_at": [p.updated_at for p in profiles],
    }


# ensure_member and apply_profile for many customers: a new customer's member made with the profile, a
# known one's profile applied (not to a member merged away: ensure_member leaves it as it is). A member
# this statement's snapshot cannot see (made by another transaction meanwhile) is in neither part, and
# its customer goes one by one; so does one whose email, given or kept, is busy: left untouched, as a
# guest order run before it must find it. Each row: member id, customer id, the email kept, a birthday given.
_MADE = f"""
given AS (
    SELECT * FROM unnest(CAST(:customer_ids AS bigint[]), {_PROFILE_ARRAYS}
    ) AS g(customer_id, {_PROFILE_COLUMNS})
), made AS (
    INSERT INTO members (shop_id, customer_id, email, first_name, last_name, points_balance, profile_updated_at, created_at)
    SELECT :shop_id, customer_id, email, first_name, last_name, 0, updated_at, :now
    FROM given WHERE email IS NULL OR NOT email = ANY(CAST(:busy_emails AS text[])) ORDER BY customer_id
    ON CONFLICT (shop_id, customer_id) DO NOTHING
    RETURNING id, customer_id, email, false AS birthday
)"""
_JOIN = text(f"""
WITH {_MADE}, kept AS (
    UPDATE members m SET {_PROFILE}
    FROM given g
    WHERE m.shop_id = :shop_id AND m.customer_id = g.customer_id AND m.merged_into_id IS NULL
      AND NOT coalesce(g.email = ANY(CAST(:busy_emails AS text[])) OR m.email = ANY(CAST(:busy_emails AS text[])), false)
    RETURNING m.id, m.customer_id, m.email, EXISTS (SELECT 1 FROM member_birthdays b WHERE b.member_id = m.id)
)
SELECT * FROM made UNION ALL SELECT * FROM kept
""")

# ensure_member for the buyers of a batch's orders: the members of customers new to the shop made (a
# busy email left for one by one, as in _JOIN); a known member is left to _SETTLE, which keeps its profile.
_MAKE = text(f"WITH {_MADE} SELECT id, customer_id, email FROM made")

# The sign-up bonus as actions.award pays it, for many new members: the entries under their keys, the
# balances moved by those inserted, and their points_earned events.
_SIGN_UP = text(r"""
WITH entered AS (
    INSERT INTO ledger_entries (shop_id, member_id, points, kind, idempotency_key, reason, created_at)
    SELECT :shop_id, member_id, :points, 'signup', key, :reason, :now
    FROM unnest(CAST(:member_ids AS bigint[]), CAST(:keys AS text[])) AS g(member_id, key) ORDER BY member_id
    ON CONFLICT (shop_id, idempotency_key) DO NOTHING
    RETURNING member_id, idempotency_key
), moved AS (
    UPDATE members m SET points_balance = m.points_balance + :points FROM entered e WHERE m.id = e.member_id
)
INSERT INTO member_events (shop_id, member_id, kind, key, data, attempts, created_at)
SELECT :shop_id, member_id, 'points_earned', 'event\:' || idempotency_key,
    json_build_object('points', CAST(:points AS bigint), 'reason', CAST(:reason AS text)), 0, :now
FROM entered ORDER BY member_id
ON CONFLICT (shop_id, key) DO NOTHING
""")


def save_customers(
    session: Session, shop: Shop, saved: list[SaveCustomer], *, now: datetime, busy_emails: set[str] | frozenset[str] = frozenset()
) -> list[SaveCustomer]:
    """Save the plain ones of the shop's `saved` customers as sets; the others, for customers.save_customer one by one.

    `saved` holds one delivery per customer (the caller's batch keeps the rest
    for one by one), and a member whose email, given or kept, is one of
    `busy_emails` (the batch's guest orders') is left alone for it. Any other
    customer handed back may have had its member made and its profile applied
    here: save_customer does both again to the same effect.
    """
    plain = [cmd for cmd in saved if not cmd.profile.email_subscribed]  # the newsletter rule: actions.award's work
    if shop.uninstalled_at is not None or not plain:
        return saved  # an uninstalled shop is refused one by one
    joined = {
        customer_id: (member_id, email, birthday)
        for member_id, customer_id, email, birthday in session.execute(
            _JOIN,
            {
                "shop_id": shop.id,
                "now": now,
                "customer_ids": [cmd.profile.customer_id for cmd in plain],
                "busy_emails": sorted(busy_emails),
                **_profiles([cmd.profile for cmd in plain]),
            },
        )
    }
    # Locked after the emails are written, as save_customer does: a guest order locking the email
    # later finds the member, and one that held it first is found here.
    candidates = [cmd for cmd in plain if cmd.profile.customer_id in joined and not joined[cmd.profile.customer_id][2]]
    emails = {joined[cmd.profile.customer_id][1] for cmd in candidates} - {None}
    made = guests.lock_emails(session, shop.id, list(emails))
    held = _held(session, shop.id, sorted(emails - made))
    taking = [cmd for cmd in candidates if joined[cmd.profile.customer_id][1] not in held]
    new = [joined[cmd.profile.customer_id][0] for cmd in taking if cmd.is_new]
    points = actions.signup_points(program_of(session, shop), actions.find_rule(session, shop.id, "signup")) if new else 0
    if points:
        session.execute(
            _SIGN_UP,
            {
                "shop_id": shop.id,
                "now": now,
                "points": points,
                "reason": actions.SIGNUP_REASON,
                "member_ids": new,
                "keys": [actions.signup_key(cmd.profile.customer_id) for cmd in taking if cmd.is_new],
            },
        )
    taken = {cmd.profile.customer_id for cmd in taking}
    return [cmd for cmd in saved if cmd.profile.customer_id not in taken]


def _held(session: Session, shop_id: int, emails: list[str]) -> set[str]:
    """The emails with guest points or an imported balance still held against them (their rows locked by the caller)."""
    if not emails:
        return set()
    return set(
        session.scalars(
            union(
                select(PendingPoints.email).where(
                    PendingPoints.shop_id == shop_id, PendingPoints.email.in_(emails), PendingPoints.status == "pending"
                ),
                select(ImportedBalance.email).where(
                    ImportedBalance.shop_id == shop_id, ImportedBalance.email.in_(emails), ImportedBalance.status == "pending"
                ),
            )
        )
    )
