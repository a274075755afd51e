"""Member events out to their channels, every minute (the cron), and the channels this deployment has."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from shopify_app.core.runtime import Runtime, current
from shopify_app.notifications import deliver
from shopify_app.notifications.channels import Email, FlowTriggers, Metafields, admin_locale
from shopify_app.shop import tokens


def deliver_notifications() -> dict[str, int]:
    """Member events out to their channels: mail when PERKS_SMTP_URL is set, metafields always."""
    runtime = current()
    return deliver(runtime.sessions, channels(runtime), datetime.now(UTC))


def channels(runtime: Runtime) -> list:
    """The channels this deployment has: SMTP from PERKS_SMTP_URL (smtp://host:port) and
    PERKS_MAIL_FROM; Shopify customer metafields and Flow triggers through each shop's Admin client."""
    sessions, settings = runtime.sessions, runtime.settings

    def client_for(shop_domain: str):
        return tokens.admin_client(sessions, settings, shop_domain)

    found: list = [Metafields(client_for=client_for), FlowTriggers(client_for=client_for)]
    if settings.smtp_url:
        url = urlsplit(settings.smtp_url)
        found.insert(0, Email(url.hostname or "127.0.0.1", url.port or 25, settings.mail_from, locale_of=admin_locale(client_for)))
    return found
