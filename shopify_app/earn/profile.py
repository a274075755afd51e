"""What members tell about themselves: a birthday, a complete profile, and the points for them."""

from __future__ import annotations

import calendar as months
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shopify_app.core.db import insert_ignoring_conflicts
from shopify_app.core.errors import InvalidCommand
from shopify_app.earn import actions
from shopify_app.earn.models import MemberBirthday, Program
from shopify_app.ledger.commands import CustomerProfile, GiveBirthday
from shopify_app.ledger.members import ensure_member
from shopify_app.ledger.models import Member
from shopify_app.shop import calendar
from shopify_app.shop.models import Shop
from shopify_app.shop.shops import installed_shop, program_of

# A birthday job that did not run for a few days still pays the birthdays it missed.
CATCH_UP_DAYS = 7


def give_birthday(session: Session, cmd: GiveBirthday, *, now: datetime) -> None:
    """Keep the member's birthday. Changing it is allowed and earns nothing extra:
    the birthday rule pays once per year, whichever day it falls on."""
    try:
        date(cmd.year or 2000, cmd.month, cmd.day)  # 2000 was a leap year: 29 February is a birthday
    except (TypeError, ValueError) as error:
        raise InvalidCommand(f"not a birthday: {error}") from error
    shop = installed_shop(session, cmd.shop_domain)
    # The storefront may ask before Shopify's customers/create has arrived.
    member = ensure_member(session, shop.id, CustomerProfile(cmd.customer_id))[0]
    session.execute(
        insert_ignoring_conflicts(MemberBirthday, ["member_id"]).values(
            member_id=member.id, shop_id=shop.id, month=cmd.month, day=cmd.day, year=cmd.year, given_at=now
        )
    )
    birthday = session.get(MemberBirthday, member.id, with_for_update=True, populate_existing=True)
    if (birthday.month, birthday.day, birthday.year) != (cmd.month, cmd.day, cmd.year):
        birthday.month, birthday.day, birthday.year, birthday.given_at = cmd.month, cmd.day, cmd.year, now
    award_if_complete(session, shop, program_of(session, shop), member, now)


def award_birthdays(session: Session, shop: Shop, now: datetime, member_ids: list[int] | None = None) -> int:
    """Pay today's birthdays (in the shop's zone), and those of the last few days a late job missed;
    only those of `member_ids` when given (a job pays a shop's `birthday_members` a chunk at a time).

    Safe to run any number of times: the year is the occurrence. A birthday
    given after its day has passed waits for next year, so a member cannot
    set it to yesterday to be paid at once.
    """
    program = program_of(session, shop)
    paid = 0
    for day, day_end, due in _birthdays(shop, now):
        query = select(Member).join(MemberBirthday, MemberBirthday.member_id == Member.id).where(due)
        if member_ids is not None:
            query = query.where(Member.id.in_(member_ids))
        for member in session.scalars(query):
            at = min(now, day_end - timedelta(microseconds=1))
            outcome = actions.award(session, shop, program, member, "birthday", ref=str(day.year), now=at)
            paid += outcome.status == "awarded"
    return paid


def birthday_members(session: Session, shop: Shop, now: datetime) -> list[int]:
    """The members `award_birthdays` would pay now, listed without locking them."""
    found: set[int] = set()
    for _, _, due in _birthdays(shop, now):
        found.update(session.scalars(select(Member.id).join(MemberBirthday, MemberBirthday.member_id == Member.id).where(due)))
    return sorted(found)


def _birthdays(shop: Shop, now: datetime):
    """For today and each day a late job may have missed: the day, its end, and which members' birthday it was."""
    today = calendar.local(shop, now).date()
    for back in range(CATCH_UP_DAYS):
        day = today - timedelta(days=back)
        day_end = calendar.day_end(shop, day)
        given_before = MemberBirthday.given_at < day_end
        yield day, day_end, (MemberBirthday.shop_id == shop.id) & _falls_on(day) & given_before & Member.deleted_at.is_(None)


def _falls_on(day: date):
    same_day = (MemberBirthday.month == day.month) & (MemberBirthday.day == day.day)
    if day.month == 2 and day.day == 28 and not months.isleap(day.year):
        # Born on 29 February: celebrated on the 28th in other years.
        return or_(same_day, (MemberBirthday.month == 2) & (MemberBirthday.day == 29))
    return same_day


def award_if_complete(session: Session, shop: Shop, program: Program, member: Member, now: datetime) -> None:
    """A complete profile (name, email and birthday) earns the profile rule, once ever."""
    if not (member.first_name and member.last_name and member.email):
        return
    if session.get(MemberBirthday, member.id) is None:
        return
    actions.award(session, shop, program, member, "profile", now=now)
