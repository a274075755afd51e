"""What the outside world asks of the program, already out of Shopify's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class CustomerProfile:
    customer_id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    updated_at: datetime | None = None
    # The email marketing consent as customers_email_marketing_consent/update reports it; None from other topics.
    email_subscribed: bool | None = None


@dataclass(frozen=True)
class PurchaseLine:
    unit_price: Decimal
    quantity: int
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    # For product and collection multipliers.
    product_id: int | None = None
    # Shopify's line item id: how a refunded line is matched to the line it
    # refunds, to take back at the multiplier that line earned at.
    line_id: int | None = None


@dataclass(frozen=True)
class Purchase:
    """The money of an order the purchase rule looks at, in the shop's currency."""

    lines: tuple[PurchaseLine, ...]
    shipping: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    taxes_included: bool = False


@dataclass(frozen=True)
class PayOrder:
    shop_domain: str
    order_id: int
    name: str
    customer: CustomerProfile | None
    purchase: Purchase
    # A guest's order earns pending points against this email.
    email: str | None = None
    # When the shopper bought: what promotions are judged by, however late the webhook.
    placed_at: datetime | None = None
    # Discount codes used at checkout: Perks' own mark their redemptions used.
    codes: tuple[str, ...] = ()
    # For telling a referred friend from the referrer: the shipping address as one line.
    shipping_address: str | None = None


@dataclass(frozen=True)
class RefundOrder:
    shop_domain: str
    order_id: int
    refund_id: int
    # What was given back, read by the same rule as the purchase itself.
    refunded: Purchase


@dataclass(frozen=True)
class CancelOrder:
    shop_domain: str
    order_id: int
    cancelled_at: datetime


@dataclass(frozen=True)
class SaveCustomer:
    shop_domain: str
    profile: CustomerProfile
    is_new: bool


@dataclass(frozen=True)
class PerformAction:
    """A member did something an earn rule may reward (reported by the storefront or a merchant's app)."""

    shop_domain: str
    customer_id: int
    action: str
    ref: str = ""
    handle: str = ""


@dataclass(frozen=True)
class GiveBirthday:
    shop_domain: str
    customer_id: int
    month: int
    day: int
    year: int | None = None
