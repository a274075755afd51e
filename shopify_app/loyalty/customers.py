"""Customers becoming members."""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import ledger
from .commands import SaveCustomer
from .members import ensure_member
from .shops import installed_shop, program_of


def save_customer(session: Session, cmd: SaveCustomer) -> None:
    """Create or update the member; a new account earns the sign-up bonus once."""
    shop = installed_shop(session, cmd.shop_domain)
    member, _ = ensure_member(session, shop.id, cmd.profile)
    program = program_of(session, shop)
    if cmd.is_new and program.enabled and program.signup_points:
        ledger.post(
            session,
            member,
            program.signup_points,
            kind="signup",
            key=f"customer:{cmd.profile.customer_id}:signup",
            reason="Joined the program",
        )
