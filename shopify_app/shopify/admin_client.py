"""The one client through which Perks sends Admin GraphQL documents.

It spends Shopify's calculated-query-cost budget carefully: it remembers the
last ``extensions.cost.throttleStatus`` and waits *before* a request whose
known cost would not fit in the bucket, backs off exactly as long as the
bucket needs after a ``THROTTLED`` answer, and retries transient failures
(5xx, 429, network) with capped exponential backoff.

Mutations are never blindly repeated. Each one Perks sends is declared in
``MUTATIONS``: repeatable (a repeat changes nothing, or the field carries
Shopify's ``@idempotent(key:)``), or not. A mutation that is not repeatable is
retried only after failures that prove Shopify never applied it (the
connection was never made, 429, THROTTLED); after a timeout, a dropped
connection or a 5xx it may have landed, and the client raises ``AnswerLost``
at once for the caller to settle by asking Shopify what happened.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import requests
import urllib3.exceptions
from graphql import FieldNode, OperationDefinitionNode, OperationType, VariableNode, parse

from shopify_app.shopify import documents
from shopify_app.shopify.errors import (
    AccessDenied,
    AdminApiError,
    AdminUnauthorized,
    AdminUnavailable,
    AnswerLost,
    UserErrors,
)
from shopify_app.shopify.version import API_VERSION

TokenSource = str | Callable[[], str]

# Every mutation Perks sends: may the client send it again when its answer was
# lost (True), or might a repeat do it twice or answer a false refusal (False)?
# None of them is among the 19 mutations the 2026-10 schema documents
# `@idempotent(key:)` on; a document that puts that directive on its field is
# repeatable whatever this table says (see `retry_policy`).
MUTATIONS: dict[str, tuple[bool, str]] = {
    "discountCodeBasicCreate": (False, "a landed create repeated answers 'code taken'; settled by codeDiscountNodeByCode"),
    "discountCodeFreeShippingCreate": (False, "as discountCodeBasicCreate"),
    "storeCreditAccountCredit": (False, "a repeat pays twice; settled by the account's transactions"),
    "discountCodeDelete": (False, "a landed delete repeated answers 'does not exist', a false refusal"),
    "bulkOperationRunMutation": (False, "a landed run repeated is refused while it runs, or applies the file twice"),
    "discountCodeDeactivate": (True, "sets a state: a repeat changes nothing"),
    "customerEmailMarketingConsentUpdate": (True, "sets a state: a repeat changes nothing"),
    "metafieldsSet": (True, "sets values (no compareDigest): a repeat changes nothing"),
    "metafieldDefinitionCreate": (True, "a repeat answers TAKEN, which its caller takes as done"),
    "tagsAdd": (True, "a set: adding a tag twice changes nothing"),
    "tagsRemove": (True, "a set: removing a tag twice changes nothing"),
    "stagedUploadsCreate": (True, "makes an upload target; an unused one is never read"),
    "flowTriggerReceive": (True, "a repeat may start the merchant's workflow twice; the notifier would "
                                 "otherwise send the whole batch again, which repeats more"),
}


@dataclass(frozen=True)
class RetryPolicy:
    repeatable: bool
    idempotency_key: str | None = None  # the variable an @idempotent(key: $var) directive reads


def retry_policy(document: str) -> RetryPolicy:
    """Whether the client may send ``document`` again after a failure that may have applied it:
    a query always; a mutation when every root field is declared repeatable in ``MUTATIONS`` or
    carries ``@idempotent(key: $var)`` (the client then keeps one key across its attempts).
    A mutation not in the table is not repeatable."""
    return _policy(document)


@lru_cache(maxsize=256)
def _policy(document: str) -> RetryPolicy:
    operation = next(d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode))
    if operation.operation != OperationType.MUTATION:
        return RetryPolicy(True)
    repeatable, key = True, None
    for field in operation.selection_set.selections:
        if not isinstance(field, FieldNode):
            return RetryPolicy(False)
        directive = next((d for d in field.directives or () if d.name.value == "idempotent"), None)
        argument = next((a.value for a in directive.arguments or () if a.name.value == "key"), None) if directive else None
        if isinstance(argument, VariableNode):
            key = argument.name.value
        repeatable = repeatable and (directive is not None or MUTATIONS.get(field.name.value, (False, ""))[0])
    return RetryPolicy(repeatable, key)


def graphql_url(shop_domain: str, base_url: str | None = None) -> str:
    base = (base_url or f"https://{shop_domain}").rstrip("/")
    return f"{base}/admin/api/{API_VERSION}/graphql.json"


@dataclass
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float
    observed_at: float  # clock() reading when Shopify reported it

    def available_at(self, now: float) -> float:
        restored = (now - self.observed_at) * self.restore_rate
        return min(self.maximum_available, self.currently_available + restored)

    def seconds_until(self, cost: float, now: float) -> float:
        missing = cost - self.available_at(now)
        return max(0.0, missing / self.restore_rate) if self.restore_rate > 0 else 0.0


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttle_waits: int = 0  # waits before sending, from our own bookkeeping
    throttled_responses: int = 0  # times Shopify still answered THROTTLED
    waited_seconds: float = 0.0


class _Retry(Exception):
    """Internal: a transient failure worth another attempt."""

    def __init__(self, reason: str, delay: float | None = None, status: int | None = None,
                 *, maybe_applied: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.status = status
        self.maybe_applied = maybe_applied  # False only when Shopify certainly did not run it


class AdminClient:
    """Sends Admin GraphQL documents for one shop.

    ``access_token`` may be a callable so an expiring offline token can be
    refreshed by its owner between calls; it is called for every request.
    """

    def __init__(
        self,
        shop_domain: str,
        access_token: TokenSource,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        max_retries: int = 5,
        max_throttle_retries: int = 30,
        backoff_base: float = 0.5,
        backoff_cap: float = 20.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shop_domain = shop_domain
        self.url = graphql_url(shop_domain, base_url)
        self._token = access_token
        self._session = session or requests.Session()
        self.max_retries = max_retries
        self.max_throttle_retries = max_throttle_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._throttle: ThrottleStatus | None = None
        self._costs: dict[str, float] = {}  # document -> last requestedQueryCost
        self.stats = ClientStats()
        self.last_cost: dict[str, Any] | None = None

    # --- public ---------------------------------------------------------------

    def execute(self, name_or_document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a document (by name from ``graphql/`` or as text); return ``data``.

        Raises UserErrors when a mutation payload has userErrors, AccessDenied
        when the app's scopes do not reach a selected field, AdminApiError for
        other GraphQL errors, AdminUnavailable when transient failures persist.
        """
        document = _resolve(name_or_document)
        policy = retry_policy(document)
        variables = dict(variables or {})
        if policy.idempotency_key and not variables.get(policy.idempotency_key):
            variables[policy.idempotency_key] = str(uuid.uuid4())  # one key for every attempt of this call
        body = self._send_with_retries(document, variables, policy.repeatable)
        data = body.get("data") or {}
        _raise_user_errors(data)
        return data

    @property
    def throttle_status(self) -> ThrottleStatus | None:
        return self._throttle

    # --- sending ----------------------------------------------------------------

    def _send_with_retries(self, document: str, variables: dict[str, Any], repeatable: bool = True) -> dict[str, Any]:
        failures = throttles = 0
        refreshed_token = False
        while True:
            self._wait_for_budget(document)
            try:
                return self._send_once(document, variables)
            except AdminUnauthorized:
                # A callable token source may hand out a fresh token after expiry.
                if refreshed_token or not callable(self._token):
                    raise
                refreshed_token = True
            except _Throttled as throttled:
                throttles += 1
                self.stats.throttled_responses += 1
                if throttles > self.max_throttle_retries:
                    raise AdminUnavailable("still throttled after retries", throttled.errors) from None
                self._pause(throttled.delay)
            except _Retry as retry:
                if retry.maybe_applied and not repeatable:
                    raise AnswerLost(f"answer lost, the mutation may have run: {retry}", status=retry.status) from None
                failures += 1
                if failures > self.max_retries:
                    raise AdminUnavailable(
                        f"Admin API unavailable after {failures} attempts: {retry}", status=retry.status
                    ) from None
                self.stats.retries += 1
                self._pause(retry.delay if retry.delay is not None else self._backoff(failures))

    def _send_once(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        headers = {
            "X-Shopify-Access-Token": self._current_token(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self.stats.requests += 1
        try:
            response = self._session.post(
                self.url, json={"query": document, "variables": variables},
                headers=headers, timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise _Retry(f"network error: {exc.__class__.__name__}: {exc}", maybe_applied=not _never_sent(exc)) from exc
        return self._interpret(document, response)

    def _interpret(self, document: str, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        if status == 401:
            raise AdminUnauthorized("access token rejected (401)", status=401)
        if status == 429 or status >= 500:  # a 429 ran nothing; a 5xx may come after the work was done
            raise _Retry(f"HTTP {status}", _retry_after(response), status, maybe_applied=status != 429)
        if status >= 400:
            raise AdminApiError(f"HTTP {status}: {response.text[:200]}", status=status)
        try:
            body = response.json()
        except ValueError as exc:
            raise _Retry(f"unparseable response (HTTP {status})", status=status) from exc
        self._record_cost(document, body.get("extensions", {}).get("cost"))
        errors = body.get("errors")
        if errors:
            if _is_throttled(errors):
                raise _Throttled(errors, self._throttle_delay(document))
            if _has_code(errors, "ACCESS_DENIED"):
                raise AccessDenied(f"missing access scope: {_summarise(errors)}", errors=errors,
                                   status=status, data=body.get("data"))
            raise AdminApiError(_summarise(errors), errors=errors, status=status, data=body.get("data"))
        return body

    def _current_token(self) -> str:
        return self._token() if callable(self._token) else self._token

    # --- cost budget ------------------------------------------------------------

    def _record_cost(self, document: str, cost: dict[str, Any] | None) -> None:
        if not cost:
            return
        self.last_cost = cost
        status = cost.get("throttleStatus") or {}
        with self._lock:
            if cost.get("requestedQueryCost") is not None:
                self._costs[document] = float(cost["requestedQueryCost"])
            if status:
                self._throttle = ThrottleStatus(
                    maximum_available=float(status["maximumAvailable"]),
                    currently_available=float(status["currentlyAvailable"]),
                    restore_rate=float(status["restoreRate"]),
                    observed_at=self._clock(),
                )

    def _wait_for_budget(self, document: str) -> None:
        with self._lock:
            cost = self._costs.get(document)
            bucket = self._throttle
            if cost is None or bucket is None:
                return  # nothing known yet; Shopify's answer will teach us
            now = self._clock()
            delay = bucket.seconds_until(cost, now)
            # Reserve the points now so concurrent callers queue up behind us.
            bucket.currently_available = bucket.available_at(now) - cost
            bucket.observed_at = now
        if delay > 0:
            self.stats.throttle_waits += 1
            self._pause(delay)

    def _throttle_delay(self, document: str) -> float:
        bucket, cost = self._throttle, self._costs.get(document)
        if bucket is None or cost is None:
            return self._backoff(1)
        # Small margin: the bucket restores continuously, our clock is not Shopify's.
        return bucket.seconds_until(cost, self._clock()) + 0.01

    # --- helpers ------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return delay + random.uniform(0, delay / 10)

    def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self.stats.waited_seconds += seconds
        self._sleep(seconds)


class _Throttled(Exception):
    def __init__(self, errors: list[dict[str, Any]], delay: float) -> None:
        super().__init__("THROTTLED")
        self.errors = errors
        self.delay = delay


def _resolve(name_or_document: str) -> str:
    # A bare identifier is a stored document's name; anything else is GraphQL text.
    if name_or_document.isidentifier():
        return documents.load(name_or_document)
    return name_or_document


_NOT_CONNECTED = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
                  urllib3.exceptions.NameResolutionError)


def _never_sent(exc: requests.RequestException) -> bool:
    """The request never reached Shopify: no connection was made (refused, DNS, connect timeout).
    A read timeout or a connection dropped mid-answer may follow a mutation that ran."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError carries the cause
    return isinstance(reason, _NOT_CONNECTED)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _is_throttled(errors: list[dict[str, Any]]) -> bool:
    return _has_code(errors, "THROTTLED")


def _has_code(errors: list[dict[str, Any]], code: str) -> bool:
    return any((e.get("extensions") or {}).get("code") == code for e in errors)


def _summarise(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message")) for e in errors[:5])


def _raise_user_errors(data: dict[str, Any]) -> None:
    for field, payload in data.items():
        if isinstance(payload, dict) and payload.get("userErrors"):
            raise UserErrors(payload["userErrors"], mutation=field)
