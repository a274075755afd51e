"""The program's change log: every change made in the admin, who made it, before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.shop.models import ProgramChange


def record(session: Session, shop_id: int, actor: str, subject: str, before: dict[str, Any], after: dict[str, Any]) -> ProgramChange | None:
    """Log the fields that really changed; a save that changes nothing leaves no record."""
    changed = sorted(name for name in after if before.get(name) != after.get(name))
    if not changed:
        return None
    change = ProgramChange(
        shop_id=shop_id,
        actor=actor,
        subject=subject,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )
    session.add(change)
    session.flush()
    return change


def history(session: Session, shop_id: int, *, limit: int = 50, before_id: int | None = None) -> list[ProgramChange]:
    query = select(ProgramChange).where(ProgramChange.shop_id == shop_id)
    if before_id is not None:
        query = query.where(ProgramChange.id < before_id)
    return list(session.scalars(query.order_by(ProgramChange.id.desc()).limit(limit)))
