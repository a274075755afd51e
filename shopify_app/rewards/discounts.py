"""Turning a redemption into what Shopify's checkout honours: a code bound to one
customer, single use, with its minimum and end; or native store credit.

Neither mutation is repeated blindly (`admin_client.MUTATIONS`). When an answer
is lost, `find` asks Shopify what happened: a code by its name (unique in the
shop, so a code can never be made twice), a credit among the customer's store
credit transactions (`_landed_credit` has the rule, since the credit input takes
no marker of Perks' own).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.rewards.models import Redemption, Reward
from shopify_app.rewards.redemptions import Issued, IssueFailed, IssueUnsettled
from shopify_app.shop.models import Shop
from shopify_app.shop.tokens import admin_client, admin_failures
from shopify_app.shopify.admin_client import AdminClient
from shopify_app.shopify.errors import AccessDenied, AnswerLost

SHOPPER_WAITING = {"max_retries": 2, "backoff_base": 0.25, "backoff_cap": 1.0, "timeout": 5.0}

# How far Shopify's clock may be behind ours when a credit's createdAt is compared
# with the moment the redemption was made.
CLOCK_SKEW = timedelta(minutes=2)
RECENT_CREDITS = 50  # newest credit transactions read per account


class CreditAnswerDenied(IssueUnsettled):
    """Store credit was credited, but its answer was denied (a scope the app lacks):
    neither an issue (no transaction id) nor a failure (giving the points back
    would pay twice). Deliberately not an AdminApiError, so the redemption stays
    pending, as one whose answer was lost does, until `find` settles it."""


class ShopifyIssuer:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.settings = sessions, settings

    def issue(self, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued:
        """Made; IssueFailed when Shopify certainly did not make it; IssueUnsettled when it may have."""
        # A shopper is waiting behind Shopify's app proxy: retry briefly (only what is safe to repeat).
        client = admin_client(self.sessions, self.settings, shop.domain, **SHOPPER_WAITING)
        with admin_failures(IssueFailed, "Shopify refused the reward"):
            try:
                return issue_with(client, shop, reward, redemption, customer_id)
            except AnswerLost as lost:
                raise IssueUnsettled(str(lost)) from lost
            except AccessDenied as denied:
                if any(len(path) > 1 for path in denied.denied):  # it ran; only its answer was denied
                    raise IssueUnsettled(str(denied)) from denied
                raise

    def find(self, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued | None:
        """What Shopify holds for the redemption (its code, or its credit); None if nothing.
        IssueFailed(refused=False) when Shopify could not be asked."""
        with admin_failures(IssueFailed, "Shopify refused the look-up"):
            # Briefly too: the recovery asks again at its next run.
            client = admin_client(self.sessions, self.settings, shop.domain, **SHOPPER_WAITING)
            if redemption.code is None:
                return _landed_credit(client, shop, redemption, customer_id, self._claimed(shop, redemption))
            node = client.execute("CodeDiscountNodeByCode", {"code": redemption.code})["codeDiscountNodeByCode"]
        return Issued(node["id"]) if node else None

    def _claimed(self, shop: Shop, redemption: Redemption) -> set[str]:
        """Credit transactions the member's other redemptions already stand for."""
        with UnitOfWork(self.sessions) as uow:
            return set(uow.session.scalars(select(Redemption.shopify_id).where(
                Redemption.shop_id == shop.id, Redemption.member_id == redemption.member_id,
                Redemption.id != redemption.id, Redemption.shopify_id.is_not(None))))


def _landed_credit(client: AdminClient, shop: Shop, redemption: Redemption, customer_id: int,
                   claimed: set[str]) -> Issued | None:
    """The credit a redemption made, among the customer's newest store credit transactions.

    storeCreditAccountCredit carries nothing of Perks' own (its input is an amount, an
    expiry and `notify`), so a credit is the redemption's when it is a plain ADJUSTMENT
    (no order as its origin) of exactly its amount and currency, with exactly its expiry
    (to the second; none when it has none), made no earlier than the redemption (less
    CLOCK_SKEW), and not already the transaction of another of the member's redemptions.
    The oldest such credit is taken. A merchant's own credit of the same amount and
    expiry for the same customer in that window would be mistaken for it.
    """
    data = client.execute("StoreCreditAccountTransactions", {
        "customerId": f"gid://shopify/Customer/{customer_id}",
        "currency": f"currency_code:{shop.currency}", "first": RECENT_CREDITS})
    accounts = ((data.get("customer") or {}).get("storeCreditAccounts") or {}).get("nodes") or []
    since = redemption.created_at - CLOCK_SKEW
    matches = [
        tx for account in accounts for tx in (account.get("transactions") or {}).get("nodes") or []
        if tx.get("id") and tx["id"] not in claimed and tx.get("event") == "ADJUSTMENT" and tx.get("origin") is None
        and tx["amount"]["currencyCode"] == shop.currency and Decimal(tx["amount"]["amount"]) == redemption.value
        and _second(tx.get("expiresAt")) == _second(redemption.expires_at) and _when(tx["createdAt"]) >= since
    ]
    return Issued(min(matches, key=lambda tx: _when(tx["createdAt"]))["id"]) if matches else None


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _second(value: str | datetime | None) -> datetime | None:
    if value is None:
        return None
    return (_when(value) if isinstance(value, str) else value).astimezone(UTC).replace(microsecond=0)


def issue_with(client: AdminClient, shop: Shop, reward: Reward, redemption: Redemption, customer_id: int) -> Issued:
    customer = f"gid://shopify/Customer/{customer_id}"
    if reward.kind == "store_credit":
        credit = {"creditAmount": {"amount": str(redemption.value), "currencyCode": shop.currency}}
        if redemption.expires_at:
            credit["expiresAt"] = _iso(redemption.expires_at.replace(microsecond=0))  # matched to the second
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
