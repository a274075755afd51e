"""A shopper's email marketing consent, recorded on their Shopify customer."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.earn.newsletter import SubscriptionFailed
from shopify_app.rewards.discounts import SHOPPER_WAITING
from shopify_app.shop.tokens import admin_client, admin_failures


class ShopifySubscriber:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.settings = sessions, settings

    def subscribe(self, shop_domain: str, customer_id: int) -> None:
        # A shopper is waiting behind the app proxy: retry briefly, then say so.
        client = admin_client(self.sessions, self.settings, shop_domain, **SHOPPER_WAITING)
        # No consentUpdatedAt: Shopify stamps its own now, which a skewed clock here can never put in the future.
        consent = {"marketingState": "SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN"}
        with admin_failures(SubscriptionFailed, "Shopify refused the subscription"):
            client.execute(
                "CustomerEmailMarketingConsentUpdate",
                {"input": {"customerId": f"gid://shopify/Customer/{customer_id}", "emailMarketingConsent": consent}},
            )
