"""The dashboard's roll-ups (per shop and local day), checked and rebuilt against the facts.

Triggers keep the roll-ups in each fact statement's own transaction (migrations/versions/0023_rollups.py,
which also defines the recomputation from the facts these functions compare with); analytics.report reads
them. `perks rollups --verify` lists every difference, `--rebuild` recomputes a shop's from its facts
(after a bulk load made with triggers off, as the bench's big shop is).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

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


def rebuild(session: Session, shop_id: int) -> None:
    """Recompute a shop's roll-ups from its facts (the caller commits)."""
    session.execute(text("SELECT rollup_rebuild(:shop)"), {"shop": shop_id})


def shop_ids(session: Session, domain: str | None) -> list[int]:
    """The shop of `domain`, or every shop."""
    query = select(Shop.id).order_by(Shop.id)
    return list(session.scalars(query.where(Shop.domain == domain) if domain else query))
