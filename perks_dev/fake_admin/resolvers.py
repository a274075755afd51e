"""Root fields of the fake Admin API: what Perks queries and mutates.

Mutations apply to FakeState and answer Shopify's payload shapes, including
the userErrors Shopify gives for the mistakes Perks could plausibly make.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    default_field_resolver,
    get_named_type,
    graphql_sync,
    parse,
)

from perks_dev.fake_admin import render
from perks_dev.fake_admin.render import Ctx
from perks_dev.fake_admin.search import connection, filter_records, free_words, text_matches
from perks_dev.fake_admin.state import gid, gid_kind, money, now_iso, parse_time
from shopify_app.shopify import schema as admin_schema

Handler = Callable[..., Any]


def _err(field: list[str] | None, message: str, code: str | None = None, **extra: Any) -> dict:
    return {"field": field, "message": message, "code": code, **extra}


# --- queries -----------------------------------------------------------------------


def q_shop(ctx: Ctx) -> dict:
    return render.shop(ctx)


def q_current_app_installation(ctx: Ctx) -> dict:
    return render.app_installation(ctx.shop.app_installation)


def q_customer(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.customers.get(id)
    return render.customer(ctx, record) if record else None


_CUSTOMER_SEARCH = {
    "id": lambda r: r["id"], "email": lambda r: r.get("email"), "tag": lambda r: r["tags"],
    "updated_at": lambda r: r["updated_at"], "created_at": lambda r: r["created_at"],
}


def q_customers(ctx: Ctx, query: str | None = None, reverse: bool = False, **page: Any) -> dict:
    records = filter_records(ctx.shop.customers.values(), query, _CUSTOMER_SEARCH)
    records = sorted(records, key=lambda r: _legacy(r["id"]), reverse=reverse)
    return connection([render.customer(ctx, r) for r in records], **_page_args(page))


def q_order(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.orders.get(id)
    return render.order(ctx, record) if record else None


def q_refund(ctx: Ctx, id: str) -> dict | None:
    for record in ctx.shop.orders.values():
        for refund in record["refunds"]:
            if refund["id"] == id:
                return render.refund(ctx, record, refund)
    return None


_ORDER_SEARCH = {
    "id": lambda r: r["id"], "name": lambda r: r["name"], "email": lambda r: r.get("email"),
    "customer_id": lambda r: r.get("customer_id"),
    "financial_status": lambda r: r["financial_status"],
    "updated_at": lambda r: r["updated_at"], "created_at": lambda r: r["created_at"],
    "processed_at": lambda r: r["processed_at"], "tag": lambda r: r["tags"],
    "discount_code": lambda r: r["discount_codes"], "test": lambda r: str(r["test"]).lower(),
    "status": lambda r: "cancelled" if r.get("cancelled_at") else "open",
}
_ORDER_SORT = {"UPDATED_AT": "updated_at", "CREATED_AT": "created_at", "PROCESSED_AT": "processed_at"}


def q_orders(ctx: Ctx, query: str | None = None, sortKey: str | None = None, reverse: bool = False,
             **page: Any) -> dict:
    records = filter_records(ctx.shop.orders.values(), query, _ORDER_SEARCH)
    key = _ORDER_SORT.get(sortKey or "")
    records.sort(key=(lambda r: (parse_time(r[key]), _legacy(r["id"]))) if key
                 else (lambda r: _legacy(r["id"])), reverse=reverse)
    return connection([render.order(ctx, r) for r in records], **_page_args(page))


def q_product(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.products.get(id)
    return render.product(ctx, record) if record else None


def q_collection(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.collections.get(id)
    return render.collection(record) if record else None


def _titled(records: list[dict], query: str | None, texts: Callable[[dict], list[str]]) -> list[dict]:
    words = free_words(query)
    return sorted((r for r in records if text_matches(texts(r), words)), key=lambda r: (r["title"].lower(), r["id"]))


def q_products(ctx: Ctx, query: str | None = None, sortKey: str | None = None, reverse: bool = False,
               **page: Any) -> dict:
    found = _titled(list(ctx.shop.products.values()), query, lambda r: [r["title"], *r["variant_titles"].values()])
    return connection([render.product(ctx, r) for r in (found[::-1] if reverse else found)], **_page_args(page))


def q_collections(ctx: Ctx, query: str | None = None, sortKey: str | None = None, reverse: bool = False,
                  **page: Any) -> dict:
    found = _titled(list(ctx.shop.collections.values()), query, lambda r: [r["title"]])
    return connection([render.collection(r) for r in (found[::-1] if reverse else found)], **_page_args(page))


def q_product_variants(ctx: Ctx, query: str | None = None, reverse: bool = False, **page: Any) -> dict:
    """Variants matched by their own title or their product's (Shopify's default fields for free text)."""
    words = free_words(query)
    found = [render.product_variant(product, vid)
             for product in sorted(ctx.shop.products.values(), key=lambda r: (r["title"].lower(), r["id"]))
             for vid in product["variant_ids"]
             if text_matches([product["title"], product["variant_titles"].get(vid, "")], words)]
    return connection(found[::-1] if reverse else found, **_page_args(page))


def q_node(ctx: Ctx, id: str) -> dict | None:
    kind = gid_kind(id)
    lookups: dict[str, Callable[[], dict | None]] = {
        "Customer": lambda: q_customer(ctx, id),
        "Order": lambda: q_order(ctx, id),
        "Refund": lambda: q_refund(ctx, id),
        "Product": lambda: q_product(ctx, id),
        "Collection": lambda: q_collection(ctx, id),
        "DiscountCodeNode": lambda: q_code_discount_node(ctx, id),
        "StoreCreditAccount": lambda: (render.store_credit_account(ctx, ctx.shop.store_credit_accounts[id])
                                       if id in ctx.shop.store_credit_accounts else None),
        "BulkOperation": lambda: q_bulk_operation(ctx, id),
    }
    lookup = lookups.get(kind or "")
    return lookup() if lookup else None


def q_nodes(ctx: Ctx, ids: list[str]) -> list[dict | None]:
    return [q_node(ctx, i) for i in ids]


def q_code_discount_node(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.discounts.get(id)
    return render.discount_node(ctx, record) if record else None


def q_code_discount_node_by_code(ctx: Ctx, code: str) -> dict | None:
    record = next((d for d in ctx.shop.discounts.values() if d["code"].lower() == code.lower()), None)
    return render.discount_node(ctx, record) if record else None


def q_bulk_operation(ctx: Ctx, id: str) -> dict | None:
    record = ctx.shop.bulk_operations.get(id)
    return render.bulk_operation(record) if record else None


def _legacy(gid_value: str) -> int:
    tail = gid_value.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _page_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("first", "after", "last", "before")}


# --- discounts -------------------------------------------------------------------------


def m_discount_code_basic_create(ctx: Ctx, basicCodeDiscount: dict) -> dict:
    return _create_discount(ctx, "basic", basicCodeDiscount, "basicCodeDiscount")


def m_discount_code_free_shipping_create(ctx: Ctx, freeShippingCodeDiscount: dict) -> dict:
    return _create_discount(ctx, "free_shipping", freeShippingCodeDiscount, "freeShippingCodeDiscount")


def _create_discount(ctx: Ctx, kind: str, data: dict, arg: str) -> dict:
    errors = _discount_errors(ctx, kind, data, arg)
    if errors:
        return {"codeDiscountNode": None, "userErrors": errors}
    number = ctx.fake.next_id()
    stamp = now_iso()
    record = {
        "id": gid("DiscountCodeNode", number), "code_id": gid("DiscountRedeemCode", ctx.fake.next_id()),
        "kind": kind, "title": data["title"], "code": data["code"],
        "starts_at": data.get("startsAt") or stamp, "ends_at": data.get("endsAt"),
        "usage_limit": data.get("usageLimit"),
        "applies_once_per_customer": bool(data.get("appliesOncePerCustomer", False)),
        "customer_ids": _customer_ids(data),
        "minimum_subtotal": _minimum_subtotal(data),
        "combines_with": dict(data.get("combinesWith") or {}),
        "tags": list(data.get("tags") or []),
        "created_at": stamp, "updated_at": stamp,
    }
    if kind == "basic":
        record["value"] = _discount_value(data["customerGets"]["value"])
        record["items"] = _discount_items(data["customerGets"]["items"])
    else:
        record["maximum_shipping_price"] = (money(data["maximumShippingPrice"])
                                            if data.get("maximumShippingPrice") is not None else None)
    ctx.shop.discounts[record["id"]] = record
    return {"codeDiscountNode": render.discount_node(ctx, record), "userErrors": []}


def _customer_ids(data: dict) -> list[str]:
    selection = data.get("context") or data.get("customerSelection") or {}
    return list((selection.get("customers") or {}).get("add") or [])


def _minimum_subtotal(data: dict) -> str | None:
    subtotal = ((data.get("minimumRequirement") or {}).get("subtotal") or {})
    value = subtotal.get("greaterThanOrEqualToSubtotal")
    return money(value) if value is not None else None


def _discount_value(value: dict) -> dict:
    if value.get("percentage") is not None:
        return {"type": "percentage", "percentage": float(value["percentage"])}
    if value.get("discountOnQuantity"):
        on_qty = value["discountOnQuantity"]
        return {"type": "on_quantity", "quantity": str(on_qty.get("quantity")),
                "percentage": float((on_qty.get("effect") or {}).get("percentage") or 0)}
    amount = value["discountAmount"]
    return {"type": "amount", "amount": money(amount["amount"]),
            "applies_on_each_item": bool(amount.get("appliesOnEachItem", False))}


def _discount_items(items: dict) -> dict:
    if items.get("all"):
        return {"all": True}
    products = items.get("products") or {}
    return {"all": False, "product_ids": list(products.get("productsToAdd") or []),
            "variant_ids": list(products.get("productVariantsToAdd") or []),
            "collection_ids": list((items.get("collections") or {}).get("add") or [])}


def _discount_errors(ctx: Ctx, kind: str, data: dict, arg: str) -> list[dict]:
    errors: list[dict] = []
    for name in ("title", "code"):
        if not (data.get(name) or "").strip():
            errors.append(_err([arg, name], f"{name.capitalize()} can't be blank", "BLANK"))
    code = (data.get("code") or "").strip()
    if code and any(d["code"].lower() == code.lower() for d in ctx.shop.discounts.values()):
        errors.append(_err([arg, "code"], "Code must be unique. Please try a different code.", "TAKEN"))
    if code and len(code) > 255:
        errors.append(_err([arg, "code"], "Code is too long (maximum is 255 characters)", "TOO_LONG"))
    if data.get("context") and data.get("customerSelection"):
        errors.append(_err([arg, "context"], "Only one of context or customerSelection can be provided.",
                           "CONFLICT"))
    errors += _date_errors(data, arg)
    errors += _customer_errors(ctx, data, arg)
    if kind == "basic":
        errors += _customer_gets_errors(data.get("customerGets"), arg)
    if data.get("usageLimit") is not None and data["usageLimit"] < 1:
        errors.append(_err([arg, "usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN"))
    subtotal = _minimum_subtotal(data)
    if subtotal is not None and Decimal(subtotal) <= 0:
        errors.append(_err([arg, "minimumRequirement", "subtotal", "greaterThanOrEqualToSubtotal"],
                           "Minimum subtotal must be greater than 0", "GREATER_THAN"))
    return errors


def _date_errors(data: dict, arg: str) -> list[dict]:
    starts, ends = data.get("startsAt"), data.get("endsAt")
    if starts and ends and parse_time(ends) < parse_time(starts):
        return [_err([arg, "endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE")]
    return []


def _customer_errors(ctx: Ctx, data: dict, arg: str) -> list[dict]:
    errors = []
    selection_key = "context" if data.get("context") else "customerSelection"
    for index, customer_id in enumerate(_customer_ids(data)):
        if ctx.fake.ensure_customer(ctx.shop.domain, customer_id) is None:
            errors.append(_err([arg, selection_key, "customers", "add", str(index)],
                               "Customer does not exist", "INVALID"))
    return errors


def _customer_gets_errors(gets: dict | None, arg: str) -> list[dict]:
    base = [arg, "customerGets"]
    if not gets or not gets.get("value"):
        return [_err([*base, "value"], "Value can't be blank", "BLANK")]
    if not gets.get("items"):
        return [_err([*base, "items"], "Items can't be blank", "BLANK")]
    value = gets["value"]
    given = [k for k in ("percentage", "discountAmount", "discountOnQuantity") if value.get(k) is not None]
    if len(given) != 1:
        return [_err([*base, "value"], "Only one of percentage, discountAmount or discountOnQuantity "
                     "must be provided", "INVALID")]
    if "percentage" in given and not 0 < value["percentage"] <= 1:
        return [_err([*base, "value", "percentage"], "Value must be between 0.0 and 1.0",
                     "VALUE_OUTSIDE_RANGE")]
    if "discountOnQuantity" in given:
        on_quantity = value["discountOnQuantity"]
        effect = on_quantity.get("effect") or {}
        if int(on_quantity.get("quantity") or 0) < 1:
            return [_err([*base, "value", "discountOnQuantity", "quantity"], "Quantity must be greater than 0",
                         "GREATER_THAN")]
        if effect.get("percentage") is not None and not 0 < effect["percentage"] <= 1:
            return [_err([*base, "value", "discountOnQuantity", "effect", "percentage"],
                         "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE")]
    if "discountAmount" in given:
        amount = Decimal(str((value["discountAmount"] or {}).get("amount") or 0))
        if amount <= 0:
            return [_err([*base, "value", "discountAmount", "amount"], "Value must be greater than 0",
                         "GREATER_THAN")]
    items = gets["items"]
    products = items.get("products") or {}
    if not (items.get("all") or products.get("productsToAdd") or products.get("productVariantsToAdd")
            or (items.get("collections") or {}).get("add")):
        return [_err([*base, "items"], "Items must apply to something", "APPLIES_ON_NOTHING")]
    return []


def m_discount_code_deactivate(ctx: Ctx, id: str) -> dict:
    record = ctx.shop.discounts.get(id)
    if not record:
        return {"codeDiscountNode": None, "userErrors": [_err(["id"], "Discount does not exist", "INVALID")]}
    record["ends_at"] = now_iso()
    record["updated_at"] = record["ends_at"]
    return {"codeDiscountNode": render.discount_node(ctx, record), "userErrors": []}


def m_discount_code_delete(ctx: Ctx, id: str) -> dict:
    if ctx.shop.discounts.pop(id, None) is None:
        return {"deletedCodeDiscountId": None,
                "userErrors": [_err(["id"], "Discount does not exist", "INVALID")]}
    return {"deletedCodeDiscountId": id, "userErrors": []}


# --- store credit ---------------------------------------------------------------------


def m_store_credit_account_credit(ctx: Ctx, id: str, creditInput: dict) -> dict:
    amount = Decimal(str(creditInput["creditAmount"]["amount"]))
    currency = creditInput["creditAmount"]["currencyCode"]
    fail = _credit_errors(ctx, id, amount, currency, creditInput.get("expiresAt"))
    if fail:
        return {"storeCreditAccountTransaction": None, "userErrors": fail}
    account = _account_for(ctx, id, currency)
    balance = Decimal(account["balance"]) + amount
    account["balance"] = money(balance)
    tx = {"id": gid("StoreCreditAccountCreditTransaction", ctx.fake.next_id()), "amount": money(amount),
          "balance_after": money(balance), "created_at": now_iso(),
          "expires_at": creditInput.get("expiresAt"), "notify": bool(creditInput.get("notify", False))}
    account["transactions"].append(tx)
    return {"storeCreditAccountTransaction": render.store_credit_transaction(ctx, account, tx),
            "userErrors": []}


def _credit_errors(ctx: Ctx, id: str, amount: Decimal, currency: str, expires_at: str | None) -> list[dict]:
    if amount <= 0:
        return [_err(["creditInput", "creditAmount", "amount"], "A positive amount must be used to credit "
                     "a store credit account.", "NEGATIVE_OR_ZERO_AMOUNT")]
    if expires_at and parse_time(expires_at) <= datetime.now(UTC):
        return [_err(["creditInput", "expiresAt"], "The expiry date must be in the future.",
                     "EXPIRES_AT_IN_PAST")]
    kind = gid_kind(id)
    if kind == "StoreCreditAccount":
        account = ctx.shop.store_credit_accounts.get(id)
        if not account:
            return [_err(["id"], "Store credit account does not exist.", "ACCOUNT_NOT_FOUND")]
        if account["currency"] != currency:
            return [_err(["creditInput", "creditAmount", "currencyCode"],
                         "The currency provided does not match the currency of the store credit account.",
                         "MISMATCHING_CURRENCY")]
        return []
    if kind != "Customer" or ctx.fake.ensure_customer(ctx.shop.domain, id) is None:
        return [_err(["id"], "Owner does not exist.", "OWNER_NOT_FOUND")]
    return []


def _account_for(ctx: Ctx, id: str, currency: str) -> dict:
    if gid_kind(id) == "StoreCreditAccount":
        return ctx.shop.store_credit_accounts[id]
    for account in ctx.shop.store_credit_accounts.values():
        if account["owner_id"] == id and account["currency"] == currency:
            return account
    account = {"id": gid("StoreCreditAccount", ctx.fake.next_id()), "owner_id": id, "currency": currency,
               "balance": "0.0", "transactions": []}
    ctx.shop.store_credit_accounts[account["id"]] = account
    return account


# --- email marketing consent -------------------------------------------------------------

_SETTABLE_MARKETING_STATES = ("SUBSCRIBED", "UNSUBSCRIBED", "PENDING")


def m_customer_email_marketing_consent_update(ctx: Ctx, input: dict) -> dict:
    customer_id, consent = input["customerId"], input["emailMarketingConsent"]
    record = ctx.fake.ensure_customer(ctx.shop.domain, customer_id)
    errors = _consent_errors(record, consent)
    if errors:
        return {"customer": None, "userErrors": errors}
    assert record is not None  # checked by _consent_errors
    stamp = now_iso()
    record["email_marketing"] = {
        "state": consent["marketingState"],
        "opt_in_level": consent.get("marketingOptInLevel") or record["email_marketing"].get("opt_in_level"),
        "updated_at": consent.get("consentUpdatedAt") or stamp,
    }
    record["updated_at"] = stamp
    return {"customer": render.customer(ctx, record), "userErrors": []}


def _consent_errors(record: dict | None, consent: dict) -> list[dict]:
    if record is None:
        return [_err(["input", "customerId"], "Customer not found", "INVALID")]
    if not record.get("email"):
        return [_err(["input", "customerId"], "Customer must have an email address to update email marketing consent",
                     "INVALID")]
    if consent["marketingState"] not in _SETTABLE_MARKETING_STATES:
        return [_err(["input", "emailMarketingConsent", "marketingState"],
                     "Marketing state is not included in the list", "INCLUSION")]
    updated = consent.get("consentUpdatedAt")
    if updated and parse_time(updated) > datetime.now(UTC):
        return [_err(["input", "emailMarketingConsent", "consentUpdatedAt"],
                     "Consent updated at cannot be in the future", "INVALID")]
    return []


# --- metafields & tags ----------------------------------------------------------------

_METAFIELD_VALUE_CHECKS: dict[str, Callable[[str], bool]] = {
    "number_integer": lambda v: v.lstrip("-").isdigit(),
    "number_decimal": lambda v: _is_decimal(v),
    "boolean": lambda v: v in ("true", "false"),
    "json": lambda v: _is_json(v),
    "date_time": lambda v: _is_time(v),
    "date": lambda v: _is_time(v),
}


def _is_decimal(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _is_json(value: str) -> bool:
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _is_time(value: str) -> bool:
    try:
        parse_time(value)
    except ValueError:
        return False
    return True


def _owner(ctx: Ctx, owner_id: str) -> dict | None:
    kind = gid_kind(owner_id)
    if kind == "Customer":
        return ctx.fake.ensure_customer(ctx.shop.domain, owner_id)
    tables = {"Order": ctx.shop.orders, "Product": ctx.shop.products,
              "DiscountCodeNode": ctx.shop.discounts}
    if kind == "Shop":
        return ctx.shop.__dict__.setdefault("shop_record", {"id": owner_id, "metafields": {}})
    if kind == "AppInstallation":  # only the calling app's own installation on this shop
        return ctx.shop.app_installation if owner_id == ctx.shop.app_installation["id"] else None
    return tables.get(kind or "", {}).get(owner_id)


def m_metafields_set(ctx: Ctx, metafields: list[dict]) -> dict:
    if len(metafields) > 25:
        return {"metafields": None, "userErrors": [
            _err(["metafields"], "Exceeded the maximum metafields input limit of 25.", "LESS_THAN_OR_EQUAL_TO")]}
    errors = [e for i, m in enumerate(metafields) for e in _metafield_errors(ctx, i, m)]
    if errors:  # metafieldsSet is atomic: nothing is written when anything is wrong
        return {"metafields": None, "userErrors": errors}
    written = [_write_metafield(ctx, m) for m in metafields]
    return {"metafields": written, "userErrors": []}


def _metafield_errors(ctx: Ctx, index: int, m: dict) -> list[dict]:
    base = ["metafields", str(index)]
    owner = _owner(ctx, m["ownerId"])
    if owner is None:
        return [_err([*base, "ownerId"], "Owner does not exist.", "INVALID", elementIndex=index)]
    namespace = m.get("namespace") or "$app"
    if len(namespace) < 3 or len(namespace) > 255:
        return [_err([*base, "namespace"], "Namespace is too short (minimum is 3 characters)"
                     if len(namespace) < 3 else "Namespace is too long", "TOO_SHORT" if len(namespace) < 3
                     else "TOO_LONG", elementIndex=index)]
    if not 2 <= len(m["key"]) <= 64:
        return [_err([*base, "key"], "Key is too short (minimum is 2 characters)" if len(m["key"]) < 2
                     else "Key is too long (maximum is 64 characters)",
                     "TOO_SHORT" if len(m["key"]) < 2 else "TOO_LONG", elementIndex=index)]
    existing = owner.get("metafields", {}).get(f"{namespace}.{m['key']}")
    mtype = m.get("type") or (existing or {}).get("type")
    if not mtype:
        return [_err([*base, "type"], "Type can't be blank", "BLANK", elementIndex=index)]
    check = _METAFIELD_VALUE_CHECKS.get(mtype)
    if check and not check(m["value"]):
        return [_err([*base, "value"], f"Value must be a valid {mtype}.", "INVALID_VALUE", elementIndex=index)]
    return []


def _write_metafield(ctx: Ctx, m: dict) -> dict:
    owner = _owner(ctx, m["ownerId"])
    assert owner is not None  # checked by _metafield_errors
    namespace = m.get("namespace") or "$app"
    key = f"{namespace}.{m['key']}"
    stamp = now_iso()
    store = owner.setdefault("metafields", {})
    existing = store.get(key)
    record = {"id": existing["id"] if existing else gid("Metafield", ctx.fake.next_id()),
              "namespace": namespace, "key": m["key"], "type": m.get("type") or existing["type"],
              "value": m["value"], "created_at": existing["created_at"] if existing else stamp,
              "updated_at": stamp}
    store[key] = record
    return render.metafield(record, owner["id"])


# Types whose definitions may be admin filterable (a conservative subset of Shopify's list).
ADMIN_FILTERABLE_TYPES = {"single_line_text_field", "list.single_line_text_field", "boolean",
                          "product_reference", "collection_reference", "metaobject_reference"}


def m_metafield_definition_create(ctx: Ctx, definition: dict) -> dict:
    errors = _definition_errors(ctx, definition)
    if errors:
        return {"createdDefinition": None, "userErrors": errors}
    filterable = bool(((definition.get("capabilities") or {}).get("adminFilterable") or {}).get("enabled"))
    record = {"id": gid("MetafieldDefinition", ctx.fake.next_id()), "ownerType": definition["ownerType"],
              "namespace": definition.get("namespace") or "$app", "key": definition["key"],
              "name": definition["name"], "description": definition.get("description"),
              "type": {"name": definition["type"]},
              "capabilities": {"adminFilterable": {
                  "enabled": filterable, "eligible": definition["type"] in ADMIN_FILTERABLE_TYPES,
                  "status": "FILTERABLE" if filterable else "NOT_FILTERABLE"}}}
    ctx.shop.metafield_definitions[_definition_key(definition)] = record
    return {"createdDefinition": record, "userErrors": []}


def _definition_key(definition: dict) -> str:
    return f"{definition['ownerType']}.{definition.get('namespace') or '$app'}.{definition['key']}"


def _definition_errors(ctx: Ctx, definition: dict) -> list[dict]:
    base = ["definition"]
    for name in ("name", "key", "type"):
        if not (definition.get(name) or "").strip():
            return [_err([*base, name], f"{name.capitalize()} can't be blank", "BLANK")]
    if _definition_key(definition) in ctx.shop.metafield_definitions:
        return [_err([*base, "key"], "Key is in use for this namespace and owner type", "TAKEN")]
    filterable = ((definition.get("capabilities") or {}).get("adminFilterable") or {}).get("enabled")
    if filterable and definition["type"] not in ADMIN_FILTERABLE_TYPES:
        return [_err([*base, "capabilities"], "The capability admin_filterable is not valid for this "
                     "definition.", "INVALID_CAPABILITY")]
    return []


def _taggable(ctx: Ctx, id: str) -> dict | None:
    kind = gid_kind(id)
    if kind == "Customer":
        return ctx.fake.ensure_customer(ctx.shop.domain, id)
    return {"Order": ctx.shop.orders, "Product": ctx.shop.products}.get(kind or "", {}).get(id)


def m_tags_add(ctx: Ctx, id: str, tags: list[str]) -> dict:
    return _retag(ctx, id, tags, add=True)


def m_tags_remove(ctx: Ctx, id: str, tags: list[str]) -> dict:
    return _retag(ctx, id, tags, add=False)


def _retag(ctx: Ctx, id: str, tags: list[str], *, add: bool) -> dict:
    record = _taggable(ctx, id)
    if record is None:
        return {"node": None, "userErrors": [_err(["id"], "Resource not found")]}
    if any(len(t) > 255 for t in tags):
        return {"node": None, "userErrors": [_err(["tags"], "Tags are too long (maximum is 255 characters)")]}
    wanted = [t.strip() for t in tags if t.strip()]
    current = record["tags"]
    if add:
        current.extend(t for t in wanted if t.lower() not in {c.lower() for c in current})
    else:
        record["tags"] = [c for c in current if c.lower() not in {t.lower() for t in wanted}]
    record["updated_at"] = now_iso()
    return {"node": q_node(ctx, id), "userErrors": []}


# --- flow ---------------------------------------------------------------------------------


def m_flow_trigger_receive(ctx: Ctx, handle: str | None = None, payload: Any = None,
                           body: str | None = None) -> dict:
    if not handle and not body:
        return {"userErrors": [_err(["handle"], "Either handle or body must be provided")]}
    size = len(json.dumps(payload if payload is not None else body))
    if size > 50_000:
        return {"userErrors": [_err(["payload"], "Payload exceeds the 50 KB limit")]}
    ctx.shop.flow_triggers.append({"handle": handle, "payload": payload, "body": body,
                                   "received_at": now_iso()})
    return {"userErrors": []}


# --- staged uploads & bulk operations -------------------------------------------------------


def m_staged_uploads_create(ctx: Ctx, input: list[dict]) -> dict:
    targets, errors = [], []
    for index, item in enumerate(input):
        if item["resource"] != "BULK_MUTATION_VARIABLES":
            errors.append(_err(["input", str(index), "resource"],
                               "The fake Admin API only stages BULK_MUTATION_VARIABLES uploads"))
            continue
        key = f"tmp/fake/{secrets.token_hex(8)}/{item['filename']}"
        ctx.shop.staged_uploads[key] = ""  # reserved; filled by the upload itself
        targets.append({
            "url": f"{ctx.base_url}/_fake/staged-uploads",
            "resourceUrl": None,
            "parameters": [
                {"name": "key", "value": key},
                {"name": "Content-Type", "value": item.get("mimeType") or "text/jsonl"},
                {"name": "success_action_status", "value": "201"},
                {"name": "acl", "value": "private"},
                {"name": "shop", "value": ctx.shop.domain},
            ],
        })
    return {"stagedTargets": targets if not errors else None, "userErrors": errors}


def m_bulk_operation_run_mutation(ctx: Ctx, mutation: str, stagedUploadPath: str,
                                  clientIdentifier: str | None = None, **_: Any) -> dict:
    problem = _bulk_mutation_problem(mutation)
    if problem:
        return {"bulkOperation": None, "userErrors": [_err(["mutation"], problem, "INVALID_MUTATION")]}
    if ctx.shop.staged_uploads.get(stagedUploadPath) in (None, ""):
        return {"bulkOperation": None, "userErrors": [
            _err(["stagedUploadPath"], "The staged upload file does not exist", "NO_SUCH_FILE")]}
    running = [b for b in ctx.shop.bulk_operations.values() if b["status"] in ("CREATED", "RUNNING")]
    if running:
        return {"bulkOperation": None, "userErrors": [
            _err(None, "A bulk mutation operation for this app and shop is already in progress",
                 "OPERATION_IN_PROGRESS")]}
    record = {"id": gid("BulkOperation", ctx.fake.next_id()), "type": "MUTATION", "status": "CREATED",
              "query": mutation, "createdAt": now_iso(), "completedAt": None, "url": None,
              "partialDataUrl": None, "errorCode": None, "objectCount": 0, "rootObjectCount": 0,
              "clientIdentifier": clientIdentifier, "results": []}
    ctx.shop.bulk_operations[record["id"]] = record
    answer = render.bulk_operation(record)  # Shopify answers CREATED; it runs afterwards
    _run_bulk(ctx, record, ctx.shop.staged_uploads[stagedUploadPath])
    return {"bulkOperation": answer, "userErrors": []}


def _bulk_mutation_problem(mutation: str) -> str | None:
    errors = admin_schema.validate_document(mutation)
    if errors:
        return "Invalid mutation: " + "; ".join(e["message"] for e in errors)
    operations = [d for d in parse(mutation).definitions if getattr(d, "operation", None)]
    if len(operations) != 1 or operations[0].operation.value != "mutation":
        return "Bulk mutations must contain exactly one mutation operation"
    if len(operations[0].selection_set.selections) != 1:
        return "Bulk mutations must call exactly one mutation field"
    return None


def _run_bulk(ctx: Ctx, record: dict, jsonl: str) -> None:
    record["status"] = "RUNNING"
    results = []
    for number, line in enumerate(filter(None, (raw.strip() for raw in jsonl.splitlines()))):
        variables = json.loads(line)
        errors = admin_schema.validate(record["query"], variables)
        outcome = {"errors": errors} if errors else execute(ctx, record["query"], variables, bulk=True)
        results.append({**outcome, "__lineNumber": number})
    record["results"] = results
    record["objectCount"] = record["rootObjectCount"] = len(results)
    record["status"] = "COMPLETED"
    record["completedAt"] = now_iso()
    record["url"] = f"{ctx.base_url}/_fake/bulk-results/{record['id'].rsplit('/', 1)[1]}.jsonl"
    record["fileSize"] = str(sum(len(json.dumps(r)) + 1 for r in results))


# --- wiring ------------------------------------------------------------------------------

QUERY_FIELDS: dict[str, Handler] = {
    "shop": q_shop, "currentAppInstallation": q_current_app_installation,
    "customer": q_customer, "customers": q_customers, "order": q_order,
    "orders": q_orders, "product": q_product, "collection": q_collection, "node": q_node,
    "nodes": q_nodes, "codeDiscountNode": q_code_discount_node,
    "codeDiscountNodeByCode": q_code_discount_node_by_code, "bulkOperation": q_bulk_operation,
    "products": q_products, "collections": q_collections, "productVariants": q_product_variants,
}
MUTATION_FIELDS: dict[str, Handler] = {
    "discountCodeBasicCreate": m_discount_code_basic_create,
    "discountCodeFreeShippingCreate": m_discount_code_free_shipping_create,
    "discountCodeDeactivate": m_discount_code_deactivate,
    "discountCodeDelete": m_discount_code_delete,
    "storeCreditAccountCredit": m_store_credit_account_credit,
    "customerEmailMarketingConsentUpdate": m_customer_email_marketing_consent_update,
    "metafieldsSet": m_metafields_set, "metafieldDefinitionCreate": m_metafield_definition_create,
    "tagsAdd": m_tags_add, "tagsRemove": m_tags_remove,
    "flowTriggerReceive": m_flow_trigger_receive,
    "stagedUploadsCreate": m_staged_uploads_create,
    "bulkOperationRunMutation": m_bulk_operation_run_mutation,
}


def _resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    _check_access(info)
    parent = info.parent_type.name
    if parent not in ("QueryRoot", "Mutation"):
        return default_field_resolver(source, info, **args)
    ctx: Ctx = info.context["ctx"]
    table = QUERY_FIELDS if parent == "QueryRoot" else MUTATION_FIELDS
    handler = table.get(info.field_name)
    if handler is None:
        raise GraphQLError(f"The fake Admin API does not implement {parent}.{info.field_name}")
    if parent == "Mutation" and not info.context.get("bulk"):
        refusal = ctx.fake.take_refusal({info.field_name, ctx.operation_name or ""})
        if refusal is not None:
            return {"userErrors": [{"field": None, "code": None, **e} for e in refusal]}
    return handler(ctx, **args)


def _check_access(info: GraphQLResolveInfo) -> None:
    """Shopify's ACCESS_DENIED for a field the token's scopes do not reach: the
    field's own `requiredAccess` note, its type's, or (for an object reached
    through an interface or union) its parent type's. A mutation so denied
    never runs; a field denied inside a mutation's payload is denied after it ran."""
    ctx: Ctx = info.context["ctx"]
    parent = info.parent_type.name
    returned = get_named_type(info.return_type).name
    for note in (admin_schema.field_access(parent, info.field_name, returned),
                 admin_schema.access_note(parent)):
        if note and not admin_schema.satisfies(ctx.scopes, admin_schema.parse_access(note)):
            denied = admin_schema.access_denied(info.field_name, note)
            raise GraphQLError(denied["message"], info.field_nodes, extensions=denied["extensions"])


def execute(ctx: Ctx, document: str, variables: dict[str, Any], *, bulk: bool = False) -> dict[str, Any]:
    """Run a validated document against the fake; ``{"data": ...}`` plus any ``errors``."""
    result = graphql_sync(
        admin_schema.get_schema(), document, variable_values=variables,
        context_value={"ctx": ctx, "bulk": bulk}, field_resolver=_resolve,
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_execution_error(e) for e in result.errors]
    return body


def _execution_error(error: GraphQLError) -> dict[str, Any]:
    out = error.formatted
    out.setdefault("extensions", {})
    out["extensions"].setdefault("code", "INTERNAL_SERVER_ERROR")
    return out
