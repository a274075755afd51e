"""The dashboard's roll-ups (per shop and local day), checked and rebuilt against the facts.

Triggers keep the roll-ups in each fact statement's own transaction (migrations/versions/0024_rollups.py,
which also defines the recomputation from the facts these functions compare with); analytics.report reads
them. `perks rollups --verify` lists every difference, `--rebuild` recomputes a shop's from its facts
(after a bulk load made with triggers off, as the bench's big shop is), `--compact` folds past days' slots
(what cron does daily).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shopify_app.core.runtime import current
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.models import Shop

DAY_FIGURES = (
    "new_members",
    "points_issued",
    "points_redeemed",
    "points_net",
    "member_orders",
    "member_revenue",
    "guest_orders",
    "guest_revenue",
)
STEP_FIGURES = ("steps", "skips")


@dataclass(frozen=True)
class Difference:
    shop_id: int
    key: str  # "day 2026-12-01" or "steps 2026-11-30 -> 2026-12-01" (days as PostgreSQL writes them, infinity included)
    figure: str
    kept: str
    facts: str

    def __str__(self) -> str:
        return f"shop {self.shop_id} {self.key}: {self.figure} kept {self.kept}, facts {self.facts}"


def _compare(table: str, facts: str, keys: tuple[str, ...], figures: tuple[str, ...]) -> str:
    """Kept (summed over slots) against recomputed, per key; a missing row is a row of zeros."""
    on = " AND ".join(f"k.{c} = f.{c}" for c in keys)
    pairs = ", ".join(f"coalesce(k.{c}, 0), coalesce(f.{c}, 0)" for c in figures)
    differ = " OR ".join(f"coalesce(k.{c}, 0) <> coalesce(f.{c}, 0)" for c in figures)
    return f"""
        WITH k AS (SELECT {", ".join(keys)}, {", ".join(f"sum({c}) AS {c}" for c in figures)} FROM {table} WHERE shop_id = :shop
                   GROUP BY {", ".join(keys)}),
             f AS (SELECT * FROM {facts}(:shop))
        SELECT {", ".join(f"coalesce(k.{c}, f.{c})::text" for c in keys)}, {pairs}
        FROM k FULL JOIN f ON {on}
        WHERE {differ}
        ORDER BY {", ".join(f"coalesce(k.{c}, f.{c})" for c in keys)}
    """


DAYS = _compare("rollup_days", "rollup_days_from_facts", ("day",), DAY_FIGURES)
STEPS = _compare("rollup_buyer_steps", "rollup_steps_from_facts", ("from_day", "to_day"), STEP_FIGURES)


def differences(session: Session, shop_id: int) -> list[Difference]:
    """Every figure where a shop's roll-ups and a recomputation from its facts disagree (none when they are exact)."""
    found: list[Difference] = []
    for row in session.execute(text(DAYS), {"shop": shop_id}):
        day, values = row[0], row[1:]
        found += _figures(shop_id, f"day {day}", DAY_FIGURES, values)
    for row in session.execute(text(STEPS), {"shop": shop_id}):
        (start, end), values = row[:2], row[2:]
        found += _figures(shop_id, f"steps {start} -> {end}", STEP_FIGURES, values)
    return found


def _figures(shop_id: int, key: str, names: tuple[str, ...], values) -> list[Difference]:
    return [
        Difference(shop_id, key, name, str(kept), str(facts))
        for name, kept, facts in zip(names, values[0::2], values[1::2], strict=True)
        if kept != facts
    ]


def _fold(table: str, keys: tuple[str, ...], figures: tuple[str, ...], older: str) -> str:
    """Move the figures of every slot but 0 of the rows `older` selects into slot 0, in one statement.

    Writers never write slot 0 (rollup_slot). A row a live writer holds (a late refund of a past day) is left
    for the next compaction: waiting for it could close a cycle with a row of this one that writer wants next."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in figures)
    return f"""
        WITH gone AS (DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE slot <> 0 AND {older} FOR UPDATE SKIP LOCKED)
                      RETURNING *),
             folded AS (SELECT shop_id, {", ".join(keys)}, {sums} FROM gone GROUP BY shop_id, {", ".join(keys)})
        INSERT INTO {table} AS r (shop_id, {", ".join(keys)}, slot, {", ".join(figures)})
        SELECT shop_id, {", ".join(keys)}, 0, {", ".join(figures)} FROM folded ORDER BY shop_id, {", ".join(keys)}
        ON CONFLICT (shop_id, {", ".join(keys)}, slot) DO UPDATE SET {", ".join(f"{c} = r.{c} + EXCLUDED.{c}" for c in figures)}
    """


PAST_STEPS = "(to_day < :before OR (to_day = 'infinity' AND from_day < :before))"
COMPACTIONS = (
    _fold("rollup_days", ("day",), DAY_FIGURES, "day < :before"),
    _fold("rollup_buyer_steps", ("to_day", "from_day"), STEP_FIGURES, PAST_STEPS),
    # Steps that came and went (a cancelled first order, a merge) leave rows of zeros: gone.
    f"DELETE FROM rollup_buyer_steps WHERE slot = 0 AND steps = 0 AND skips = 0 AND {PAST_STEPS}",
)


def compact(session: Session, before: date) -> None:
    """Fold the slots of the days before `before` into one row each (the caller commits).

    Concurrent writers of a day add to a row per slot; once the day is past, one row is all a read needs,
    so a year's dashboard reads a row per day (and per pair of days) however many writers there were."""
    for statement in COMPACTIONS:
        session.execute(text(statement), {"before": before})


def compact_past(sessions) -> None:
    """Every shop's days before yesterday in any zone (UTC's today less 2) folded, in one transaction."""
    with UnitOfWork(sessions) as uow:
        compact(uow.session, datetime.now(UTC).date() - timedelta(days=2))
        uow.commit()


def compact_job() -> None:
    """rq entry point for the daily cron."""
    compact_past(current().sessions)


def rebuild(session: Session, shop_id: int) -> None:
    """Recompute a shop's roll-ups from its facts (the caller commits)."""
    session.execute(text("SELECT rollup_rebuild(:shop)"), {"shop": shop_id})


def shop_ids(session: Session, domain: str | None) -> list[int]:
    """The shop of `domain`, or every shop."""
    query = select(Shop.id).order_by(Shop.id)
    return list(session.scalars(query.where(Shop.domain == domain) if domain else query))
