"""A shopper's email marketing consent, recorded on their Shopify customer."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.loyalty.newsletter import SubscriptionFailed
from shopify_app.shopify.errors import AdminApiError, UserErrors

from .discounts import SHOPPER_WAITING
from .tokens import ReauthorizationNeeded, admin_client


class ShopifySubscriber:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.settings = sessions, settings

    def subscribe(self, shop_domain: str, customer_id: int) -> None:
        # A shopper is waiting behind the app proxy: retry briefly, then say so.
        client = admin_client(self.sessions, self.settings, shop_domain, **SHOPPER_WAITING)
        # No consentUpdatedAt: Shopify stamps its own now, which a skewed clock here can never put in the future.
        consent = {"marketingState": "SUBSCRIBED", "marketingOptInLevel": "SINGLE_OPT_IN"}
        try:
            client.execute(
                "CustomerEmailMarketingConsentUpdate",
                {"input": {"customerId": f"gid://shopify/Customer/{customer_id}", "emailMarketingConsent": consent}},
            )
        except UserErrors as refusal:
            detail = "; ".join(e.get("message", "refused") for e in refusal.field_errors)
            raise SubscriptionFailed(detail or "Shopify refused the subscription", refused=True) from refusal
        except (AdminApiError, ReauthorizationNeeded) as error:
            raise SubscriptionFailed("Shopify could not be reached", refused=False) from error
