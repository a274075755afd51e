"""What the launcher shows a logged-in member (GET /proxy/member), read in one statement.

The shop (installed, by its domain), the member, and every section of the answer
(rewards, codes, history, birthday, actions done, the tier ladder and the
member's measure on it, the program and its earn rules, the referral offer, the
member's referral stats and link) come from one SELECT, each section its own
CTE on an index, so a request is one round trip to PostgreSQL whatever the
shop's size. It runs outside a transaction (autocommit: no BEGIN, no COMMIT):
one statement sees one snapshot anyway.

The words are not made here: the rows come back typed as the ORM would give them
(Decimal, aware UTC datetimes) and the launcher renders them with the same
functions as the rest of the storefront.

Two rare writes stay outside the read: the member's referral link, made the
first time a member of a shop running referrals is shown (one INSERT), and a
shop's settings rows missing from before they were made at install.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import JSON, String

from shopify_app.core.db import settings_row
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.referrals import referrals
from shopify_app.referrals.models import ReferralProgram
from shopify_app.tiers import tiers
from shopify_app.tiers.models import TierProgram

# The launcher lists the member's latest codes and entries; a long-time member's hundreds stay in the admin.
CODES_SHOWN = 20
HISTORY_SHOWN = 20

# Numbers that are Decimal in the ORM come as text, so json keeps every digit (10.00 stays "10.00").
STATEMENT = (
    text(
        """
WITH shop AS (
    SELECT s.id, s.domain, s.name, s.currency, s.timezone
    FROM shops s WHERE s.domain = :domain AND s.uninstalled_at IS NULL
), member AS (
    SELECT m.id, m.first_name, m.points_balance
    FROM members m JOIN shop ON m.shop_id = shop.id WHERE m.customer_id = :customer_id
), program AS (
    SELECT p.points_per_unit::text AS points_per_unit, p.signup_points
    FROM programs p JOIN shop ON p.shop_id = shop.id
), rules AS (
    SELECT coalesce(json_agg(json_build_object(
        'action', r.action, 'name', r.name, 'points', r.points, 'limit_period', r.limit_period,
        'network', r.network, 'url', r.url) ORDER BY r.id), '[]') AS rows
    FROM earn_rules r JOIN shop ON r.shop_id = shop.id
    WHERE r.enabled AND r.action = ANY(:shown_actions)
), catalogue AS (
    SELECT coalesce(json_agg(json_build_object(
        'id', r.id, 'title', r.title, 'kind', r.kind, 'points_cost', r.points_cost, 'value', r.value::text,
        'variant_id', r.variant_id, 'variant_title', r.variant_title, 'minimum_order', r.minimum_order::text,
        'limit_per_member', r.limit_per_member, 'code_valid_days', r.code_valid_days,
        'combines_with_order', r.combines_with_order, 'combines_with_product', r.combines_with_product,
        'combines_with_shipping', r.combines_with_shipping, 'min_points', r.min_points, 'max_points', r.max_points,
        'enabled', r.enabled, 'archived_at', r.archived_at) ORDER BY r.points_cost, r.id), '[]') AS rows
    FROM rewards r JOIN shop ON r.shop_id = shop.id
), codes AS (
    SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'reward_id', c.reward_id, 'code', c.code, 'state', c.state, 'points', c.points,
        'value', c.value::text, 'order_id', c.order_id, 'error', c.error, 'created_at', c.created_at,
        'expires_at', c.expires_at, 'used_at', c.used_at) ORDER BY c.id DESC), '[]') AS rows
    FROM (
        SELECT d.* FROM redemptions d JOIN shop ON d.shop_id = shop.id JOIN member ON d.member_id = member.id
        WHERE d.code IS NOT NULL ORDER BY d.id DESC LIMIT :codes_shown
    ) c
), history AS (
    SELECT coalesce(json_agg(json_build_object(
        'created_at', e.created_at, 'points', e.points, 'reason', e.reason, 'kind', e.kind) ORDER BY e.id DESC), '[]') AS rows
    FROM (
        -- The member's id as a value, not a join: the newest 20 are then read backwards on (member_id, id) and the
        -- scan stops there, where a join read a long-time member's every entry to sort them.
        SELECT l.id, l.created_at, l.points, l.reason, l.kind
        FROM ledger_entries l
        WHERE l.member_id = (SELECT id FROM member) AND l.shop_id = (SELECT id FROM shop)
        ORDER BY l.id DESC LIMIT :history_shown
    ) e
), done AS (
    -- From the shop's few once-only rules to the member's claim of each, on the claims' unique key.
    SELECT coalesce(json_agg(DISTINCT r.action), '[]') AS rows
    FROM earn_rules r JOIN shop ON r.shop_id = shop.id, member
    WHERE r.limit_period = 'ever' AND EXISTS (
        SELECT FROM action_claims a
        WHERE a.shop_id = shop.id AND a.rule_id = r.id AND a.member_id = member.id AND a.ledger_key IS NOT NULL)
), ladder AS (
    SELECT coalesce(json_agg(json_build_object(
        'id', t.id, 'name', t.name, 'threshold', t.threshold::text, 'perks', t.perks) ORDER BY t.threshold), '[]') AS rows,
        count(*) AS tiers
    FROM tiers t JOIN shop ON t.shop_id = shop.id
), tier_program AS (
    SELECT tp.basis, tp.period,
        CASE tp.period
            WHEN 'lifetime' THEN NULL
            WHEN 'rolling_12_months' THEN CAST(:year_ago AS timestamptz)
            ELSE date_trunc('year', CAST(:now AS timestamptz) AT TIME ZONE shop.timezone) AT TIME ZONE shop.timezone
        END AS since
    FROM tier_programs tp JOIN shop ON tp.shop_id = shop.id
), measure AS (
    -- Only for a member of a shop with a ladder: what tiers.measures sums, on the member's own rows.
    SELECT CASE tp.basis
        WHEN 'spend' THEN (
            SELECT coalesce(sum(o.eligible_amount), 0) FROM orders o
            WHERE o.member_id = member.id AND o.shop_id = shop.id AND o.cancelled_at IS NULL
              AND o.paid_at <= :now AND (tp.since IS NULL OR o.paid_at >= tp.since))
        ELSE (
            SELECT coalesce(sum(l.points), 0) FROM ledger_entries l
            WHERE l.member_id = member.id AND l.shop_id = shop.id AND l.kind = ANY(:earned_kinds)
              AND l.created_at <= :now AND (tp.since IS NULL OR l.created_at >= tp.since))
          + CASE WHEN tp.since IS NULL THEN coalesce((
              SELECT max(i.lifetime_points) FROM imported_balances i
              WHERE i.member_id = member.id AND i.status = 'credited' AND i.lifetime_points IS NOT NULL), 0)
            ELSE 0 END
        END::text AS value,
        (SELECT mt.tier_id FROM member_tiers mt WHERE mt.member_id = member.id) AS held_id
    FROM tier_program tp, shop, member, ladder WHERE ladder.tiers > 0
)
SELECT json_build_object(
    'shop', json_build_object('id', shop.id, 'domain', shop.domain, 'name', shop.name, 'currency', shop.currency),
    'member', (SELECT row_to_json(member) FROM member),
    'program', (SELECT row_to_json(program) FROM program),
    'rules', (SELECT rows FROM rules),
    'rewards', (SELECT rows FROM catalogue),
    'codes', (SELECT rows FROM codes),
    'history', (SELECT rows FROM history),
    'birthday', (
        SELECT json_build_object('month', b.month, 'day', b.day)
        FROM member_birthdays b JOIN member ON b.member_id = member.id),
    'done', (SELECT rows FROM done),
    'tiers', (SELECT rows FROM ladder),
    'tier_program', (SELECT json_build_object('basis', basis) FROM tier_program),
    'measure', (SELECT row_to_json(measure) FROM measure),
    'referrals', (SELECT rp.enabled FROM referral_programs rp WHERE rp.shop_id = shop.id),
    'referred', (
        SELECT json_build_object('friends', count(*), 'points', coalesce(sum(f.points), 0))
        FROM referrals f JOIN member ON f.referrer_id = member.id
        WHERE f.shop_id = shop.id AND f.state <> 'rejected'),
    'link', (SELECT k.code FROM referral_links k JOIN member ON k.member_id = member.id WHERE k.shop_id = shop.id)
) FROM shop
"""
    )
    .bindparams(
        bindparam("shown_actions", type_=ARRAY(String)),
        bindparam("earned_kinds", type_=ARRAY(String), value=list(tiers.EARNED_KINDS)),
        bindparam("codes_shown", value=CODES_SHOWN),
        bindparam("history_shown", value=HISTORY_SHOWN),
    )
    .columns(view=JSON)
)


@dataclass(frozen=True)
class TierStanding:
    """The shop's ladder, what it counts, the member's measure on it and the tier they hold."""

    ladder: list[SimpleNamespace]
    basis: str
    value: Decimal
    held: SimpleNamespace | None


@dataclass(frozen=True)
class MemberView:
    shop_id: int
    domain: str
    name: str
    currency: str
    member: SimpleNamespace | None  # id, first_name, points_balance
    points_per_unit: Decimal
    signup_points: int
    rules: list[SimpleNamespace]  # the enabled earn rules the storefront shows, by id
    rewards: list[SimpleNamespace]  # the whole catalogue, cheapest first (codes may be of rewards since switched off)
    codes: list[SimpleNamespace]  # the member's latest codes, newest first
    history: list[SimpleNamespace]  # the member's latest entries, newest first
    birthday: str | None  # MM-DD
    done: frozenset[str]  # the once-only actions already paid
    tiers: TierStanding | None  # None: no member, or the shop runs no tiers
    referral_code: str | None  # None: no member, or the shop runs no referrals
    friends: int
    referral_points: int


def read(
    sessions: sessionmaker[Session], domain: str, customer_id: int, now: datetime, shown_actions: tuple[str, ...]
) -> MemberView | None:
    """The member's view of the installed shop of that domain (None: no such shop installed)."""
    with sessions() as session:
        found = _fetch(session, domain, customer_id, now, shown_actions)
    if found is None:
        return None
    member = found["member"]
    if (member and found["referrals"] is None) or (found["tiers"] != [] and found["tier_program"] is None):
        found = _with_settings(sessions, found["shop"]["id"], domain, customer_id, now, shown_actions)
    code = found["link"]
    if member and found["referrals"] and code is None:
        code = _make_link(sessions, found["shop"]["id"], member["id"])
    return _view(found, code)


def _fetch(session: Session, domain: str, customer_id: int, now: datetime, shown_actions: tuple[str, ...]) -> dict | None:
    # Autocommit: the one statement is the whole exchange, with no BEGIN before it nor ROLLBACK after.
    connection = session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    values = {
        "domain": domain,
        "customer_id": customer_id,
        "now": now,
        "year_ago": tiers.years_back(now),
        "shown_actions": list(shown_actions),
    }
    return connection.execute(STATEMENT, values).scalar_one_or_none()


def _with_settings(
    sessions: sessionmaker[Session], shop_id: int, domain: str, customer_id: int, now: datetime, shown_actions: tuple[str, ...]
) -> dict:
    """A shop installed before its referral or tier settings rows were made at install: they are made (the defaults,
    as `settings_row` does for every other reader), and the view read again."""
    with UnitOfWork(sessions) as uow:
        settings_row(uow.session, ReferralProgram, shop_id)
        settings_row(uow.session, TierProgram, shop_id)
        uow.commit()
    with sessions() as session:
        found = _fetch(session, domain, customer_id, now, shown_actions)
    assert found is not None, "the shop was uninstalled meanwhile"
    return found


def _make_link(sessions: sessionmaker[Session], shop_id: int, member_id: int) -> str:
    """The member's referral link, made the first time it is shown."""
    with UnitOfWork(sessions) as uow:
        code = referrals.link_code(uow.session, shop_id, member_id)
        uow.commit()
    return code


def _view(found: dict, code: str | None) -> MemberView:
    shop, member, program = found["shop"], found["member"], found["program"]
    birthday = found["birthday"]
    return MemberView(
        shop_id=shop["id"],
        domain=shop["domain"],
        name=shop["name"],
        currency=shop["currency"],
        member=SimpleNamespace(**member) if member else None,
        points_per_unit=Decimal(program["points_per_unit"]),
        signup_points=program["signup_points"],
        rules=[SimpleNamespace(**rule) for rule in found["rules"]],
        rewards=[_reward(reward) for reward in found["rewards"]],
        codes=[_redemption(redemption) for redemption in found["codes"]],
        history=[SimpleNamespace(**entry | {"created_at": _time(entry["created_at"])}) for entry in found["history"]],
        birthday=f"{birthday['month']:02d}-{birthday['day']:02d}" if birthday else None,
        done=frozenset(found["done"]),
        tiers=_standing(found) if member and found["measure"] else None,
        referral_code=code if member and found["referrals"] else None,
        friends=found["referred"]["friends"] if member else 0,
        referral_points=found["referred"]["points"] if member else 0,
    )


def _standing(found: dict) -> TierStanding:
    ladder = [SimpleNamespace(**tier | {"threshold": Decimal(tier["threshold"])}) for tier in found["tiers"]]
    held_id = found["measure"]["held_id"]
    return TierStanding(
        ladder=ladder,
        basis=found["tier_program"]["basis"],
        value=Decimal(found["measure"]["value"]),
        held=next((tier for tier in ladder if tier.id == held_id), None),
    )


def _reward(row: dict) -> SimpleNamespace:
    minimum = row["minimum_order"]
    return SimpleNamespace(**row | {"value": Decimal(row["value"]), "minimum_order": Decimal(minimum) if minimum is not None else None})


def _redemption(row: dict) -> SimpleNamespace:
    times = {name: _time(row[name]) for name in ("created_at", "expires_at", "used_at")}
    return SimpleNamespace(**row | times | {"value": Decimal(row["value"])})


def _time(value: str | None) -> datetime | None:
    """A timestamptz as json gives it, as the ORM's aware UTC datetime."""
    return datetime.fromisoformat(value).astimezone(UTC) if value is not None else None
