"""Turning a redemption into what Shopify's checkout honours: a code bound to one
customer, single use, with its minimum and end; or native store credit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from shopify_app.config import Settings
from shopify_app.loyalty.redemptions import Issued, IssueFailed, IssueUnsettled
from shopify_app.models import Redemption, Reward, Shop
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.shopify.errors import AccessDenied

from .tokens import admin_client, admin_failures

SHOPPER_WAITING = {"max_retries": 2, "backoff_base": 0.25, "backoff_cap": 1.0, "timeout": 5.0}


class CreditAnswerDenied(IssueUnsettled):
    """Store credit was credited, but its answer was denied (a scope the app lacks):
    neither an issue (no transaction id) nor a failure (giving the points back
    would pay twice). Deliberately not an AdminApiError, so the redemption stays
    pending, as one whose answer was lost does, for a person to settle."""


class ShopifyIssuer:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.settings = sessions, settings

    def issue(self, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued:
        # A shopper is waiting behind Shopify's app proxy: retry briefly, then give the points back.
        client = admin_client(self.sessions, self.settings, shop.domain, **SHOPPER_WAITING)
        with admin_failures(IssueFailed, "Shopify refused the reward"):
            return issue_with(client, shop, reward, redemption, customer_id)

    def find(self, shop: Shop, redemption: Redemption) -> Issued | None:
        with admin_failures(IssueFailed, "Shopify refused the reward"):
            # Briefly too: the recovery asks again at its next run.
            client = admin_client(self.sessions, self.settings, shop.domain, **SHOPPER_WAITING)
            node = client.execute("CodeDiscountNodeByCode", {"code": redemption.code})["codeDiscountNodeByCode"]
        return Issued(node["id"]) if node else None


def issue_with(client: AdminClient, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued:
    customer = f"gid://shopify/Customer/{customer_id}"
    if reward.kind == "store_credit":
        credit = {"creditAmount": {"amount": str(redemption.value), "currencyCode": shop.currency}}
        if redemption.expires_at:
            credit["expiresAt"] = _iso(redemption.expires_at)
        return Issued(_credit(client, {"id": customer, "creditInput": credit}))
    discount = {
        "title": f"{reward.title} ({redemption.code})",
        "code": redemption.code,
        "startsAt": _iso(redemption.created_at),
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "context": {"customers": {"add": [customer]}},
        "combinesWith": {
            "orderDiscounts": reward.combines_with_order,
            "productDiscounts": reward.combines_with_product,
            "shippingDiscounts": reward.combines_with_shipping,
        },
    }
    if redemption.expires_at:
        discount["endsAt"] = _iso(redemption.expires_at)
    if reward.minimum_order:
        discount["minimumRequirement"] = {"subtotal": {"greaterThanOrEqualToSubtotal": str(reward.minimum_order)}}
    if reward.kind == "free_shipping":
        data = client.execute("DiscountCodeFreeShippingCreate", {"freeShippingCodeDiscount": discount | {"destination": {"all": True}}})
        return Issued(data["discountCodeFreeShippingCreate"]["codeDiscountNode"]["id"])
    discount["customerGets"] = _customer_gets(reward, redemption)
    data = client.execute("DiscountCodeBasicCreate", {"basicCodeDiscount": discount})
    return Issued(data["discountCodeBasicCreate"]["codeDiscountNode"]["id"])


def _credit(client: AdminClient, variables: dict) -> str:
    """The credit's transaction id. An ACCESS_DENIED below the mutation field means
    the credit ran and only its answer was denied: that is not a failure."""
    try:
        data = client.execute("StoreCreditAccountCredit", variables)
    except AccessDenied as denied:
        if not any(len(path) > 1 and path[0] == "storeCreditAccountCredit" for path in denied.denied):
            raise  # the mutation itself was denied: nothing was credited
        payload = denied.data.get("storeCreditAccountCredit") or {}
        transaction = payload.get("storeCreditAccountTransaction") or {}
        if transaction.get("id"):
            return transaction["id"]
        raise CreditAnswerDenied(str(denied)) from denied
    return data["storeCreditAccountCredit"]["storeCreditAccountTransaction"]["id"]


def _customer_gets(reward: Reward, redemption: Redemption) -> dict:
    if reward.kind == "percentage":
        return {"value": {"percentage": float(reward.value / 100)}, "items": {"all": True}}
    if reward.kind == "free_product":
        # One unit of the variant free, however many the cart holds (a plain 100%
        # would make every unit free); usageLimit 1 keeps it to one order.
        variant = f"gid://shopify/ProductVariant/{reward.variant_id}"
        one_free = {"discountOnQuantity": {"quantity": "1", "effect": {"percentage": 1.0}}}
        return {"value": one_free, "items": {"products": {"productVariantsToAdd": [variant]}}}
    return {"value": {"discountAmount": {"amount": str(redemption.value), "appliesOnEachItem": False}}, "items": {"all": True}}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
