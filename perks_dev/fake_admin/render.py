"""Turn fake records into dicts shaped like the Admin schema's types.

graphql-core's default resolver reads dict keys and calls callables with the
field arguments, so fields that take arguments (connections) are lambdas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from perks_dev.fake_admin.search import connection
from perks_dev.fake_admin.state import FakeState, ShopState, gid_kind, money, parse_time


@dataclass
class Ctx:
    """Per-request context: who is asking, and where the fake is reachable."""

    fake: FakeState
    shop: ShopState
    base_url: str
    operation_name: str | None = None
    scopes: frozenset[str] = frozenset()  # what the token's grant covers (writes include their reads)


def money_v2(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def money_bag(amount: str, currency: str) -> dict[str, Any]:
    return {"shopMoney": money_v2(amount, currency), "presentmentMoney": money_v2(amount, currency)}


def _page(items: list[Any]):
    """A connection over ``items`` (kept in creation order), honouring ``reverse``."""
    def resolve(_info: Any, first: int | None = None, after: str | None = None,
                last: int | None = None, before: str | None = None, reverse: bool = False, **_: Any) -> dict:
        return connection(items[::-1] if reverse else items, first, after, last, before)
    return resolve


def shop(ctx: Ctx) -> dict[str, Any]:
    s = ctx.shop
    return {
        "__typename": "Shop", "id": "gid://shopify/Shop/1", "name": s.name, "email": s.email,
        "myshopifyDomain": s.domain, "currencyCode": s.currency, "ianaTimezone": s.timezone,
        "plan": {"publicDisplayName": "Development", "displayName": "Development",
                 "partnerDevelopment": True, "shopifyPlus": False},
    }


def metafield(record: dict, owner_id: str) -> dict[str, Any]:
    return {"__typename": "Metafield", **{k: record[k] for k in ("id", "namespace", "key", "type", "value")},
            "createdAt": record["created_at"], "updatedAt": record["updated_at"],
            "compareDigest": record["updated_at"], "ownerType": (gid_kind(owner_id) or "").upper()}


def _metafields(record: dict):
    def resolve(_info: Any, namespace: str | None = None, keys: list[str] | None = None,
                first: int | None = None, after: str | None = None, **_: Any) -> dict:
        items = [metafield(m, record["id"]) for m in record.get("metafields", {}).values()
                 if namespace in (None, m["namespace"])
                 and (keys is None or f"{m['namespace']}.{m['key']}" in keys)]
        return connection(items, first, after)
    return resolve


def _one_metafield(record: dict):
    def resolve(_info: Any, key: str, namespace: str | None = None) -> dict | None:
        if namespace is None and "." in key:
            namespace, key = key.rsplit(".", 1)
        found = record.get("metafields", {}).get(f"{namespace or '$app'}.{key}")
        return metafield(found, record["id"]) if found else None
    return resolve


def app_installation(record: dict) -> dict[str, Any]:
    return {"__typename": "AppInstallation", "id": record["id"],
            "metafields": _metafields(record), "metafield": _one_metafield(record)}


def customer(ctx: Ctx, record: dict) -> dict[str, Any]:
    first, last = record.get("first_name"), record.get("last_name")
    display = " ".join(p for p in (first, last) if p) or record.get("email") or "Customer"
    accounts = [store_credit_account(ctx, a) for a in ctx.shop.store_credit_accounts.values()
                if a["owner_id"] == record["id"]]
    email = record.get("email")
    marketing = record.get("email_marketing") or {"state": "NOT_SUBSCRIBED"}
    return {
        "__typename": "Customer", "id": record["id"], "firstName": first, "lastName": last,
        "displayName": display, "email": email,
        "defaultEmailAddress": {
            "emailAddress": email, "marketingState": marketing["state"],
            "marketingOptInLevel": marketing.get("opt_in_level"), "marketingUpdatedAt": marketing.get("updated_at"),
            "validFormat": "@" in email,
        } if email else None,
        "emailMarketingConsent": {
            "marketingState": marketing["state"], "marketingOptInLevel": marketing.get("opt_in_level"),
            "consentUpdatedAt": marketing.get("updated_at"),
        } if email else None,
        "tags": list(record["tags"]), "numberOfOrders": str(record["number_of_orders"]),
        "amountSpent": money_v2(record["amount_spent"], ctx.shop.currency),
        "createdAt": record["created_at"], "updatedAt": record["updated_at"],
        "state": "ENABLED", "verifiedEmail": True, "locale": record.get("locale") or "en",
        "metafields": _metafields(record), "metafield": _one_metafield(record),
        "storeCreditAccounts": _page(accounts),
    }


def store_credit_account(ctx: Ctx, account: dict) -> dict[str, Any]:
    owner = ctx.shop.customers.get(account["owner_id"])
    return {
        "__typename": "StoreCreditAccount", "id": account["id"],
        "balance": money_v2(account["balance"], account["currency"]),
        "owner": (lambda _info: customer(ctx, owner)) if owner else None,
        "transactions": _page([store_credit_transaction(ctx, account, t) for t in account["transactions"]]),
    }


def store_credit_transaction(ctx: Ctx, account: dict, tx: dict) -> dict[str, Any]:
    return {
        "__typename": "StoreCreditAccountCreditTransaction", "id": tx["id"],
        "amount": money_v2(tx["amount"], account["currency"]),
        "balanceAfterTransaction": money_v2(tx["balance_after"], account["currency"]),
        "remainingAmount": money_v2(tx["amount"], account["currency"]),
        "createdAt": tx["created_at"], "expiresAt": tx.get("expires_at"), "event": "ADJUSTMENT",
        "account": lambda _info: store_credit_account(ctx, account),
    }


def collection(record: dict) -> dict[str, Any]:
    return {"__typename": "Collection", "id": record["id"], "handle": record["handle"],
            "title": record["title"]}


def product(ctx: Ctx, record: dict) -> dict[str, Any]:
    cols = [collection(ctx.shop.collections[c]) for c in record["collection_ids"]]
    return {
        "__typename": "Product", "id": record["id"], "title": record["title"],
        "tags": list(record["tags"]), "collections": _page(cols),
        "metafields": _metafields(record), "metafield": _one_metafield(record),
    }


def product_variant(record: dict, variant_id: str) -> dict[str, Any]:
    title = record["variant_titles"].get(variant_id, "Default Title")
    return {"__typename": "ProductVariant", "id": variant_id, "title": title,
            "displayName": f"{record['title']} - {title}",
            "product": {"__typename": "Product", "id": record["id"], "title": record["title"]}}


def _variant(variant_id: str | None, product_id: str | None) -> dict | None:
    if not variant_id:
        return None
    return {"__typename": "ProductVariant", "id": variant_id,
            "product": {"__typename": "Product", "id": product_id} if product_id else None}


def line_item(ctx: Ctx, order: dict, li: dict) -> dict[str, Any]:
    cur = order["currency"]
    gross = Decimal(li["price"]) * li["quantity"]
    discounted = gross - Decimal(li["discount"])
    refunded = sum(r["quantity"] for rf in order["refunds"] for r in rf["line_items"]
                   if r["line_item_id"] == li["id"])
    allocations = []
    if Decimal(li["discount"]) > 0:
        application = ({"__typename": "DiscountCodeApplication", "code": li["discount_code"]}
                       if li.get("discount_code") else {"__typename": "ManualDiscountApplication"})
        allocations.append({"allocatedAmountSet": money_bag(li["discount"], cur),
                            "allocatedAmount": money_v2(li["discount"], cur),
                            "discountApplication": application})
    prod = ctx.shop.products.get(li["product_id"] or "")
    return {
        "__typename": "LineItem", "id": li["id"], "title": li["title"], "sku": li["sku"],
        "quantity": li["quantity"], "currentQuantity": li["quantity"] - refunded,
        "isGiftCard": li.get("gift_card", False),
        "product": product(ctx, prod) if prod else (
            {"__typename": "Product", "id": li["product_id"]} if li["product_id"] else None),
        "variant": _variant(li["variant_id"], li["product_id"]),
        "originalUnitPriceSet": money_bag(li["price"], cur),
        "discountedUnitPriceSet": money_bag(_fmt(discounted / li["quantity"]) if li["quantity"] else li["price"], cur),
        "originalTotalSet": money_bag(_fmt(gross), cur),
        "discountedTotalSet": lambda _info, **_: money_bag(_fmt(discounted), cur),
        "discountAllocations": allocations,
        "taxLines": [{"priceSet": money_bag(li.get("tax", "0.00"), cur), "title": "Tax"}] if li.get("tax") else [],
    }


def _fmt(value: Any) -> str:
    return money(value)


def refund(ctx: Ctx, order: dict, rf: dict) -> dict[str, Any]:
    cur = order["currency"]
    by_id = {li["id"]: li for li in order["line_items"]}
    lines = [{"quantity": r["quantity"], "subtotalSet": money_bag(r["subtotal"], cur),
              "totalTaxSet": money_bag(r.get("tax", "0.00"), cur),
              "lineItem": line_item(ctx, order, by_id[r["line_item_id"]]) if r["line_item_id"] in by_id
              else {"__typename": "LineItem", "id": r["line_item_id"]},
              "restocked": False, "restockType": "NO_RESTOCK"} for r in rf["line_items"]]
    return {"__typename": "Refund", "id": rf["id"], "createdAt": rf["created_at"],
            "processedAt": rf["created_at"], "updatedAt": rf["created_at"],
            "totalRefundedSet": money_bag(rf["total"], cur), "refundLineItems": _page(lines),
            "refundShippingLines": _page([_refund_shipping_line(sl, cur) for sl in rf.get("shipping_lines", [])])}


def _refund_shipping_line(sl: dict, cur: str) -> dict[str, Any]:
    return {"__typename": "RefundShippingLine", "id": sl["id"],
            "subtotalAmountSet": money_bag(sl["subtotal"], cur), "taxAmountSet": money_bag(sl["tax"], cur),
            "shippingLine": {"__typename": "ShippingLine", "title": "Shipping",
                             "originalPriceSet": money_bag(sl["subtotal"], cur)}}


def order(ctx: Ctx, record: dict) -> dict[str, Any]:
    cur = record["currency"]
    cust = ctx.shop.customers.get(record["customer_id"] or "")
    refunded = _fmt(sum((_dec(r["total"]) for r in record["refunds"]), _dec("0")))
    refunds = [refund(ctx, record, r) for r in record["refunds"]]
    return {
        "__typename": "Order", "id": record["id"], "name": record["name"], "email": record["email"],
        "createdAt": record["created_at"], "updatedAt": record["updated_at"],
        "processedAt": record["processed_at"], "cancelledAt": record["cancelled_at"],
        "test": record["test"], "tags": list(record["tags"]),
        "displayFinancialStatus": record["financial_status"],
        "currencyCode": cur, "presentmentCurrencyCode": cur,
        "taxesIncluded": record.get("taxes_included", False),
        "customer": customer(ctx, cust) if cust else None,
        "discountCodes": list(record["discount_codes"]),
        "discountCode": record["discount_codes"][0] if record["discount_codes"] else None,
        "subtotalPriceSet": money_bag(record["subtotal"], cur),
        "currentSubtotalPriceSet": money_bag(record["subtotal"], cur),
        "totalPriceSet": money_bag(record["total"], cur),
        "currentTotalPriceSet": money_bag(record["total"], cur),
        "totalShippingPriceSet": money_bag(record["shipping"], cur),
        "totalTaxSet": money_bag(record["tax"], cur),
        "totalDiscountsSet": money_bag(record["total_discounts"], cur),
        "totalRefundedSet": money_bag(refunded, cur),
        "lineItems": _page([line_item(ctx, record, li) for li in record["line_items"]]),
        "refunds": lambda _info, first=None: refunds[:first] if first is not None else refunds,
        "metafields": _metafields(record), "metafield": _one_metafield(record),
    }


def _dec(value: str) -> Decimal:
    return Decimal(value)


def discount_status(record: dict) -> str:
    now = datetime.now(UTC)
    if parse_time(record["starts_at"]) > now:
        return "SCHEDULED"
    if record.get("ends_at") and parse_time(record["ends_at"]) <= now:
        return "EXPIRED"
    return "ACTIVE"


def discount_node(ctx: Ctx, record: dict) -> dict[str, Any]:
    return {"__typename": "DiscountCodeNode", "id": record["id"],
            "codeDiscount": code_discount(ctx, record),
            "metafields": _metafields(record), "metafield": _one_metafield(record)}


def code_discount(ctx: Ctx, record: dict) -> dict[str, Any]:
    cur = ctx.shop.currency
    basic = record["kind"] == "basic"
    customers = [customer(ctx, ctx.shop.customers[c]) for c in record["customer_ids"]
                 if c in ctx.shop.customers]
    context = ({"__typename": "DiscountCustomers", "customers": customers} if record["customer_ids"]
               else {"__typename": "DiscountBuyerSelectionAll", "all": "ALL"})
    minimum = ({"__typename": "DiscountMinimumSubtotal",
                "greaterThanOrEqualToSubtotal": money_v2(record["minimum_subtotal"], cur)}
               if record.get("minimum_subtotal") else None)
    combines = record["combines_with"]
    out: dict[str, Any] = {
        "__typename": "DiscountCodeBasic" if basic else "DiscountCodeFreeShipping",
        "title": record["title"], "status": discount_status(record),
        "startsAt": record["starts_at"], "endsAt": record.get("ends_at"),
        "createdAt": record["created_at"], "updatedAt": record["updated_at"],
        "usageLimit": record.get("usage_limit"),
        "appliesOncePerCustomer": record["applies_once_per_customer"],
        "asyncUsageCount": 0, "hasTimelineComment": False, "tags": list(record.get("tags", [])),
        "summary": record["title"], "shortSummary": record["title"],
        "codes": _page([{"__typename": "DiscountRedeemCode", "id": record["code_id"],
                         "code": record["code"], "asyncUsageCount": 0}]),
        "codesCount": {"count": 1, "precision": "EXACT"},
        "combinesWith": {"orderDiscounts": bool(combines.get("orderDiscounts")),
                         "productDiscounts": bool(combines.get("productDiscounts")),
                         "shippingDiscounts": bool(combines.get("shippingDiscounts")),
                         "productDiscountsWithTagsOnSameCartLine": None},
        "context": context, "customerSelection": context if record["customer_ids"] else
        {"__typename": "DiscountCustomerAll", "allCustomers": True},
        "minimumRequirement": minimum, "recurringCycleLimit": None,
        "discountClasses": ["ORDER" if basic else "SHIPPING"],
    }
    if basic:
        out["customerGets"] = _customer_gets(ctx, record)
    else:
        out["maximumShippingPrice"] = (money_v2(record["maximum_shipping_price"], cur)
                                       if record.get("maximum_shipping_price") else None)
        out["appliesOnOneTimePurchase"] = True
        out["appliesOnSubscription"] = False
    return out


def _customer_gets(ctx: Ctx, record: dict) -> dict[str, Any]:
    value = record["value"]
    if value["type"] == "percentage":
        rendered: dict[str, Any] = {"__typename": "DiscountPercentage", "percentage": value["percentage"]}
    elif value["type"] == "on_quantity":
        rendered = {"__typename": "DiscountOnQuantity", "quantity": {"quantity": value["quantity"]},
                    "effect": {"__typename": "DiscountPercentage", "percentage": value["percentage"]}}
    else:
        rendered = {"__typename": "DiscountAmount", "amount": money_v2(value["amount"], ctx.shop.currency),
                    "appliesOnEachItem": value.get("applies_on_each_item", False)}
    items = record["items"]
    if items.get("all"):
        rendered_items: dict[str, Any] = {"__typename": "AllDiscountItems", "allItems": True}
    else:
        rendered_items = {
            "__typename": "DiscountProducts",
            "products": _page([{"__typename": "Product", "id": p} for p in items.get("product_ids", [])]),
            "productVariants": _page([{"__typename": "ProductVariant", "id": v}
                                      for v in items.get("variant_ids", [])]),
        }
    return {"value": rendered, "items": rendered_items, "appliesOnOneTimePurchase": True,
            "appliesOnSubscription": False}


def bulk_operation(record: dict) -> dict[str, Any]:
    return {"__typename": "BulkOperation", **{k: record.get(k) for k in (
        "id", "status", "type", "query", "url", "partialDataUrl", "errorCode", "createdAt", "completedAt",
        "fileSize")}, "objectCount": str(record.get("objectCount", 0)),
        "rootObjectCount": str(record.get("rootObjectCount", 0))}
