"""What the launcher shows a logged-in member (GET /proxy/member), read in one statement.

The shop (installed, by its domain), the member, and every section of the answer
(rewards, codes, history, birthday, actions done, the tier ladder and the
member's measure on it, the program and its earn rules, whether referrals run, the
member's referral stats and link) come from one SELECT, each section its own
subquery on an index, so a request is one round trip to PostgreSQL whatever the
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

import re
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

# Each section is its own subquery on an index. `S` and `M` stand for the shop's and the member's ids as values (an
# InitPlan each), so every lookup is an index condition and the history's newest 20 are read backwards on
# (member_id, id), where a join read a long-time member's every entry to sort them. Numbers that are Decimal in the
# ORM come as text, so json keeps every digit (10.00 stays "10.00"). The done actions go from the shop's few
# once-only rules to the member's claim of each, on the claims' unique key. The measure is what tiers.measures sums,
# for a member of a shop with a ladder. The text stays under psycopg's 4,096 bytes, past which it parses a query
# again on every execution instead of once.
SQL = """
WITH shop AS (SELECT id, domain, name, currency, timezone FROM shops WHERE domain = :domain AND uninstalled_at IS NULL),
member AS (SELECT id, first_name, points_balance FROM members WHERE shop_id = S AND customer_id = :customer_id),
ladder AS (SELECT id, name, threshold::text, perks FROM tiers WHERE shop_id = S),
tp AS (
  SELECT basis, CASE period WHEN 'lifetime' THEN NULL WHEN 'rolling_12_months' THEN CAST(:year_ago AS timestamptz)
    ELSE date_trunc('year', CAST(:now AS timestamptz) AT TIME ZONE shop.timezone) AT TIME ZONE shop.timezone END AS since
  FROM tier_programs, shop WHERE shop_id = shop.id)
SELECT json_build_object(
'shop', (SELECT row_to_json(shop) FROM shop),
'member', (SELECT row_to_json(member) FROM member),
'program', (SELECT row_to_json(p) FROM (SELECT points_per_unit::text, signup_points FROM programs WHERE shop_id = S) p),
'rules', (SELECT json_agg(r ORDER BY r.id) FROM (SELECT id, action, name, points, limit_count, limit_period, network, url FROM earn_rules
  WHERE shop_id = S AND enabled AND action = ANY(:shown_actions)) r),
'rewards', (SELECT json_agg(r ORDER BY r.points_cost, r.id) FROM (SELECT id, title, kind, points_cost, value::text, variant_id,
  variant_title, minimum_order::text, limit_per_member, code_valid_days, combines_with_order, combines_with_product,
  combines_with_shipping, min_points, max_points, enabled, archived_at FROM rewards WHERE shop_id = S) r),
'codes', (SELECT json_agg(c ORDER BY c.id DESC) FROM (SELECT id, reward_id, code, state, points, value::text, order_id, error,
  created_at, expires_at, used_at FROM redemptions WHERE member_id = M AND shop_id = S AND code IS NOT NULL
  ORDER BY id DESC LIMIT :codes_shown) c),
'history', (SELECT json_agg(e ORDER BY e.id DESC) FROM (SELECT id, created_at, points, reason, kind FROM ledger_entries
  WHERE member_id = M AND shop_id = S ORDER BY id DESC LIMIT :history_shown) e),
'birthday', (SELECT row_to_json(b) FROM (SELECT month, day FROM member_birthdays WHERE member_id = M) b),
'done', (SELECT json_agg(DISTINCT r.action) FROM earn_rules r WHERE r.shop_id = S AND r.limit_period = 'ever' AND EXISTS (
  SELECT FROM action_claims a WHERE a.shop_id = S AND a.rule_id = r.id AND a.member_id = M AND a.ledger_key IS NOT NULL)),
'tiers', (SELECT json_agg(ladder ORDER BY threshold::numeric) FROM ladder),
'tier_program', (SELECT row_to_json(tp) FROM tp),
'measure', (SELECT CASE tp.basis
  WHEN 'spend' THEN (SELECT sum(eligible_amount) FROM orders WHERE member_id = M AND shop_id = S AND cancelled_at IS NULL
    AND paid_at <= :now AND (tp.since IS NULL OR paid_at >= tp.since))
  ELSE (SELECT sum(points) FROM ledger_entries WHERE member_id = M AND shop_id = S AND kind = ANY(:earned_kinds)
    AND created_at <= :now AND (tp.since IS NULL OR created_at >= tp.since))
  END::text FROM tp WHERE EXISTS (SELECT FROM member) AND EXISTS (SELECT FROM ladder)),
'imported', (SELECT max(lifetime_points) FROM imported_balances
  WHERE member_id = M AND status = 'credited' AND lifetime_points IS NOT NULL),
'held', (SELECT tier_id FROM member_tiers WHERE member_id = M),
'referrals', (SELECT enabled FROM referral_programs WHERE shop_id = S),
'referred', (SELECT json_build_object('friends', count(*), 'points', coalesce(sum(points), 0)) FROM referrals
  WHERE shop_id = S AND referrer_id = M AND state <> 'rejected'),
'link', (SELECT code FROM referral_links WHERE shop_id = S AND member_id = M)
) FROM shop
"""
STATEMENT = (
    text(re.sub(r"= S\b", "= (SELECT id FROM shop)", re.sub(r"= M\b", "= (SELECT id FROM member)", SQL)))
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
    if (member and found["referrals"] is None) or (found["tiers"] and found["tier_program"] is None):
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
        domain=shop["domain"],
        name=shop["name"],
        currency=shop["currency"],
        member=SimpleNamespace(**member) if member else None,
        points_per_unit=Decimal(program["points_per_unit"]),
        signup_points=program["signup_points"],
        rules=[SimpleNamespace(**rule) for rule in found["rules"] or ()],
        rewards=[_reward(reward) for reward in found["rewards"] or ()],
        codes=[_redemption(redemption) for redemption in found["codes"] or ()],
        history=[SimpleNamespace(**entry | {"created_at": _time(entry["created_at"])}) for entry in found["history"] or ()],
        birthday=f"{birthday['month']:02d}-{birthday['day']:02d}" if birthday else None,
        done=frozenset(found["done"] or ()),
        tiers=_standing(found) if member and found["tiers"] else None,
        referral_code=code if member and found["referrals"] else None,
        friends=found["referred"]["friends"] if member else 0,
        referral_points=found["referred"]["points"] if member else 0,
    )


def _standing(found: dict) -> TierStanding:
    ladder = [SimpleNamespace(**tier | {"threshold": Decimal(tier["threshold"])}) for tier in found["tiers"]]
    value = Decimal(found["measure"] or 0)
    program = found["tier_program"]
    if program["basis"] == "points" and program["since"] is None and found["imported"] is not None:
        value += found["imported"]  # over the whole life, the points earned before Perks count too
    return TierStanding(
        ladder=ladder,
        basis=program["basis"],
        value=value,
        held=next((tier for tier in ladder if tier.id == found["held"]), None),
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
