"""In-memory state of the fake Admin API, plus the switches tests flip.

Records are plain JSON-able dicts (money as Decimal strings, times as ISO-8601
strings) so ``GET /_fake/state`` can dump them as they are.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shopify_app.shopify.app_config import access_scopes

DEFAULT_SHOP = "perks-demo.myshopify.com"
STANDARD_BUCKET = 2000.0
STANDARD_RESTORE = 100.0  # points/second: Shopify's standard plan
SINGLE_QUERY_MAX_COST = 1000


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def gid(kind: str, value: Any) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def gid_kind(value: str) -> str | None:
    parts = str(value).split("/")
    return parts[3] if len(parts) >= 5 and value.startswith("gid://shopify/") else None


def money(value: Any) -> str:
    """Shopify's Decimal rendering: "5.0", "12.5", "12.34"."""
    d = Decimal(str(value)).normalize()
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1))}.0"
    return format(d, "f")


@dataclass
class Bucket:
    """Shopify's leaky bucket of query-cost points, per shop and app."""

    maximum: float = STANDARD_BUCKET
    restore_rate: float = STANDARD_RESTORE
    available: float = STANDARD_BUCKET
    at: float = field(default_factory=time.monotonic)

    def level(self) -> float:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now
        return self.available

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": float(self.maximum),
            "currentlyAvailable": float(int(self.level())),
            "restoreRate": float(self.restore_rate),
        }


@dataclass
class ShopState:
    domain: str
    name: str = "Perks Demo"
    email: str = "owner@example.com"
    currency: str = "USD"
    timezone: str = "America/New_York"
    customers: dict[str, dict] = field(default_factory=dict)
    orders: dict[str, dict] = field(default_factory=dict)
    products: dict[str, dict] = field(default_factory=dict)
    collections: dict[str, dict] = field(default_factory=dict)
    discounts: dict[str, dict] = field(default_factory=dict)
    store_credit_accounts: dict[str, dict] = field(default_factory=dict)
    metafield_definitions: dict[str, dict] = field(default_factory=dict)  # "OWNER.namespace.key" -> record
    # The app's installation on this shop (currentAppInstallation): the owner of app-data metafields,
    # which only this app may write and Liquid reads as app.metafields.
    app_installation: dict = field(default_factory=dict)
    flow_triggers: list[dict] = field(default_factory=list)
    bulk_operations: dict[str, dict] = field(default_factory=dict)
    staged_uploads: dict[str, str] = field(default_factory=dict)
    bucket: Bucket = field(default_factory=Bucket)

    def dump(self) -> dict[str, Any]:
        return {
            "domain": self.domain, "name": self.name, "currency": self.currency,
            "customers": list(self.customers.values()),
            "orders": list(self.orders.values()),
            "products": list(self.products.values()),
            "collections": list(self.collections.values()),
            "discounts": list(self.discounts.values()),
            "store_credit_accounts": list(self.store_credit_accounts.values()),
            "metafield_definitions": list(self.metafield_definitions.values()),
            "app_installation": self.app_installation,
            "flow_triggers": self.flow_triggers,
            "bulk_operations": list(self.bulk_operations.values()),
            "throttle": self.bucket.status(),
        }


@dataclass
class Refusal:
    mutation: str
    remaining: int
    user_errors: list[dict]


LOSS_KINDS = ("drop", "late", "500")


@dataclass
class LostAnswer:
    """How the answer to a mutation that ran goes missing: ``drop`` closes the connection
    after applying it, ``late`` applies it after ``delay`` seconds (longer than the
    client waits) and answers then, ``500`` applies it and answers HTTP 500."""

    mutation: str
    remaining: int
    how: str
    delay: float = 1.0


@dataclass
class Controls:
    refusals: list[Refusal] = field(default_factory=list)
    lost_answers: list[LostAnswer] = field(default_factory=list)
    fail_remaining: int = 0
    fail_status: int = 503
    latency: float = 0.0


class FakeState:
    """Everything the fake remembers; thread-safe through one re-entrant lock.

    ``auto_create_customers``: Perks learns customers from webhooks the fake
    never saw, so by default an unknown ``gid://shopify/Customer/N`` referenced
    by a mutation gets a stub record; set False to get Shopify's userErrors.

    ``scopes``: what the merchant granted at install, by default exactly what
    ``shopify.app.toml`` asks for; every token carries them and every document
    is checked against them (the schema's ``requiredAccess`` notes).
    """

    def __init__(self, *, auto_create_customers: bool = True, token_ttl: int = 3600,
                 refresh_token_ttl: int = 90 * 24 * 3600, scopes: list[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.scopes = ",".join(access_scopes() if scopes is None else scopes)
        self.auto_create_customers = auto_create_customers
        self.token_ttl = token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.shops: dict[str, ShopState] = {}
        self.access_tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.exchange_count: dict[str, int] = {}
        self.refresh_count: dict[str, int] = {}
        self.controls = Controls()
        self.requests: deque[dict] = deque(maxlen=500)  # recent GraphQL calls, newest last
        self._default_bucket = (STANDARD_BUCKET, STANDARD_RESTORE)
        self._ids = 1000

    # --- ids & shops ---------------------------------------------------------

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def shop(self, domain: str = DEFAULT_SHOP) -> ShopState:
        with self.lock:
            if domain not in self.shops:
                maximum, rate = self._default_bucket
                self._ids += 1
                installation = {"id": gid("AppInstallation", self._ids), "metafields": {}}
                self.shops[domain] = ShopState(
                    domain=domain, app_installation=installation,
                    bucket=Bucket(maximum=maximum, restore_rate=rate, available=maximum))
            return self.shops[domain]

    # --- tokens --------------------------------------------------------------

    def mint_token(self, shop: str, expires_in: int | None = None, scope: str | None = None) -> str:
        """Issue an access token directly (tests that do not care about OAuth);
        it carries ``scope`` (comma separated), by default the granted ``scopes``."""
        token = "shpat_fake_" + secrets.token_hex(16)
        ttl = self.token_ttl if expires_in is None else expires_in
        with self.lock:
            self.shop(shop)
            self.access_tokens[token] = {"shop": shop, "expires_at": time.time() + ttl,
                                         "scope": self.scopes if scope is None else scope}
        return token

    def mint_refresh_token(self, shop: str) -> str:
        token = "shprt_fake_" + secrets.token_hex(16)
        with self.lock:
            self.refresh_tokens[token] = {"shop": shop,
                                          "expires_at": time.time() + self.refresh_token_ttl}
        return token

    def shop_for_token(self, token: str | None) -> str | None:
        record = self.token_record(token)
        return record["shop"] if record else None

    def token_record(self, token: str | None) -> dict | None:
        """The live token's shop and scope; None if unknown or expired."""
        with self.lock:
            record = self.access_tokens.get(token or "")
            if not record or record["expires_at"] <= time.time():
                return None
            return dict(record)

    def expire_access_tokens(self, shop: str | None = None) -> int:
        """Make every (or one shop's) access token expired; returns how many."""
        with self.lock:
            hit = [r for r in self.access_tokens.values() if shop in (None, r["shop"])]
            for record in hit:
                record["expires_at"] = time.time() - 1
            return len(hit)

    # --- behaviour switches ----------------------------------------------------

    def refuse_next(self, mutation: str, times: int = 1,
                    user_errors: list[dict] | None = None) -> None:
        """The next ``times`` calls of ``mutation`` (root field or operation name)
        answer these userErrors instead of doing anything."""
        errors = user_errors or [{"field": None, "message": f"{mutation} refused by the fake"}]
        with self.lock:
            self.controls.refusals.append(Refusal(mutation, times, errors))

    def take_refusal(self, names: set[str]) -> list[dict] | None:
        with self.lock:
            for refusal in self.controls.refusals:
                if refusal.mutation in names and refusal.remaining > 0:
                    refusal.remaining -= 1
                    return refusal.user_errors
        return None

    def lose_answer_next(self, mutation: str, times: int = 1, how: str = "drop", delay: float = 1.0) -> None:
        """The next ``times`` calls of ``mutation`` (root field or operation name) are applied,
        and then their answer is lost as ``how`` says (see LostAnswer)."""
        if how not in LOSS_KINDS:
            raise ValueError(f"how must be one of {LOSS_KINDS}, not {how!r}")
        with self.lock:
            self.controls.lost_answers.append(LostAnswer(mutation, times, how, delay))

    def take_lost_answer(self, names: set[str]) -> LostAnswer | None:
        with self.lock:
            for lost in self.controls.lost_answers:
                if lost.mutation in names and lost.remaining > 0:
                    lost.remaining -= 1
                    return lost
        return None

    def fail_next(self, times: int, status: int = 503) -> None:
        """Answer HTTP ``status`` to the next ``times`` GraphQL requests."""
        with self.lock:
            self.controls.fail_remaining, self.controls.fail_status = times, status

    def take_failure(self) -> int | None:
        with self.lock:
            if self.controls.fail_remaining > 0:
                self.controls.fail_remaining -= 1
                return self.controls.fail_status
        return None

    def set_throttle(self, maximum: float = STANDARD_BUCKET, restore_rate: float = STANDARD_RESTORE,
                     shop: str | None = None) -> None:
        """Shrink (or restore) the cost bucket of one shop or of every shop."""
        with self.lock:
            if not shop:
                self._default_bucket = (maximum, restore_rate)
            for state in [self.shop(shop)] if shop else list(self.shops.values()):
                state.bucket = Bucket(maximum=maximum, restore_rate=restore_rate, available=maximum)

    def set_latency(self, seconds: float) -> None:
        with self.lock:
            self.controls.latency = seconds

    def reset_controls(self) -> None:
        with self.lock:
            self.controls = Controls()
            self._default_bucket = (STANDARD_BUCKET, STANDARD_RESTORE)
            for state in self.shops.values():
                state.bucket = Bucket()

    def apply_control(self, body: dict[str, Any]) -> None:
        """The JSON form of the switches, for a fake running in another process."""
        if body.get("reset"):
            self.reset_controls()
        if "refuse" in body:
            for spec in _as_list(body["refuse"]):
                self.refuse_next(spec["mutation"], int(spec.get("times", 1)), spec.get("userErrors"))
        if "lose_answer" in body:
            for spec in _as_list(body["lose_answer"]):
                self.lose_answer_next(spec["mutation"], int(spec.get("times", 1)), spec.get("how", "drop"),
                                      float(spec.get("delay", 1.0)))
        if "fail" in body:
            self.fail_next(int(body["fail"].get("times", 1)), int(body["fail"].get("status", 503)))
        if "throttle" in body:
            spec = body["throttle"]
            self.set_throttle(float(spec.get("maximumAvailable", STANDARD_BUCKET)),
                              float(spec.get("restoreRate", STANDARD_RESTORE)), spec.get("shop"))
        if "latency" in body:
            self.set_latency(float(body["latency"]))
        if "token_ttl" in body:
            self.token_ttl = int(body["token_ttl"])
        if "expire_tokens" in body:
            spec = body["expire_tokens"]
            self.expire_access_tokens(spec.get("shop") if isinstance(spec, dict) else None)
        if "auto_create_customers" in body:
            self.auto_create_customers = bool(body["auto_create_customers"])

    # --- seeding ----------------------------------------------------------------

    def add_customer(self, shop: str = DEFAULT_SHOP, **spec: Any) -> dict:
        with self.lock:
            record = _customer_record(spec, self.next_id())
            self.shop(shop).customers[record["id"]] = record
            return record

    def ensure_customer(self, shop: str, customer_id: str) -> dict | None:
        """The customer, or a stub if auto_create_customers (else None)."""
        with self.lock:
            state = self.shop(shop)
            if customer_id in state.customers:
                return state.customers[customer_id]
            if not self.auto_create_customers or gid_kind(customer_id) != "Customer":
                return None
            return self.add_customer(shop, id=customer_id)

    def add_product(self, shop: str = DEFAULT_SHOP, **spec: Any) -> dict:
        with self.lock:
            state = self.shop(shop)
            product_id = gid("Product", spec.get("id") or self.next_id())
            collection_ids = []
            for col in spec.get("collections", []):
                col = col if isinstance(col, dict) else {"id": col}
                cid = gid("Collection", col.get("id") or self.next_id())
                state.collections.setdefault(cid, {
                    "id": cid, "handle": col.get("handle") or f"collection-{cid.rsplit('/', 1)[1]}",
                    "title": col.get("title") or "Collection"})
                collection_ids.append(cid)
            record = {
                "id": product_id, "title": spec.get("title", "Product"),
                "tags": list(spec.get("tags", [])),
                "variant_ids": [gid("ProductVariant", _variant_id(v)) for v in spec.get("variants", [])],
                # A variant given as {"id", "title"} keeps its title; a bare id is Shopify's only variant.
                "variant_titles": {gid("ProductVariant", _variant_id(v)): v.get("title", "Default Title") if isinstance(v, dict)
                                   else "Default Title" for v in spec.get("variants", [])},
                "collection_ids": collection_ids, "metafields": {},
            }
            state.products[product_id] = record
            return record

    def add_order(self, shop: str = DEFAULT_SHOP, **spec: Any) -> dict:
        with self.lock:
            state = self.shop(shop)
            record = _order_record(spec, self, state)
            state.orders[record["id"]] = record
            if record["customer_id"]:
                self.ensure_customer(shop, record["customer_id"])
            return record

    def add_refund(self, shop: str, order_id: Any, **spec: Any) -> dict:
        with self.lock:
            order = self.shop(shop).orders[gid("Order", order_id)]
            refund = _refund_record(spec, self)
            order["refunds"].append(refund)
            refunded = sum(Decimal(r["total"]) for r in order["refunds"])
            order["financial_status"] = (
                "REFUNDED" if refunded >= Decimal(order["total"]) else "PARTIALLY_REFUNDED")
            order["updated_at"] = refund["created_at"]
            return refund

    def dump(self, shop: str | None = None) -> dict[str, Any]:
        with self.lock:
            shops = {d: s.dump() for d, s in self.shops.items() if shop in (None, d)}
            return {
                "shops": shops,
                "exchange_count": dict(self.exchange_count),
                "refresh_count": dict(self.refresh_count),
                "controls": {"fail_remaining": self.controls.fail_remaining,
                             "latency": self.controls.latency,
                             "refusals": [vars(r) for r in self.controls.refusals],
                             "lost_answers": [vars(lost) for lost in self.controls.lost_answers]},
            }


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _customer_record(spec: dict[str, Any], next_id: int) -> dict:
    stamp = now_iso()
    return {
        "id": gid("Customer", spec.get("id") or next_id),
        "first_name": spec.get("first_name"), "last_name": spec.get("last_name"),
        "email": spec.get("email"), "tags": list(spec.get("tags", [])), "locale": spec.get("locale", "en"),
        # What customerEmailMarketingConsentUpdate changes (Shopify's CustomerEmailMarketingState).
        "email_marketing": {"state": spec.get("email_marketing_state", "NOT_SUBSCRIBED"),
                            "opt_in_level": spec.get("email_marketing_opt_in_level"), "updated_at": None},
        "metafields": {}, "number_of_orders": int(spec.get("number_of_orders", 0)),
        "amount_spent": money(spec.get("amount_spent", "0")),
        "created_at": spec.get("created_at", stamp), "updated_at": spec.get("updated_at", stamp),
    }


def _order_record(spec: dict[str, Any], fake: FakeState, state: ShopState) -> dict:
    number = fake.next_id()
    stamp = now_iso()
    lines = [_line_record(line, fake) for line in spec.get("line_items", [])]
    line_total = sum((Decimal(li["price"]) * li["quantity"] - Decimal(li["discount"]) for li in lines),
                     Decimal(0))
    subtotal = Decimal(str(spec.get("subtotal", line_total)))
    shipping = Decimal(str(spec.get("shipping", 0)))
    tax = Decimal(str(spec.get("tax", 0)))
    customer = spec.get("customer_id")
    record = {
        "id": gid("Order", spec.get("id") or number),
        "name": spec.get("name", f"#{number}"), "email": spec.get("email"),
        "customer_id": gid("Customer", customer) if customer else None,
        "financial_status": spec.get("financial_status", "PAID").upper(),
        "currency": spec.get("currency", state.currency),
        "subtotal": money(subtotal), "shipping": money(shipping), "tax": money(tax),
        "total": money(spec.get("total", subtotal + shipping + tax)),
        "total_discounts": money(spec.get("total_discounts",
                                          sum((Decimal(li["discount"]) for li in lines), Decimal(0)))),
        "discount_codes": list(spec.get("discount_codes", [])),
        "line_items": lines, "refunds": [],
        "tags": list(spec.get("tags", [])), "test": bool(spec.get("test", False)),
        "created_at": spec.get("created_at", stamp), "updated_at": spec.get("updated_at", stamp),
        "processed_at": spec.get("processed_at", spec.get("created_at", stamp)),
        "cancelled_at": spec.get("cancelled_at"), "metafields": {},
        "taxes_included": bool(spec.get("taxes_included", False)),
    }
    for refund in spec.get("refunds", []):
        record["refunds"].append(_refund_record(refund, fake))
    return record


def _line_record(spec: dict[str, Any], fake: FakeState) -> dict:
    return {
        "id": gid("LineItem", spec.get("id") or fake.next_id()),
        "title": spec.get("title", "Item"), "sku": spec.get("sku"),
        "quantity": int(spec.get("quantity", 1)),
        "product_id": gid("Product", spec["product_id"]) if spec.get("product_id") else None,
        "variant_id": gid("ProductVariant", spec["variant_id"]) if spec.get("variant_id") else None,
        "price": money(spec.get("price", "0")),
        "discount": money(spec.get("discount", "0")),
        "discount_code": spec.get("discount_code"),
        "tax": money(spec["tax"]) if spec.get("tax") else None,
        "gift_card": bool(spec.get("gift_card", False)),
    }


def _refund_record(spec: dict[str, Any], fake: FakeState) -> dict:
    lines = [{"line_item_id": gid("LineItem", li["line_item_id"]), "quantity": int(li.get("quantity", 1)),
              "subtotal": money(li.get("subtotal", "0")), "tax": money(li.get("tax", "0"))}
             for li in spec.get("line_items", [])]
    # Shipping given back: one refund shipping line per shipping line refunded, its tax apart.
    shipping = [{"id": gid("RefundShippingLine", fake.next_id()), "subtotal": money(sl.get("subtotal", "0")),
                 "tax": money(sl.get("tax", "0"))} for sl in spec.get("shipping_lines", [])]
    total = spec.get("total", sum((Decimal(x["subtotal"]) + Decimal(x["tax"]) for x in lines + shipping), Decimal(0)))
    return {"id": gid("Refund", spec.get("id") or fake.next_id()), "created_at": spec.get("created_at", now_iso()),
            "total": money(total), "line_items": lines, "shipping_lines": shipping}


def _variant_id(variant: Any) -> Any:
    return variant["id"] if isinstance(variant, dict) else variant
