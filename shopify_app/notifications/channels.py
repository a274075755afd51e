"""The channels a member event goes out on. Each takes one shop's notices and says which it delivered."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from shopify_app.notifications import branding, messages
from shopify_app.shopify import bulk
from shopify_app.shopify.admin_client import AdminClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    event_id: int
    kind: str
    data: dict
    customer_id: int
    email: str | None
    first_name: str | None
    balance: int


@dataclass(frozen=True)
class ShopCard:
    domain: str
    name: str
    # The merchant's own texts, {kind: {lang: {subject, body}}}; empty: the built-in ones.
    texts: dict = field(default_factory=dict, compare=False, hash=False)
    brand: branding.Brand = field(default_factory=branding.Brand, compare=False)


class Channel(Protocol):
    name: str

    def deliver(self, shop: ShopCard, notices: list[Notice]) -> set[int]:
        """The event ids delivered; raising means none were."""


@dataclass
class Email:
    """Mail over SMTP, in the shopper's language (asked of Shopify, English when unknown): plain text
    and, as its alternative, HTML in the merchant's colours with a button to the rewards page."""

    host: str
    port: int
    sender: str
    locale_of: Callable[[ShopCard, int], str | None] = lambda shop, customer_id: None
    name: str = "email"

    def deliver(self, shop: ShopCard, notices: list[Notice]) -> set[int]:
        delivered: set[int] = set()
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            for notice in notices:
                if not notice.email:
                    delivered.add(notice.event_id)  # nowhere to send it; not worth retrying
                    continue
                values = {"shop": shop.name, "name": notice.first_name or "", "balance": notice.balance, **notice.data}
                words = messages.compose(notice.kind, self.locale_of(shop, notice.customer_id), values, shop.texts)
                url = branding.rewards_url(shop.domain)
                mail = EmailMessage()
                mail["From"] = formataddr((shop.name, self.sender))
                mail["To"] = notice.email
                mail["Subject"] = words.subject
                mail["Message-ID"] = make_msgid(idstring=f"perks-{notice.event_id}")
                mail["X-Perks-Event"] = notice.kind
                mail.set_content(branding.plain_text(words, url))
                mail.add_alternative(branding.html(words, shop.name, shop.brand, url), subtype="html")
                smtp.send_message(mail)
                delivered.add(notice.event_id)
        return delivered


def admin_locale(client_for: Callable[[str], AdminClient]) -> Callable[[ShopCard, int], str | None]:
    """The customer's locale from the Admin API; None (English) when Shopify cannot say."""

    def locale_of(shop: ShopCard, customer_id: int) -> str | None:
        try:
            customer = client_for(shop.domain).execute("CustomerLocale", {"id": f"gid://shopify/Customer/{customer_id}"})["customer"]
        except Exception:  # a mail in English beats no mail
            log.warning("no locale for customer %s of %s", customer_id, shop.domain, exc_info=True)
            return None
        return (customer or {}).get("locale")

    return locale_of


NAMESPACE = "perks"
# metafieldsSet takes 25 metafields a call; past this many members a bulk operation is one call, not many.
BULK_FROM = 50


@dataclass
class Metafields:
    """The member's current points (and tier, when the program has tiers) on the Shopify customer,
    for Shopify Email, Flow and Klaviyo segments. Idempotent: it writes current values."""

    client_for: Callable[[str], AdminClient]
    tier_of: Callable[[ShopCard, int], str | None] = lambda shop, customer_id: None
    name: str = "metafields"
    bulk_operations: list[str] = field(default_factory=list)

    def deliver(self, shop: ShopCard, notices: list[Notice]) -> set[int]:
        latest = {n.customer_id: n for n in notices}  # the newest balance per member
        inputs = [m for n in latest.values() for m in self._metafields(shop, n)]
        client = self.client_for(shop.domain)
        if len(latest) >= BULK_FROM:
            self.bulk_operations.append(bulk_set(client, inputs))
        else:
            for start in range(0, len(inputs), 24):
                client.execute("MetafieldsSet", {"metafields": inputs[start : start + 24]})
        return {n.event_id for n in notices}

    def _metafields(self, shop: ShopCard, notice: Notice) -> list[dict]:
        owner = f"gid://shopify/Customer/{notice.customer_id}"
        fields = [{"ownerId": owner, "namespace": NAMESPACE, "key": "points", "type": "number_integer", "value": str(notice.balance)}]
        tier = self.tier_of(shop, notice.customer_id)
        if tier:
            fields.append({"ownerId": owner, "namespace": NAMESPACE, "key": "tier", "type": "single_line_text_field", "value": tier})
        return fields


def bulk_set(client: AdminClient, metafields: list[dict]) -> str:
    """metafieldsSet for many owners as one bulk operation (24 a line); its id."""
    lines = [{"metafields": metafields[i : i + 24]} for i in range(0, len(metafields), 24)]
    return bulk.run_mutation(client, "MetafieldsSet", lines, "perks-metafields")


# Member events Flow can start a workflow on, by trigger handle (flow_extensions/).
FLOW_TRIGGERS = {
    "points_earned": "perks-points-earned",
    "birthday": "perks-points-earned",
    "points_expiring": "perks-points-expiring",
    "reward_redeemed": "perks-reward-redeemed",
    "tier_changed": "perks-tier-changed",
}


@dataclass
class FlowTriggers:
    """Each event with a Flow trigger sent through flowTriggerReceive; others pass through."""

    client_for: Callable[[str], AdminClient]
    name: str = "flow"

    def deliver(self, shop: ShopCard, notices: list[Notice]) -> set[int]:
        client = self.client_for(shop.domain)
        for notice in notices:
            handle = FLOW_TRIGGERS.get(notice.kind)
            if handle:
                client.execute("FlowTriggerReceive", {"handle": handle, "payload": flow_payload(notice)})
        return {n.event_id for n in notices}


def flow_payload(notice: Notice) -> dict:
    """The trigger's fields by their keys in flow_extensions/ (letters and spaces; a customer is `customer_id`)."""
    payload = {"customer_id": notice.customer_id, "points": int(notice.data.get("points", 0))}
    if notice.kind == "points_expiring":
        payload["expires at"] = str(notice.data.get("expires_at", ""))
    else:
        payload["balance"] = notice.balance
    if notice.kind == "reward_redeemed":
        payload["reward"] = str(notice.data.get("reward", ""))
    if notice.kind == "tier_changed":
        del payload["points"]
        payload["tier"] = str(notice.data.get("tier") or "")
        payload["previous tier"] = str(notice.data.get("previous") or "")
    return payload
