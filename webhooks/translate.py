"""Shopify webhook payloads turned into the program's commands.

Only this module knows Shopify's payload shapes; a payload missing what a
command needs raises InvalidCommand, which is final (no retry can fix it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import wraps

from shopify_app.core.errors import InvalidCommand
from shopify_app.ledger.commands import (
    CancelOrder,
    CustomerProfile,
    PayOrder,
    Purchase,
    PurchaseLine,
    RefundOrder,
    SaveCustomer,
)


def _strict(translate: Callable) -> Callable:
    @wraps(translate)
    def wrapper(shop_domain: str, payload: dict):
        try:
            return translate(shop_domain, payload)
        except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as error:
            raise InvalidCommand(f"{translate.__name__}: payload lacks or garbles {error}") from error

    return wrapper


def _money(value, money_set: dict | None = None) -> Decimal:
    """Shop-currency money: the `_set`'s shop_money when given, else the plain field."""
    if money_set:
        value = money_set["shop_money"]["amount"]
    return Decimal(str(value or "0"))


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _text(value) -> str | None:
    """A text field or none: anything else would reach the database and fail there, retried as if transient."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def _profile(customer: dict) -> CustomerProfile:
    return CustomerProfile(
        customer_id=int(customer["id"]),
        email=_text(customer.get("email")),
        first_name=_text(customer.get("first_name")),
        last_name=_text(customer.get("last_name")),
        updated_at=_timestamp(customer.get("updated_at")),
    )


def _line(item: dict, quantity: int | None = None) -> PurchaseLine:
    return PurchaseLine(
        unit_price=_money(item["price"], item.get("price_set")),
        quantity=int(item["quantity"] if quantity is None else quantity),
        discount=sum(
            (_money(a["amount"], a.get("amount_set")) for a in item.get("discount_allocations") or []),
            Decimal(0),
        ),
        tax=sum((_money(t["price"], t.get("price_set")) for t in item.get("tax_lines") or []), Decimal(0)),
        product_id=int(item["product_id"]) if item.get("product_id") else None,
        line_id=int(item["id"]) if item.get("id") else None,
    )


@_strict
def order_paid(shop_domain: str, payload: dict) -> PayOrder:
    shipping = payload.get("total_shipping_price_set")
    purchase = Purchase(
        # Buying a gift card is buying money; points come when it is spent.
        lines=tuple(_line(item) for item in payload["line_items"] if not item.get("gift_card")),
        shipping=_money(0, shipping)
        if shipping
        else sum((_money(s["price"], s.get("price_set")) for s in payload.get("shipping_lines") or []), Decimal(0)),
        tax=_money(payload.get("total_tax"), payload.get("total_tax_set")),
        taxes_included=bool(payload.get("taxes_included")),
    )
    customer = payload.get("customer")
    return PayOrder(
        shop_domain=shop_domain,
        order_id=int(payload["id"]),
        name=str(payload.get("name") or payload["id"]),
        customer=_profile(customer) if customer else None,
        purchase=purchase,
        email=payload.get("email") or payload.get("contact_email"),
        placed_at=_timestamp(payload.get("processed_at") or payload.get("created_at")),
        codes=tuple(str(code["code"]) for code in payload.get("discount_codes") or []),
        shipping_address=_address(payload.get("shipping_address")),
    )


def _address(address: dict | None) -> str | None:
    parts = [str(address.get(k) or "") for k in ("address1", "address2", "city", "zip", "country_code")] if address else []
    return " ".join(p for p in parts if p) or None


@_strict
def refund_created(shop_domain: str, payload: dict) -> RefundOrder:
    lines = []
    for refunded in payload.get("refund_line_items") or []:
        quantity = int(refunded["quantity"])
        item = refunded["line_item"]
        if item.get("gift_card"):
            continue
        gross = _money(item["price"], item.get("price_set")) * quantity
        subtotal = _money(refunded["subtotal"], refunded.get("subtotal_set"))
        lines.append(
            PurchaseLine(
                unit_price=gross / quantity if quantity else Decimal(0),
                quantity=quantity,
                discount=gross - subtotal,
                tax=_money(refunded.get("total_tax"), refunded.get("total_tax_set")),
                line_id=_refunded_line_id(refunded),
            )
        )
    # Shipping given back, without its tax: one refund shipping line per shipping line refunded.
    shipping = sum((_money(0, line["subtotal_amount_set"]) for line in payload.get("refund_shipping_lines") or []), Decimal(0))
    return RefundOrder(
        shop_domain=shop_domain,
        order_id=int(payload["order_id"]),
        refund_id=int(payload["id"]),
        refunded=Purchase(lines=tuple(lines), shipping=shipping),
    )


def _refunded_line_id(refunded: dict) -> int | None:
    line_id = refunded.get("line_item_id") or refunded["line_item"].get("id")
    return int(line_id) if line_id else None


@_strict
def order_cancelled(shop_domain: str, payload: dict) -> CancelOrder:
    return CancelOrder(
        shop_domain=shop_domain,
        order_id=int(payload["id"]),
        cancelled_at=_timestamp(payload.get("cancelled_at")) or datetime.now(UTC),
    )


@_strict
def customer_created(shop_domain: str, payload: dict) -> SaveCustomer:
    return SaveCustomer(shop_domain=shop_domain, profile=_profile(payload), is_new=True)


@_strict
def customer_updated(shop_domain: str, payload: dict) -> SaveCustomer:
    return SaveCustomer(shop_domain=shop_domain, profile=_profile(payload), is_new=False)


@_strict
def email_consent_updated(shop_domain: str, payload: dict) -> SaveCustomer:
    """customers_email_marketing_consent/update: the only place the consent comes (customer
    payloads lost it in 2025-01). No profile time: it never overwrites the name or email."""
    consent = payload["email_marketing_consent"] or {}
    profile = CustomerProfile(
        customer_id=int(payload["customer_id"]),
        email=payload.get("email_address") or None,
        email_subscribed=consent.get("state") == "subscribed",
    )
    return SaveCustomer(shop_domain=shop_domain, profile=profile, is_new=False)


@_strict
def scopes_updated(shop_domain: str, payload: dict) -> tuple[str, ...]:
    """app/scopes_update: the access scopes granted now."""
    if not isinstance(payload["current"], list):
        raise TypeError("current is not a list of scopes")
    return tuple(sorted(str(scope) for scope in payload["current"]))


def _customer_gid(value: str) -> int:
    if not value.startswith("gid://shopify/Customer/"):
        raise ValueError(f"not a customer id: {value}")
    return int(value.rsplit("/", 1)[1])


@_strict
def customers_merged(shop_domain: str, payload: dict) -> tuple[int, int] | None:
    """(kept, deleted) customer ids of a completed merge; None for a merge that failed."""
    if payload.get("status") != "completed":
        return None
    return _customer_gid(payload["admin_graphql_api_customer_kept_id"]), _customer_gid(payload["admin_graphql_api_customer_deleted_id"])


@_strict
def customer_id(shop_domain: str, payload: dict) -> int:
    return int(payload["id"])


@_strict
def data_request(shop_domain: str, payload: dict) -> tuple[int, int]:
    """(request id, customer id)."""
    return int(payload["data_request"]["id"]), int(payload["customer"]["id"])


@_strict
def redact_request(shop_domain: str, payload: dict) -> tuple[int, str | None]:
    """(customer id, email)."""
    return int(payload["customer"]["id"]), payload["customer"].get("email")


# An Admin API order's financial statuses that mean it was paid (orders/paid was due).
PAID = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED"}


def admin_order(shop_domain: str, order: dict) -> list[PayOrder | RefundOrder | CancelOrder]:
    """The commands a GraphQL Admin API order implies, in the order its webhooks would come.

    The order (every line and refund line read) is rewritten into the payloads of
    those webhooks and translated by the same functions, so a reconciled order is
    worth what its webhooks would have made it."""
    commands: list[PayOrder | RefundOrder | CancelOrder] = []
    if order["displayFinancialStatus"] in PAID:
        commands.append(order_paid(shop_domain, _paid_payload(order)))
    commands += [refund_created(shop_domain, _refund_payload(order, refund)) for refund in order["refunds"]]
    if order["cancelledAt"]:
        commands.append(order_cancelled(shop_domain, {"id": _gid_number(order["id"]), "cancelled_at": order["cancelledAt"]}))
    return commands


def _paid_payload(order: dict) -> dict:
    customer = order.get("customer")
    return {
        "id": _gid_number(order["id"]),
        "name": order["name"],
        "email": order.get("email"),
        "customer": {"id": _gid_number(customer["id"]), "email": order.get("email")} if customer else None,
        "processed_at": order.get("processedAt"),
        "created_at": order["createdAt"],
        "line_items": [_line_payload(line) for line in order["lineItems"]["nodes"]],
        "total_shipping_price_set": _money_set(order["totalShippingPriceSet"]),
        "total_tax_set": _money_set(order["totalTaxSet"]),
        "taxes_included": order["taxesIncluded"],
        "discount_codes": [{"code": code} for code in order["discountCodes"]],
    }


def _line_payload(line: dict) -> dict:
    product = line.get("product")
    return {
        "id": _gid_number(line["id"]),
        "price": None,  # the shop-currency amount is in price_set, as in a webhook
        "price_set": _money_set(line["originalUnitPriceSet"]),
        "quantity": line["quantity"],
        "gift_card": line["isGiftCard"],
        "product_id": _gid_number(product["id"]) if product else None,
        "discount_allocations": [{"amount": None, "amount_set": _money_set(a["allocatedAmountSet"])} for a in line["discountAllocations"]],
        "tax_lines": [{"price": None, "price_set": _money_set(t["priceSet"])} for t in line["taxLines"]],
    }


def _refund_payload(order: dict, refund: dict) -> dict:
    return {
        "id": _gid_number(refund["id"]),
        "order_id": _gid_number(order["id"]),
        "refund_line_items": [
            {
                "quantity": item["quantity"],
                "line_item_id": _gid_number(item["lineItem"]["id"]),
                "line_item": {
                    "price": None,
                    "price_set": _money_set(item["lineItem"]["originalUnitPriceSet"]),
                    "gift_card": item["lineItem"]["isGiftCard"],
                },
                "subtotal": None,
                "subtotal_set": _money_set(item["subtotalSet"]),
                "total_tax_set": _money_set(item["totalTaxSet"]),
            }
            for item in refund["refundLineItems"]["nodes"]
        ],
        "refund_shipping_lines": [
            {"subtotal_amount_set": _money_set(line["subtotalAmountSet"])} for line in refund["refundShippingLines"]["nodes"]
        ],
    }


def _money_set(bag: dict) -> dict:
    return {"shop_money": {"amount": bag["shopMoney"]["amount"]}}


def _gid_number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def lock_order(topic: str, payload: dict) -> tuple[int, int]:
    """(customer, order) as far as the payload tells, 0 where it does not: a batch's
    deliveries sorted by it lock shared rows in one order. Never raises."""
    if topic.startswith("customers/"):
        return _number(payload.get("id")), 0
    if topic == "customers_email_marketing_consent/update":
        return _number(payload.get("customer_id")), 0
    if topic == "refunds/create":
        return 0, _number(payload.get("order_id"))
    customer = payload.get("customer")
    return _number(customer.get("id") if isinstance(customer, dict) else None), _number(payload.get("id"))


def _number(value) -> int:
    return value if isinstance(value, int) else 0
