"""A member's tier written to Shopify: a customer tag and the `perks.tier` metafield.

Tier moves only mark the member unsynced (in the ledger's transaction); this
runs afterwards, with no transaction open while Shopify is called, so a
failing call never holds up points and is simply tried again next run. A
member who moved again meanwhile stays unsynced (the version check), so the
newest tier always ends up in Shopify.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import Member
from shopify_app.shop.models import Shop
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.tiers.models import MemberTier, Tier
from shopify_app.tiers.tiers import tag_for

log = logging.getLogger(__name__)
NAMESPACE, KEY = "perks", "tier"


def sync(
    sessions: sessionmaker[Session], client_for: Callable[[str], AdminClient], *, shop_domain: str | None = None, limit: int = 500
) -> dict[str, int]:
    """Write every unsynced member's tier to Shopify; counts of synced and failed."""
    done = {"synced": 0, "failed": 0}
    with UnitOfWork(sessions) as uow:
        query = (
            select(MemberTier.member_id, MemberTier.version, Member.customer_id, Shop.domain, Shop.id, Tier.name)
            .join(Member, Member.id == MemberTier.member_id)
            .join(Shop, Shop.id == MemberTier.shop_id)
            .outerjoin(Tier, Tier.id == MemberTier.tier_id)
            .where(MemberTier.synced.is_(False), Shop.uninstalled_at.is_(None))
        )
        if shop_domain:
            query = query.where(Shop.domain == shop_domain)
        work = uow.session.execute(query.order_by(MemberTier.member_id).limit(limit)).all()
        names = {shop_id: list(uow.session.scalars(select(Tier.name).where(Tier.shop_id == shop_id))) for shop_id in {w[4] for w in work}}
    for member_id, version, customer_id, domain, shop_id, tier in work:
        try:
            write(client_for(domain), customer_id, tier, names[shop_id])
        except Exception as error:  # Shopify down or refusing: the next run tries again
            log.warning("tier of customer %s not written to %s: %r", customer_id, domain, error)
            done["failed"] += 1
            continue
        with UnitOfWork(sessions) as uow:
            uow.session.execute(
                update(MemberTier).where(MemberTier.member_id == member_id, MemberTier.version == version).values(synced=True)
            )
            uow.commit()
        done["synced"] += 1
    return done


def write(client: AdminClient, customer_id: int, tier: str | None, all_tiers: list[str]) -> None:
    """The customer carries exactly the current tier's tag (no other tier's) and its name in the metafield."""
    owner = f"gid://shopify/Customer/{customer_id}"
    stale = [tag_for(name) for name in all_tiers if name != tier]
    if stale:
        client.execute("TagsRemove", {"id": owner, "tags": stale})
    if tier:
        client.execute("TagsAdd", {"id": owner, "tags": [tag_for(tier)]})
    value = tier or "none"
    client.execute(
        "MetafieldsSet",
        {"metafields": [{"ownerId": owner, "namespace": NAMESPACE, "key": KEY, "type": "single_line_text_field", "value": value}]},
    )
