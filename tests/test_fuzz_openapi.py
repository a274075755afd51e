"""Both OpenAPI documents fuzzed with schemathesis (issue 18): every operation, as whoever may call it.

The documents are read from the app as it is when the test runs (`/api/openapi.json`
and `/proxy/openapi.json`), so an endpoint added or changed is fuzzed without
touching this file. Each operation gets valid and invalid cases, sent as the caller
its security scheme names: the shop's merchant (a session token), a logged-in
shopper (Shopify's app-proxy signature over the whole query, or a UI extension
surface's session token; POS a staff member's), a key holder (a
per-shop API key made in the admin) or Shopify Flow (an HMAC of the exact body).
Every answer must be below 500 and conform to the document, 4xx bodies included;
a refused request must leave the shop's rows and the members' balances as they were.
"""

from __future__ import annotations

import json
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, response_schema_conformance, status_code_conformance
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi import from_dict
from schemathesis.transport.wsgi import WSGI_TRANSPORT
from sqlalchemy import text
from werkzeug.test import EnvironBuilder

from shopify_app import create_app
from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn import actions
from shopify_app.earn.models import Promotion
from shopify_app.rewards.models import Reward
from shopify_app.shop import rate_limits
from shopify_app.shop.app_proxy import signature as proxy_signature
from shopify_app.shop.shops import installed_shop, program_of
from shopify_app.tiers.models import Tier
from tests.admin_support import add_member
from tests.fixtures.app_proxy import signed_query
from tests.fixtures.surface_tokens import customer_token, pos_token
from webhooks.signature import sign

ADA, GRACE = 7018800000001, 7018800000002
# Per operation and generation mode; about 1,500 cases over both documents in under three minutes.
EXAMPLES = 12
PROXY_PARAMETERS = ("shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature")
# Scopes a key may hold (tests/test_api_keys.py): the key holder may call every action the API has.
KEY_SCOPES = ["actions:review", "actions:custom", "birthday"]
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Shop:
    """The fuzzed shop, installed through the fake Admin API, with something in every list."""

    app: object
    domain: str
    id: int
    secret: str
    audience: str
    key: str | None = None


@pytest.fixture
def fuzzed(fake_admin, sessions, monkeypatch) -> Shop:
    app = create_app(
        Settings(
            shopify_api_key=fake_admin.client_id,
            shopify_api_secret=fake_admin.client_secret,
            shopify_admin_url=f"{fake_admin.url}/shops/{{shop}}",
            # A queue of its own no worker drains: no job from an accepted case changes the shop
            # while a later, refused case is being compared before and after.
            queue_name=f"fuzz-{uuid.uuid4().hex[:8]}",
        )
    )
    # A crash is raised to the test with its traceback rather than answered as an anonymous 500.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    # The limits have their own tests (test_rate_limits.py); here a 429 would only hide what the endpoint does.
    monkeypatch.setattr(rate_limits.limiter, "enabled", False)
    domain = f"f{uuid.uuid4().hex[:12]}.myshopify.com"
    installed = app.test_client().get("/", query_string={"shop": domain, "id_token": fake_admin.session_token(domain)})
    assert installed.status_code == 200, installed.get_data(as_text=True)
    add_member(sessions, domain, ADA, email="ada@example.com", first="Ada", points=500)
    add_member(sessions, domain, GRACE, email="grace@example.com", first="Grace", points=40)
    with UnitOfWork(sessions) as uow:
        shop = installed_shop(uow.session, domain)
        program_of(uow.session, shop).enabled = True
        actions.set_rule(uow.session, shop, "review", points=50, limit_count=10, limit_period="day")
        uow.session.add(Reward(shop_id=shop.id, title="$5 off", kind="fixed_amount", points_cost=100, value=Decimal(5)))
        uow.session.add(Tier(shop_id=shop.id, name="Gold", threshold=Decimal(1000), multiplier=Decimal("1.5")))
        uow.session.add(
            Promotion(
                shop_id=shop.id,
                name="Double weekend",
                multiplier=Decimal(2),
                starts_local=datetime(2026, 1, 1),
                ends_local=datetime(2027, 1, 1),
            )
        )
        shop_id = shop.id
        uow.commit()
    return Shop(app, domain, shop_id, fake_admin.client_secret, fake_admin.client_id)


def _api_key(shop: Shop, fake_admin) -> str:
    """A fresh key the merchant makes in the admin, the earlier ones revoked (a shop has at most 20 live keys)."""
    admin = shop.app.test_client()
    headers = {"Authorization": f"Bearer {fake_admin.session_token(shop.domain)}"}
    for key in admin.get("/api/api-keys", headers=headers).get_json()["keys"]:
        if key["revoked_at"] is None:
            assert admin.delete(f"/api/api-keys/{key['id']}", headers=headers).status_code == 200
    made = admin.post("/api/api-keys", json={"name": f"Fuzz {uuid.uuid4().hex[:8]}", "scopes": KEY_SCOPES}, headers=headers)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["key"]


# ---------------------------------------------------------------------------
# What a refused request must not change


def state(sessions, shop_id: int) -> dict[str, object]:
    """Every table's rows for the shop (count and a digest of their contents), and the members' total balance."""
    with sessions() as session:
        tables = session.execute(
            text(
                "SELECT table_name, bool_or(column_name = 'shop_id') FROM information_schema.columns "
                "WHERE table_schema = current_schema() GROUP BY table_name ORDER BY table_name"
            )
        ).all()
        parts = []
        for table, per_shop in tables:
            if table in UNCHANGED_EXCEPT:
                continue
            where = "shop_id = :shop" if per_shop else ("id = :shop" if table == "shops" else "true")
            parts.append(
                f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t WHERE {where}"
            )
        rows = session.execute(text(" UNION ALL ".join(parts)), {"shop": shop_id}).all()
        balance = session.scalar(text("SELECT coalesce(sum(points_balance), 0) FROM members WHERE shop_id = :shop"), {"shop": shop_id})
    return {table: (count, digest) for table, count, digest in rows} | {"members' balance": int(balance)}


# Tables a refused request may legitimately write to, each for a reason:
UNCHANGED_EXCEPT = {
    # Alembic's own bookkeeping, never touched by a request.
    "alembic_version",
    # Every call made with a key is logged with the key's name and notes its last use, refused or not:
    # the log is of who called, not of what was done (issue 18, "each use logged with the key's name").
    "api_key_uses",
    "api_keys",
}


# ---------------------------------------------------------------------------
# Who calls each operation


def scheme_of(document: dict, path: str, operation: dict) -> str | None:
    """The security scheme the operation names; a document without `security` falls back on where the path lives."""
    if "security" in operation or "security" in document:
        requirements = operation.get("security", document.get("security")) or [{}]
        return next(iter(requirements[0]), None)
    if path.startswith("/proxy/"):
        return "appProxySignature"
    if path.startswith("/flow/"):
        return "flowHmac"
    if path in ("/api/actions", "/api/birthday"):
        return "apiKey"
    return "sessionToken" if path.startswith("/api/") else None


def as_caller(shop: Shop, scheme: str | None, request: dict, fake_admin) -> dict:
    """The serialized request, authenticated as the scheme's caller."""
    headers = {name: value for name, value in request["headers"].items() if name.lower() != "authorization"}
    body = request.pop("json", None)
    if body is not None or "data" in request:
        # The exact bytes sent, so that an HMAC over them is the HMAC of what the app reads.
        raw = json.dumps(body).encode() if body is not None else request.pop("data")
        request["data"] = raw.encode() if isinstance(raw, str) else raw
    if scheme == "sessionToken":
        headers["Authorization"] = f"Bearer {fake_admin.session_token(shop.domain)}"
    elif scheme in ("customerAccountSessionToken", "checkoutSessionToken"):
        headers["Authorization"] = f"Bearer {customer_token(shop.domain, shop.audience, shop.secret, ADA)}"
    elif scheme == "posSessionToken":
        headers["Authorization"] = f"Bearer {pos_token(shop.domain, shop.audience, shop.secret)}"
    elif scheme == "apiKey" and shop.key is not None:
        headers["Authorization"] = f"Bearer {shop.key}"
    elif scheme == "flowHmac":
        headers["X-Shopify-Hmac-Sha256"] = sign(request.get("data", b""), shop.secret)
    elif scheme == "appProxySignature":
        # Shopify signs the whole query, the generated parameters with its own: sign after generation.
        # Encoded as Werkzeug encodes it for the app, and read back as the app reads it.
        given = parse_qsl(EnvironBuilder(path="/", query_string=request.get("query_string")).query_string, keep_blank_values=True)
        pairs = [(name, value) for name, value in given if name not in PROXY_PARAMETERS]
        proxy = signed_query(shop.domain, ADA, shop.secret)
        pairs += [(name, value) for name, value in proxy.items() if name != "signature"]
        pairs.append(("signature", proxy_signature(pairs, shop.secret)))
        request["query_string"] = urlencode(pairs)
    request["headers"] = headers
    return request


# ---------------------------------------------------------------------------
# The fuzzing


@dataclass
class Finding:
    operation: str
    request: dict
    status: int | str
    what: str

    def __str__(self) -> str:
        sent = {key: value for key, value in self.request.items() if key in ("method", "path", "query_string", "data")}
        return f"{self.operation}: {self.what}\n    sent {sent!r:.600}\n    answered {self.status}"


def where_it_broke(error: BaseException) -> str:
    """The exception and the project's own frames it passed through: what a 5xx report needs."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if "/.venv/" not in frame.filename]
    return "".join(traceback.format_list(frames[-6:])) + "".join(traceback.format_exception_only(error))[:800]


@dataclass
class Fuzzing:
    url: str
    shop: Shop
    sessions: object
    fake_admin: object
    tally: object
    findings: list[Finding]


def fuzz_operation(run: Fuzzing, operation, mode: GenerationMode, scheme: str | None) -> None:
    """One operation's cases of one mode, each checked; what breaks goes to run.findings."""
    client = run.shop.app.test_client()
    label = f"{operation.method.upper()} {operation.path}"

    def found(request: dict, status: int | str, what: str) -> None:
        run.findings.append(Finding(label, request, status, what))

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case):
        request = as_caller(run.shop, scheme, WSGI_TRANSPORT.serialize_case(case), run.fake_admin)
        before = state(run.sessions, run.shop.id)
        try:
            response = client.open(**request)
        except Exception as error:
            run.tally.count(label, "500 (raised)")
            found(request, "500 (raised)", where_it_broke(error))
            return
        run.tally.count(label, response.status_code)
        if response.status_code >= 500:
            found(request, response.status_code, response.get_data(as_text=True)[:500])
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as failure:
            found(request, response.status_code, f"does not conform to {run.url}: {failure}"[:1500])
        if response.status_code >= 400:
            after = state(run.sessions, run.shop.id)
            changed = {name: (before[name], after.get(name)) for name in before if before[name] != after.get(name)}
            if changed:
                found(request, response.status_code, f"refused, yet changed {changed}")

    one()


def fuzz_document(url: str, fuzzed: Shop, sessions, fake_admin, fuzz_tally) -> list[Finding]:
    client = fuzzed.app.test_client()
    try:
        served = client.get(url)
    except Exception as error:
        pytest.fail(f"{url} cannot be served, so it cannot be fuzzed: {error!r}")
    assert served.status_code == 200, f"{url} answered {served.status_code}: {served.get_data(as_text=True)[:500]}"
    document = served.get_json()
    schema = from_dict(document)
    findings: list[Finding] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        scheme = scheme_of(document, operation.path, operation.definition.raw)
        label = f"{operation.method.upper()} {operation.path}"
        if scheme == "apiKey":
            # A fresh key for each operation: the merchant's fuzzed DELETE /api/api-keys/{id} may have revoked the last one.
            fuzzed.key = _api_key(fuzzed, fake_admin)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(Fuzzing(url, fuzzed, sessions, fake_admin, fuzz_tally, findings), operation, mode, scheme)
            except Unsatisfiable:
                # An operation with no parameter and no body has nothing to make invalid.
                assert mode is GenerationMode.NEGATIVE, f"{label}: no valid case can be generated from {url}"
    return findings


@pytest.mark.parametrize("url", ["/api/openapi.json", "/proxy/openapi.json"])
def test_no_operation_answers_5xx_or_off_its_document_and_a_refusal_changes_nothing(url, fuzzed, sessions, fake_admin, fuzz_tally):
    findings = fuzz_document(url, fuzzed, sessions, fake_admin, fuzz_tally)
    # One finding per operation and kind is enough to act on; the rest are its copies.
    distinct = {(f.operation, type(f.status), f.what[:80]): f for f in findings}
    assert not distinct, f"{len(findings)} findings, {len(distinct)} distinct:\n" + "\n".join(map(str, distinct.values()))
