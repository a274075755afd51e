"""Manual point adjustments by the merchant's staff, with a reason and who made them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopify_app.models import Adjustment

from . import ledger
from .commands import CustomerProfile
from .errors import InvalidCommand
from .members import ensure_member


def adjust(session: Session, shop_id: int, customer_id: int, points: object, reason: object, staff_user: str) -> Adjustment:
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise InvalidCommand("points: must be a whole number other than 0")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidCommand("reason: say why, in at most 500 characters")
    member, _ = ensure_member(session, shop_id, CustomerProfile(customer_id=customer_id))
    adjustment = Adjustment(shop_id=shop_id, member_id=member.id, points=points, reason=reason.strip(), staff_user=staff_user)
    session.add(adjustment)
    session.flush()
    ledger.post(session, member, points, kind="adjust", key=f"adjustment:{adjustment.id}", reason=adjustment.reason)
    return adjustment
