"""A member's tier written to Shopify: a customer tag and the `perks.tier` metafield.

Tier moves only mark the member unsynced (in the ledger's transaction); this
runs afterwards, with no transaction open while Shopify is called, so a
failing call never holds up points and is simply tried again next run. A
member who moved again meanwhile stays unsynced (the version check), so the
newest tier always ends up in Shopify.

Written shop by shop in bulk, since saving a ladder moves a whole shop at
once: the metafields 25 a call (metafieldsSet's most), and the tags, from
BULK_FROM members on, as two bulk operations (stale tiers' tags removed, the
tier's tag added) instead of two calls per member. A member is marked synced
only when each of their lines landed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import Member
from shopify_app.shop.models import Shop
from shopify_app.shopify import bulk
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.tiers.models import MemberTier, Tier
from shopify_app.tiers.tiers import tag_for

log = logging.getLogger(__name__)
NAMESPACE, KEY = "perks", "tier"
METAFIELDS_PER_CALL = 25
# From this many members in one shop's run the tags go by bulk operation: two calls and a wait, not two calls each.
BULK_FROM = 50


def sync(
    sessions: sessionmaker[Session], client_for: Callable[[str], AdminClient], *, shop_domain: str | None = None, limit: int = 5000
) -> dict[str, int]:
    """Write every unsynced member's tier to Shopify; counts of synced and failed."""
    done = {"synced": 0, "failed": 0}
    with UnitOfWork(sessions) as uow:
        query = (
            select(Shop.id, Shop.domain, MemberTier.member_id, MemberTier.version, Member.customer_id, Tier.name)
            .join(Member, Member.id == MemberTier.member_id)
            .join(Shop, Shop.id == MemberTier.shop_id)
            .outerjoin(Tier, Tier.id == MemberTier.tier_id)
            .where(MemberTier.synced.is_(False), Shop.uninstalled_at.is_(None))
        )
        if shop_domain:
            query = query.where(Shop.domain == shop_domain)
        work = uow.session.execute(query.order_by(Shop.id, MemberTier.member_id).limit(limit)).all()
        names = {shop_id: list(uow.session.scalars(select(Tier.name).where(Tier.shop_id == shop_id))) for shop_id in {w[0] for w in work}}
    for (shop_id, domain), rows in groupby(work, key=lambda w: (w[0], w[1])):
        rows = list(rows)
        try:
            written = write_all(client_for(domain), {row.customer_id: row.name for row in rows}, names[shop_id])
        except Exception as error:  # Shopify down or refusing: the next run tries again
            log.warning("tiers of %d customers not written to %s: %r", len(rows), domain, error)
            done["failed"] += len(rows)
            continue
        landed = [row for row in rows if row.customer_id in written]
        with UnitOfWork(sessions) as uow:
            for row in landed:
                uow.session.execute(
                    update(MemberTier).where(MemberTier.member_id == row.member_id, MemberTier.version == row.version).values(synced=True)
                )
            uow.commit()
        done["synced"] += len(landed)
        done["failed"] += len(rows) - len(landed)
    return done


def write_all(client: AdminClient, tiers_of: dict[int, str | None], all_tiers: list[str]) -> set[int]:
    """Each customer carries exactly their tier's tag (no other tier's) and its name in the metafield (`none` without
    one); the customers for whom all of it landed."""
    owner = {customer_id: f"gid://shopify/Customer/{customer_id}" for customer_id in tiers_of}
    removals = {c: [tag_for(n) for n in all_tiers if n != tier] for c, tier in tiers_of.items()}
    failed = _tags(client, "TagsRemove", {c: {"id": owner[c], "tags": stale} for c, stale in removals.items() if stale})
    failed |= _tags(client, "TagsAdd", {c: {"id": owner[c], "tags": [tag_for(tier)]} for c, tier in tiers_of.items() if tier})
    metafields = [
        (c, {"ownerId": owner[c], "namespace": NAMESPACE, "key": KEY, "type": "single_line_text_field", "value": tier or "none"})
        for c, tier in tiers_of.items()
    ]
    for start in range(0, len(metafields), METAFIELDS_PER_CALL):
        chunk = metafields[start : start + METAFIELDS_PER_CALL]
        try:
            client.execute("MetafieldsSet", {"metafields": [metafield for _, metafield in chunk]})
        except Exception as error:  # metafieldsSet saves all of a call or none of it
            log.warning("tier metafields of %d customers not written: %r", len(chunk), error)
            failed |= {c for c, _ in chunk}
    return set(tiers_of) - failed


def _tags(client: AdminClient, mutation: str, lines: dict[int, dict]) -> set[int]:
    """tagsAdd or tagsRemove for each customer's line: a call each, or one bulk operation for many; who failed."""
    field = mutation[0].lower() + mutation[1:]
    if len(lines) < BULK_FROM:
        failed = set()
        for customer_id, variables in lines.items():
            try:
                client.execute(mutation, variables)
            except Exception as error:  # this customer is tried again next run; the others go on
                log.warning("%s for customer %s failed: %r", field, customer_id, error)
                failed.add(customer_id)
        return failed
    customers = list(lines)
    outcomes = bulk.results(client, bulk.run_mutation(client, mutation, list(lines.values()), f"perks-tiers-{field}"))
    return {customer_id for number, customer_id in enumerate(customers) if not bulk.landed(outcomes.get(number), field)}
