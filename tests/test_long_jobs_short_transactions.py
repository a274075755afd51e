"""Issue 15, no request waits on a job: long jobs work in short transactions, and a
storefront request never opens a second unit of work inside its own."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from shopify_app.loyalty import referrals
from shopify_app.models import ReferralLink, Shop
from shopify_app.unit_of_work import UnitOfWork
from tests.fixtures import shopify_webhooks as shopify
from webhooks.handlers import HANDLERS

ADA = 7015000000001


@contextmanager
def connections_held(sessions):
    """The most connections this process held out of the pool at once while the block ran."""
    engine = sessions.kw["bind"]
    lock, seen = threading.Lock(), {"now": 0, "most": 0}

    def checkout(*_):
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])

    def checkin(*_):
        with lock:
            seen["now"] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)


@pytest.fixture
def referring_shop(platform, sessions) -> int:
    platform.install()
    with UnitOfWork(sessions) as uow:
        shop_id = uow.session.scalars(select(Shop.id).where(Shop.domain == platform.shop)).one()
        HANDLERS["customers/create"](uow.session, platform.shop, shopify.customer(ADA, "ada@example.com"))
        uow.commit()
    return shop_id


def test_a_members_first_referral_link_is_made_in_the_requests_own_unit_of_work_and_kept(platform, sessions, referring_shop):
    with UnitOfWork(sessions) as uow:
        assert referrals.settings_of(uow.session, referring_shop).enabled
        assert uow.session.scalar(select(ReferralLink.code).where(ReferralLink.shop_id == referring_shop)) is None

    with connections_held(sessions) as held:
        first = platform.proxy("GET", "/member", ADA)
    assert first.status_code == 200, first.get_json()
    # One connection: a second unit of work inside the request's would wait on the locks the first holds.
    assert held["most"] == 1

    code = first.get_json()["referral"]["url"].rsplit("/", 1)[1]
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(ReferralLink.code).where(ReferralLink.shop_id == referring_shop)) == code
    assert platform.proxy("GET", "/member", ADA).get_json()["referral"]["url"].endswith("/" + code)
