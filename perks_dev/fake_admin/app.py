"""The fake Admin API as a Flask app (real HTTP, Shopify's response shapes)."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import socket
import threading
import time
from typing import Any

import jwt
from flask import Flask, Response, jsonify, request
from graphql import FieldNode, OperationDefinitionNode, OperationType, parse

from perks_dev.fake_admin import resolvers
from perks_dev.fake_admin.render import Ctx
from perks_dev.fake_admin.search import requested_cost
from perks_dev.fake_admin.state import DEFAULT_SHOP, SINGLE_QUERY_MAX_COST, FakeState, LostAnswer
from shopify_app.shopify import schema as admin_schema
from shopify_app.shopify.oauth import (
    ID_TOKEN_TYPE,
    OFFLINE_ACCESS_TOKEN_TYPE,
    REFRESH_GRANT,
    TOKEN_EXCHANGE_GRANT,
)
from shopify_app.shopify.version import API_VERSION

UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"


def create_fake_admin(client_secret: str, client_id: str, state: FakeState | None = None) -> Flask:
    """A stand-in for Shopify's Admin API and token endpoint, for the demo and tests."""
    app = Flask("fake_shopify_admin")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep selection order, as Shopify does
    fake = state or FakeState()
    app.config["FAKE_STATE"] = fake
    app.config["CLIENT_ID"], app.config["CLIENT_SECRET"] = client_id, client_secret
    app.extensions["fake_admin"] = fake
    admin_schema.get_schema()  # build once up front, not inside the first request

    # Every Shopify route also answers under /shops/<shop>/..., so a base_url of
    # "{fake}/shops/{shop}" lets the fake see which shop a request is addressed
    # to (as Shopify does from the host) and check it against token and JWT.
    @app.post("/admin/api/<version>/graphql.json")
    @app.post("/shops/<path_shop>/admin/api/<version>/graphql.json")
    def graphql(version: str, path_shop: str | None = None) -> Response | tuple[Response, int]:
        if version != API_VERSION:
            return jsonify({"errors": "Not Found"}), 404
        if fake.controls.latency:
            time.sleep(fake.controls.latency)
        failure = fake.take_failure()
        if failure:
            return jsonify({"errors": "Internal Server Error"}), failure
        token = fake.token_record(request.headers.get("X-Shopify-Access-Token"))
        shop = token["shop"] if token else None
        if token is None or path_shop not in (None, shop):
            return jsonify({"errors": UNAUTHORIZED}), 401
        body = request.get_json(silent=True) or {}
        document, variables = body.get("query"), body.get("variables") or {}
        if not isinstance(document, str) or not document.strip():
            return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400
        body = _answer(fake, token, document, variables, request.host_url.rstrip("/"))
        lost: LostAnswer | None = body.pop("_lost", None)
        if lost is not None and lost.how == "drop":
            # Applied; now the connection goes, before a byte of the answer.
            request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return Response(status=204)
        if lost is not None and lost.how == "500":
            return jsonify({"errors": "Internal Server Error"}), 500
        return jsonify(body)  # "late": the answer comes after the client stopped waiting

    @app.post("/admin/oauth/access_token")
    @app.post("/shops/<path_shop>/admin/oauth/access_token")
    def access_token(path_shop: str | None = None) -> tuple[Response, int]:
        body = request.get_json(silent=True) or request.form.to_dict()
        if body.get("client_id") != client_id or body.get("client_secret") != client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        grant = body.get("grant_type")
        if grant == TOKEN_EXCHANGE_GRANT:
            return _token_exchange(fake, body, client_id, client_secret, path_shop)
        if grant == REFRESH_GRANT:
            return _refresh(fake, body, path_shop)
        return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant type {grant!r}")

    @app.post("/_fake/control")
    def control() -> Response:
        fake.apply_control(request.get_json(force=True) or {})
        return jsonify({"ok": True})

    @app.get("/_fake/state")
    def dump_state() -> Response:
        return Response(json.dumps(fake.dump(request.args.get("shop")), default=str),
                        mimetype="application/json")

    @app.post("/_fake/customers")
    def seed_customers() -> Response:
        body = request.get_json(force=True)
        shop, specs = _seed_body(body, "customers")
        return jsonify({"customers": [fake.add_customer(shop, **s) for s in specs]})

    @app.post("/_fake/orders")
    def seed_orders() -> Response:
        body = request.get_json(force=True)
        shop, specs = _seed_body(body, "orders")
        return jsonify({"orders": [fake.add_order(shop, **s) for s in specs]})

    @app.post("/_fake/products")
    def seed_products() -> Response:
        body = request.get_json(force=True)
        shop, specs = _seed_body(body, "products")
        return jsonify({"products": [fake.add_product(shop, **s) for s in specs]})

    @app.post("/_fake/tokens")
    def mint() -> Response:
        body = request.get_json(force=True) or {}
        shop = body.get("shop", DEFAULT_SHOP)
        return jsonify({"access_token": fake.mint_token(shop, body.get("expires_in")), "shop": shop})

    @app.post("/_fake/staged-uploads")
    def staged_upload() -> tuple[str, int]:
        key = request.form.get("key", "")
        with fake.lock:
            target = next((s for s in fake.shops.values() if key in s.staged_uploads), None)
            if target is None:
                return "<Error><Code>InvalidArgument</Code></Error>", 400
            upload = request.files.get("file")
            target.staged_uploads[key] = (upload.read() if upload else request.form.get("file", "").encode()
                                          ).decode("utf-8")
        return f"<PostResponse><Key>{key}</Key></PostResponse>", 201

    @app.get("/_fake/bulk-results/<op_id>.jsonl")
    def bulk_results(op_id: str) -> Response | tuple[str, int]:
        with fake.lock:
            for shop_state in fake.shops.values():
                record = shop_state.bulk_operations.get(f"gid://shopify/BulkOperation/{op_id}")
                if record:
                    lines = "".join(json.dumps(r) + "\n" for r in record["results"])
                    return Response(lines, mimetype="application/jsonl")
        return "not found", 404

    return app


def _seed_body(body: Any, plural: str) -> tuple[str, list[dict]]:
    if isinstance(body, list):
        return DEFAULT_SHOP, body
    shop = body.pop("shop", DEFAULT_SHOP)
    return shop, body.get(plural, [body])


def _answer(fake: FakeState, token: dict, document: str, variables: dict, base_url: str) -> dict[str, Any]:
    shop = token["shop"]
    errors = admin_schema.validate(document, variables)
    if errors:
        return {"errors": errors}
    parsed = parse(document)
    cost = requested_cost(parsed, variables)
    lost = fake.take_lost_answer(_mutation_names(parsed, admin_schema.operation_name(document)))
    if lost is not None and lost.how == "late":
        time.sleep(lost.delay)  # outside the lock: the client's own look-up meanwhile sees nothing yet
    with fake.lock:
        state = fake.shop(shop)
        bucket = state.bucket
        available = bucket.level()
        if cost > min(SINGLE_QUERY_MAX_COST, bucket.maximum):
            return _cost_exceeded(cost, bucket.status())
        if cost > available:
            return {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": RATE_LIMIT_DOCS}}],
                "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None,
                                        "throttleStatus": bucket.status()}}}
        bucket.available -= cost
        ctx = Ctx(fake=fake, shop=state, base_url=base_url,
                  operation_name=admin_schema.operation_name(document),
                  scopes=admin_schema.granted_scopes(token["scope"]))
        body = resolvers.execute(ctx, document, variables)
        actual = _actual_cost(cost, body.get("data"), document)
        bucket.available += cost - actual  # Shopify refunds what the answer did not use
        fake.requests.append({"shop": shop, "operation": ctx.operation_name, "variables": variables,
                              "cost": actual, "at": time.time()})
        body["extensions"] = {"cost": {"requestedQueryCost": cost, "actualQueryCost": actual,
                                       "throttleStatus": bucket.status()}}
    if lost is not None:
        body["_lost"] = lost
    return body


def _mutation_names(parsed: Any, operation_name: str | None) -> set[str]:
    """A mutation's root fields and operation name (what lose_answer_next matches); empty for a query."""
    operation = next((d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)), None)
    if operation is None or operation.operation != OperationType.MUTATION:
        return set()
    fields = {f.name.value for f in operation.selection_set.selections if isinstance(f, FieldNode)}
    return fields | ({operation_name} if operation_name else set())


def _actual_cost(requested: int, data: Any, document: str) -> int:
    """Objects actually returned (1 each), never more than requested; mutations pay in full."""
    if document.lstrip().startswith("mutation"):
        return requested
    return max(1, min(requested, _count_objects(data)))


def _count_objects(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count_objects(v) for v in value)
    return 0


def _cost_exceeded(cost: int, status: dict) -> dict[str, Any]:
    limit = int(min(SINGLE_QUERY_MAX_COST, status["maximumAvailable"]))
    return {"errors": [{"message": f"Query cost is {cost}, which exceeds the single query max cost "
                                   f"limit ({limit}).", "extensions": {
        "code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": limit,
        "documentation": RATE_LIMIT_DOCS}}],
        "extensions": {"cost": {"requestedQueryCost": cost, "actualQueryCost": None,
                                "throttleStatus": status}}}


def _oauth_error(status: int, error: str, description: str) -> tuple[Response, int]:
    return jsonify({"error": error, "error_description": description}), status


def _token_exchange(fake: FakeState, body: dict, client_id: str, client_secret: str,
                    host_shop: str | None) -> tuple[Response, int]:
    if body.get("subject_token_type") != ID_TOKEN_TYPE:
        return _oauth_error(400, "invalid_request", "subject_token_type must be an id_token")
    if body.get("requested_token_type") != OFFLINE_ACCESS_TOKEN_TYPE:
        return _oauth_error(400, "invalid_request", "The fake only issues offline access tokens")
    try:
        claims = jwt.decode(body.get("subject_token", ""), client_secret, algorithms=["HS256"],
                            audience=client_id, options={"require": ["exp", "nbf", "dest", "aud"]})
    except jwt.PyJWTError as exc:
        return _oauth_error(400, "invalid_subject_token", f"Session token is invalid: {exc}")
    shop = claims["dest"].removeprefix("https://").rstrip("/")
    if host_shop and host_shop != shop:
        return _oauth_error(400, "invalid_subject_token", "Session token dest does not match the shop")
    with fake.lock:
        fake.exchange_count[shop] = fake.exchange_count.get(shop, 0) + 1
    expiring = str(body.get("expiring", "0")) in ("1", "true", "True")
    return jsonify(_token_response(fake, shop, expiring)), 200


def _refresh(fake: FakeState, body: dict, path_shop: str | None) -> tuple[Response, int]:
    presented = body.get("refresh_token", "")
    with fake.lock:
        record = fake.refresh_tokens.get(presented)
        if record is None or record["expires_at"] <= time.time() or path_shop not in (None, record["shop"]):
            return _oauth_error(400, "invalid_grant", "The refresh token is invalid, expired or already used")
        del fake.refresh_tokens[presented]  # single use: rotated on every refresh
        shop = record["shop"]
        fake.refresh_count[shop] = fake.refresh_count.get(shop, 0) + 1
        return jsonify(_token_response(fake, shop, expiring=True)), 200


def _token_response(fake: FakeState, shop: str, expiring: bool) -> dict[str, Any]:
    if not expiring:
        return {"access_token": fake.mint_token(shop, expires_in=10 * 365 * 24 * 3600), "scope": fake.scopes}
    return {
        "access_token": fake.mint_token(shop),
        "expires_in": fake.token_ttl,
        "refresh_token": fake.mint_refresh_token(shop),
        "refresh_token_expires_in": fake.refresh_token_ttl,
        "scope": fake.scopes,
    }


def session_token(shop: str, client_id: str, client_secret: str, *, user_id: str = "42",
                  lifetime: int = 60) -> str:
    """An App Bridge-style session token (HS256 JWT) for ``shop``, as the admin would mint."""
    now = int(time.time())
    claims = {"iss": f"https://{shop}/admin", "dest": f"https://{shop}", "aud": client_id,
              "sub": user_id, "exp": now + lifetime, "nbf": now - 1, "iat": now,
              "jti": secrets.token_hex(8), "sid": secrets.token_hex(8)}
    return jwt.encode(claims, client_secret, algorithm="HS256")


class FakeServer:
    """The fake on a real socket in a background thread (tests, `perks fake-shopify`)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False) -> None:
        from werkzeug.serving import make_server

        if quiet:  # werkzeug logs every request; tests do not need that noise
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = app
        self._server = make_server(host, port, app, threaded=True)
        self.host, self.port = host, self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeServer:
        # A short poll interval keeps shutdown() (once per test) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-admin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self._server.serve_forever()


def serve(host: str, port: int, client_id: str, client_secret: str,
          state: FakeState | None = None) -> None:
    """Run the fake in the foreground until interrupted (`perks fake-shopify --port P`)."""
    server = FakeServer(create_fake_admin(client_secret, client_id, state), host, port)
    print(f"fake Shopify Admin API {API_VERSION} on {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
