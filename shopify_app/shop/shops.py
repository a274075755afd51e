"""Shops and their programs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.core.errors import InvalidCommand, UnknownShop
from shopify_app.earn.models import Program
from shopify_app.referrals.models import ReferralProgram
from shopify_app.rewards.rewards import default_reward
from shopify_app.shop.models import Shop
from shopify_app.tiers.models import TierProgram

T = TypeVar("T")


def normalise_domain(domain: str) -> str:
    domain = domain.strip().lower()
    if not domain.endswith(".myshopify.com") or len(domain) <= len(".myshopify.com"):
        raise InvalidCommand(f"{domain!r} is not a myshopify.com domain")
    return domain


def add_shop(session: Session, domain: str, *, name: str = "", currency: str = "USD") -> Shop:
    """Install a shop with the default program; installing again changes nothing."""
    domain = normalise_domain(domain)
    shop = session.scalar(select(Shop).where(Shop.domain == domain))
    if shop is None:
        shop = Shop(domain=domain, name=name or domain.split(".")[0], currency=currency)
        session.add(shop)
        session.flush()
        session.add(Program(shop_id=shop.id))
        # The offers' settings with their defaults now, so the storefront's reads find them.
        session.add_all([ReferralProgram(shop_id=shop.id), TierProgram(shop_id=shop.id)])
        session.add(default_reward(shop.id, currency))
        session.flush()
    shop.uninstalled_at = None
    return shop


def installed_shop(session: Session, domain: str) -> Shop:
    """The installed shop, looked up once per session: one paid order asks for it from
    checkout, orders, tiers, referrals and redemptions alike. A session is one unit of
    work, and the cached row is the session's own object, so an uninstall in the same
    transaction is still seen."""
    known = _known_shops(session)
    shop = known.get(domain)
    if shop is None:
        shop = session.scalar(select(Shop).where(Shop.domain == domain))
        if shop is not None:
            known[domain] = shop
    if shop is None or shop.uninstalled_at is not None:
        raise not_installed(domain)
    return shop


def not_installed(domain: str) -> UnknownShop:
    return UnknownShop(f"{domain} has not installed Perks")


def remember_shop(session: Session, shop: Shop) -> None:
    """Let `installed_shop` find this shop (a row of this session) without asking:
    a delivery's handler looks its shop up by domain right after the delivery is read."""
    _known_shops(session)[shop.domain] = shop


def _known_shops(session: Session) -> dict[str, Shop]:
    return session.info.setdefault("installed_shops", {})


def program_of(session: Session, shop: Shop) -> Program:
    return read_once(session, ("program", shop.id), lambda: session.scalars(select(Program).where(Program.shop_id == shop.id)).one())


def settings_read_once(session: Session) -> None:
    """From now on this session reads each of a shop's settings once: for a batch of
    deliveries in one transaction, none of which changes them."""
    session.info["settings"] = {}


def read_once(session: Session, key: tuple, read: Callable[[], T]) -> T:
    """`read()`, or what it gave before in this session when it reads settings once."""
    known = session.info.get("settings")
    if known is None:
        return read()
    if key not in known:
        known[key] = read()
    return known[key]


def any_shop(session: Session, domain: str) -> Shop:
    """The shop whether or not it is installed now: privacy requests outlive an uninstall."""
    shop = session.scalar(select(Shop).where(Shop.domain == domain))
    if shop is None:
        raise UnknownShop(f"{domain} is not known to Perks")
    return shop
