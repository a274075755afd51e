"""Shared by the admin tests: calls with a shop's session token, and members with points made through the domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import ledger
from shopify_app.ledger.commands import CustomerProfile
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member, Order
from shopify_app.shop.shops import installed_shop


class Admin:
    """The admin's API as one shop's staff calls it."""

    def __init__(self, platform, shop: str, user: str = "42"):
        self.platform, self.shop, self.user = platform, shop, user

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.platform.fake.session_token(self.shop, user_id=self.user)}"}

    def get(self, path: str, **kwargs):
        return self.platform.client.get(path, headers=self.headers(), **kwargs)

    def patch(self, path: str, body):
        return self.platform.client.patch(path, headers=self.headers(), json=body)

    def put(self, path: str, body):
        return self.platform.client.put(path, headers=self.headers(), json=body)

    def post(self, path: str, **kwargs):
        return self.platform.client.post(path, headers=self.headers(), **kwargs)


def add_member(sessions, shop: str, customer_id: int, *, email: str, first: str = "", last: str = "", points: int = 0, joined=None) -> int:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        member, _ = ensure_member(uow.session, shop_id, CustomerProfile(customer_id, email=email, first_name=first, last_name=last))
        if joined is not None:
            member.created_at = joined
        if points:
            ledger.post(uow.session, member, points, kind="adjust", key=f"test:{customer_id}:{points}", reason="Welcome gift")
        uow.commit()
        return member.id


def post_entry(sessions, shop: str, customer_id: int, points: int, *, kind: str, key: str, at: datetime) -> None:
    """An entry through the ledger, dated when the fixture says it happened."""
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        member = uow.session.query(Member).filter_by(shop_id=shop_id, customer_id=customer_id).one()
        assert ledger.post(uow.session, member, points, kind=kind, key=key, at=at)
        uow.commit()


def add_order(
    sessions, shop: str, order_id: int, amount: str, *, paid_at: datetime, customer_id: int | None = None, cancelled=None
) -> None:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        member_id = None
        if customer_id is not None:
            member_id = uow.session.query(Member.id).filter_by(shop_id=shop_id, customer_id=customer_id).scalar()
        uow.session.add(
            Order(
                shop_id=shop_id,
                order_id=order_id,
                member_id=member_id,
                name=f"#{order_id}",
                eligible_amount=Decimal(amount),
                paid_at=paid_at,
                cancelled_at=cancelled,
            )
        )
        uow.commit()
