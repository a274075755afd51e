"""POST /webhooks in front of Flask (webhooks/receive.py), through gunicorn as the bench and production run it.

Every answer is pinned byte for byte as Flask's jsonify wrote it before the
endpoint left Flask, on one keep-alive connection, as Shopify and the bench
send them: a refusal must not leave the connection unusable for the next one.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import abort
from sqlalchemy import func, select

from bench.run import free_port
from perks_dev import shopify_payloads as shopify
from shopify_app import create_app
from shopify_app.core.config import Settings
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop.models import Shop
from webhooks.models import WebhookDelivery

ROOT = Path(__file__).resolve().parent.parent
SECRET = Settings().shopify_api_secret
LIMIT = 64 * 1024  # PERKS_WEBHOOK_MAX_BYTES of the servers below: past it is 413


def serve(tmp_path: Path, **env: str) -> Iterator[int]:
    """gunicorn as bench/run.py starts it (gthread, keep-alive, `shopify_app:create_app()`); its port."""
    port = free_port()
    with open(tmp_path / "gunicorn.log", "ab") as log:
        web = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", "4",
             "--keep-alive", "30", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "shopify_app:create_app()"],
            cwd=ROOT, env={**os.environ, "PERKS_WEBHOOK_MAX_BYTES": str(LIMIT), **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        web.terminate()
        web.wait(timeout=30)


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Iterator[http.client.HTTPConnection]:
    """One keep-alive connection to gunicorn, kept across the module's tests."""
    for port in serve(tmp_path_factory.mktemp("web")):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        yield connection
        connection.close()


def post(web: http.client.HTTPConnection, body, headers: dict[str, str]) -> tuple[int, bytes, str | None]:
    """Status, raw answer and its Content-Type; `body` an iterable of bytes is sent chunked, with no Content-Length."""
    web.request("POST", "/webhooks", body=body, headers=headers, encode_chunked=not isinstance(body, bytes))
    answer = web.getresponse()
    return answer.status, answer.read(), answer.getheader("Content-Type")


def deliveries(sessions, domain: str) -> int:
    with UnitOfWork(sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(WebhookDelivery).join(Shop).where(Shop.domain == domain))


def signed(shop: str, payload=None, *, topic: str = "orders/paid", **kwargs) -> tuple[bytes, dict[str, str]]:
    return shopify.delivery(topic, shopify.order_paid(1) if payload is None else payload, shop=shop, secret=SECRET, **kwargs)


def refusal(error: str, message: str) -> bytes:
    return json.dumps({"error": error, "message": message}, separators=(",", ":")).encode() + b"\n"


def test_a_recorded_delivery_is_committed_before_its_200_and_a_repeat_is_answered_without_a_second_row(web, sessions, shop):
    body, headers = signed(shop, webhook_id="lean-1")
    status, answer, content_type = post(web, body, headers)
    assert (status, content_type) == (200, "application/json")
    delivery_id = json.loads(answer)["delivery"]
    assert answer == b'{"delivery":%d,"status":"recorded"}\n' % delivery_id
    assert deliveries(sessions, shop) == 1  # read on another connection the moment the answer is in

    assert post(web, body, headers)[:2] == (200, b'{"delivery":null,"status":"recorded"}\n')
    assert deliveries(sessions, shop) == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_past_the_limit_is_refused_with_413_and_keeps_nothing(web, sessions, shop, chunked):
    """Chunked too: Werkzeug cut such a body at the limit, and it was refused as 401 invalid_hmac."""
    payload = shopify.order_paid(1)
    payload["note"] = "x" * LIMIT
    body, headers = signed(shop, payload)
    status, answer, _ = post(web, iter([body[:1000], body[1000:]]) if chunked else body, headers)
    assert status == 413
    assert b"Request Entity Too Large" in answer or b"Content Too Large" in answer  # Werkzeug's own page, as before
    assert deliveries(sessions, shop) == 0
    web.close()  # gunicorn hangs up on a request whose body it was not asked to read, as it did under Flask
    assert post(web, *signed(shop))[0] == 200


def test_a_chunked_body_within_the_limit_is_recorded(web, sessions, shop):
    body, headers = signed(shop)
    assert post(web, iter([body[:100], body[100:]]), headers)[0] == 200
    assert deliveries(sessions, shop) == 1


@pytest.mark.parametrize(
    ("change", "status", "answer"),
    [
        (lambda body, headers: (body, {**headers, "X-Shopify-Hmac-Sha256": "forged"}), 401,
         refusal("invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}), 401,
         refusal("invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")),
        (lambda body, headers: (body.replace(b'"30.00"', b'"3000.00"'), headers), 401,
         refusal("invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")),
        (lambda body, headers: (body, {**headers, "X-Shopify-Webhook-Id": ""}), 400,
         refusal("missing_headers", "missing X-Shopify-Webhook-Id")),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k not in ("X-Shopify-Topic", "X-Shopify-Shop-Domain")}), 400,
         refusal("missing_headers", "missing X-Shopify-Topic, X-Shopify-Shop-Domain")),
    ],
    ids=["forged-hmac", "no-hmac", "tampered-body", "empty-webhook-id", "no-topic-no-shop"],
)  # fmt: skip
def test_each_refusal_is_answered_as_before_and_keeps_nothing(web, sessions, shop, change, status, answer):
    body, headers = change(*signed(shop))
    assert post(web, body, headers) == (status, answer, "application/json")
    assert deliveries(sessions, shop) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b'{"id": 1, "line_items": [', "Expecting value: line 1 column 26 (char 25)"), (b"[1, 2, 3]", "not a JSON object")],
    ids=["cut-short", "an-array"],
)
def test_a_body_that_is_not_a_json_object_is_refused_with_400(web, sessions, shop, body, reason):
    assert post(web, *signed(shop, body)) == (400, refusal("invalid_json", f"body is not a JSON object: {reason}"), "application/json")
    assert deliveries(sessions, shop) == 0


def test_a_topic_perks_does_not_handle_and_a_shop_that_never_installed_are_answered_200_and_ignored(web, sessions, shop):
    assert post(web, *signed(shop, topic="products/update")) == (
        200,
        b'{"reason":"topic not handled","status":"ignored"}\n',
        "application/json",
    )
    stranger = signed("stranger.myshopify.com")
    assert post(web, *stranger) == (200, b'{"reason":"shop not installed","status":"ignored"}\n', "application/json")
    assert deliveries(sessions, shop) == 0


@pytest.mark.parametrize(("method", "status"), [("GET", 405), ("PUT", 405), ("OPTIONS", 200)])
def test_post_alone_is_allowed(web, method, status):
    web.request(method, "/webhooks")
    answer = web.getresponse()
    answer.read()
    assert (answer.status, answer.getheader("Allow")) == (status, "OPTIONS, POST")


def test_with_the_database_down_the_answer_is_503(tmp_path, shop):
    for port in serve(tmp_path, DATABASE_URL="postgresql://perks@127.0.0.1:9/perks"):
        down = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        expected = refusal("unavailable", "could not record the delivery; retry later")
        assert post(down, *signed(shop)) == (503, expected, "application/json")
        assert post(down, *signed(shop)) == (503, expected, "application/json")  # and again: the next request tries anew


def test_with_redis_down_the_delivery_is_still_recorded_and_answered_200(tmp_path, sessions, shop):
    for port in serve(tmp_path, REDIS_URL="redis://127.0.0.1:9/0"):
        status, answer, _ = post(http.client.HTTPConnection("127.0.0.1", port, timeout=10), *signed(shop))
        assert status == 200
        assert json.loads(answer)["status"] == "recorded"
        assert deliveries(sessions, shop) == 1


def test_post_webhooks_is_answered_without_flask_in_the_way(sessions, shop):
    """The lean path skips Flask: a hook that refuses every Flask request leaves the webhooks answered."""
    app = create_app()
    app.before_request(lambda: abort(500))
    client = app.test_client()
    assert client.get("/healthz").status_code == 500
    body, headers = signed(shop)
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    assert deliveries(sessions, shop) == 1
