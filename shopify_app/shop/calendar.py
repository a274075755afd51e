"""The shop's calendar: its time zone, its days, and the periods limits count in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopify_app.shop.models import Shop

PERIODS = ("ever", "day", "month", "year")


def zone(shop: Shop) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        # A zone this machine does not know must not stop points; UTC is the least surprise.
        return ZoneInfo("UTC")


def local(shop: Shop, now: datetime) -> datetime:
    return now.astimezone(zone(shop))


def instant(shop: Shop, wall: datetime) -> datetime:
    """A wall-clock time in the shop's zone as an aware UTC instant.

    The offset is the one in force at that wall-clock time (not at some
    other moment), so "midnight on Monday" after a DST change lands right.
    A wall time skipped or repeated by a change takes its first reading.
    """
    return wall.replace(tzinfo=zone(shop), fold=0).astimezone(UTC)


def day_start(shop: Shop, day: date) -> datetime:
    return instant(shop, datetime.combine(day, time()))


def day_end(shop: Shop, day: date) -> datetime:
    return day_start(shop, day + timedelta(days=1))


def bucket(period: str, when: datetime) -> str:
    """The name of the limit period `when` (a local time) falls in: "ever", "2026-11-23", "2026-11", "2026"."""
    if period == "ever":
        return "ever"
    if period == "day":
        return when.strftime("%Y-%m-%d")
    if period == "month":
        return when.strftime("%Y-%m")
    if period == "year":
        return when.strftime("%Y")
    raise ValueError(f"unknown limit period {period!r}")
