"""AdminClient against the fake over real HTTP: retries, throttling, tokens."""

from __future__ import annotations

import socket
import time

import pytest
from graphql import parse

from shopify_app.shopify import documents, oauth, schema
from shopify_app.shopify.admin_client import MUTATIONS, AdminClient, RetryPolicy, graphql_url, retry_policy
from shopify_app.shopify.errors import AdminUnauthorized, AdminUnavailable, AnswerLost, TokenRequestError, UserErrors
from shopify_app.shopify.version import API_VERSION

SHOP = "perks-demo.myshopify.com"


class RecordingSleep:
    """Stands in for time.sleep where the wait itself is not under test."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_url_follows_pinned_version():
    assert graphql_url("x.myshopify.com") == f"https://x.myshopify.com/admin/api/{API_VERSION}/graphql.json"


def test_user_errors_raise_and_refusals_are_counted(fake_admin):
    fake_admin.state.refuse_next("tagsAdd", times=1, user_errors=[{"field": ["id"], "message": "locked"}])
    client = fake_admin.client()
    customer = fake_admin.state.add_customer(SHOP)

    with pytest.raises(UserErrors) as caught:
        client.execute("TagsAdd", {"id": customer["id"], "tags": ["gold"]})
    assert caught.value.field_errors == [{"field": ["id"], "message": "locked"}]
    assert caught.value.mutation == "tagsAdd"

    client.execute("TagsAdd", {"id": customer["id"], "tags": ["gold"]})
    assert fake_admin.state.shop(SHOP).customers[customer["id"]]["tags"] == ["gold"]


def test_transient_5xx_is_retried(fake_admin):
    fake_admin.state.fail_next(2, status=502)
    sleep = RecordingSleep()
    client = fake_admin.client(sleep=sleep, max_retries=3)

    assert client.execute("Shop")["shop"]["myshopifyDomain"] == SHOP
    assert client.stats.retries == 2 and len(sleep.calls) == 2
    assert sleep.calls[1] > sleep.calls[0]  # exponential


def test_5xx_storm_exhausts_retries_as_admin_unavailable(fake_admin):
    fake_admin.control(fail={"times": 100, "status": 503})
    sleep = RecordingSleep()
    client = fake_admin.client(sleep=sleep, max_retries=4, backoff_base=1, backoff_cap=3)

    with pytest.raises(AdminUnavailable) as caught:
        client.execute("Shop")

    assert caught.value.status == 503
    assert client.stats.requests == 5
    assert fake_admin.state.controls.fail_remaining == 95
    assert max(sleep.calls) <= 3 * 1.1  # capped


def test_network_errors_exhaust_as_admin_unavailable():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    client = AdminClient(SHOP, "token", base_url=f"http://127.0.0.1:{port}", sleep=sleep, max_retries=2)

    with pytest.raises(AdminUnavailable):
        client.execute("Shop")
    assert len(sleep.calls) == 2


def test_burst_within_a_shrunken_bucket_waits_instead_of_failing(fake_admin):
    # 50 mutations x 10 points through a 50-point bucket restoring 500/s: about a
    # second of real waiting that the client must spend before sending.
    fake_admin.control(throttle={"maximumAvailable": 50, "restoreRate": 500})
    customer = fake_admin.state.add_customer(SHOP)
    client = fake_admin.client()

    for n in range(50):
        client.execute("TagsAdd", {"id": customer["id"], "tags": [f"t{n}"]})

    assert len(fake_admin.state.shop(SHOP).customers[customer["id"]]["tags"]) == 50
    assert client.stats.throttle_waits > 0
    assert client.stats.waited_seconds > 0.1  # the rest restored while requests were in flight
    assert client.stats.throttled_responses <= 2  # the waits, not Shopify's refusals, did the pacing
    assert client.throttle_status.maximum_available == 50


def test_throttled_answer_is_backed_off_and_retried(fake_admin):
    # Slow enough to refill that the drained bucket is still short when the request lands.
    fake_admin.state.set_throttle(maximum=40, restore_rate=10)
    bucket = fake_admin.state.shop(SHOP).bucket
    bucket.available, bucket.at = 0, time.monotonic()  # another worker drained it just now
    sleep = RecordingSleep()
    # Really wait (a few ms): the fake's bucket refills on its own clock.
    client = fake_admin.client(sleep=lambda s: (sleep(s), time.sleep(s)))

    assert client.execute("Shop")["shop"]["name"]
    assert client.stats.throttled_responses >= 1
    assert 0 < sleep.calls[0] <= 0.5  # (cost - available) / restoreRate, not a blind backoff


def test_query_over_the_single_query_limit_is_an_error_not_a_wait(fake_admin):
    from shopify_app.shopify.errors import AdminApiError

    with pytest.raises(AdminApiError) as caught:
        fake_admin.client().execute("Orders", {"first": 50})
    assert caught.value.errors[0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_callable_token_is_asked_again_after_a_401(fake_admin):
    expired = fake_admin.token()
    fake_admin.state.expire_access_tokens(SHOP)
    tokens = iter([expired, fake_admin.token()])
    client = AdminClient(SHOP, lambda: next(tokens), base_url=fake_admin.url)

    assert client.execute("Shop")["shop"]["myshopifyDomain"] == SHOP


def test_static_expired_token_raises_unauthorized(fake_admin):
    token = fake_admin.token()
    fake_admin.state.expire_access_tokens()
    with pytest.raises(AdminUnauthorized):
        AdminClient(SHOP, token, base_url=fake_admin.url).execute("Shop")


def test_token_exchange_then_refresh_rotates_the_refresh_token(fake_admin):
    base = fake_admin.base_url_for(SHOP)
    issued = oauth.token_exchange(SHOP, fake_admin.session_token(SHOP), fake_admin.client_id, fake_admin.client_secret, base_url=base)
    assert issued.expires_in == 3600 and issued.refresh_token and issued.refresh_token_expires_in
    client = AdminClient(SHOP, issued.access_token, base_url=base)
    assert client.execute("Shop")["shop"]["myshopifyDomain"] == SHOP

    refreshed = oauth.refresh_access_token(SHOP, issued.refresh_token, fake_admin.client_id, fake_admin.client_secret, base_url=base)
    assert refreshed.refresh_token != issued.refresh_token
    assert refreshed.access_token != issued.access_token
    assert fake_admin.state.refresh_count == {SHOP: 1}
    with pytest.raises(TokenRequestError) as caught:
        oauth.refresh_access_token(SHOP, issued.refresh_token, fake_admin.client_id, fake_admin.client_secret, base_url=base)
    assert caught.value.error == "invalid_grant"
    assert AdminClient(SHOP, refreshed.access_token, base_url=base).execute("Shop")


@pytest.mark.parametrize("tamper", ["wrong_secret", "wrong_audience", "expired", "other_shop"])
def test_token_exchange_refuses_bad_session_tokens(fake_admin, tamper):
    from perks_dev.fake_admin import session_token

    shop, secret, audience, lifetime = SHOP, fake_admin.client_secret, fake_admin.client_id, 60
    if tamper == "wrong_secret":
        secret = "x" * 64
    elif tamper == "wrong_audience":
        audience = "someone-else"
    elif tamper == "expired":
        lifetime = -120
    else:
        shop = "intruder.myshopify.com"
    token = session_token(shop, audience, secret, lifetime=lifetime)

    with pytest.raises(TokenRequestError) as caught:
        oauth.token_exchange(SHOP, token, fake_admin.client_id, fake_admin.client_secret, base_url=fake_admin.base_url_for(SHOP))
    assert caught.value.status == 400 and caught.value.error == "invalid_subject_token"


def test_token_exchange_refuses_wrong_client_credentials(fake_admin):
    with pytest.raises(TokenRequestError) as caught:
        oauth.token_exchange(SHOP, fake_admin.session_token(), fake_admin.client_id, "not-the-secret", base_url=fake_admin.url)
    assert caught.value.status == 401


def test_access_denied_is_its_own_error_and_never_retried(fake_admin):
    from shopify_app.shopify.errors import AccessDenied

    fake_admin.state.add_customer(SHOP, id="gid://shopify/Customer/5")
    client = fake_admin.client(scope="read_orders", sleep=RecordingSleep())
    with pytest.raises(AccessDenied) as denied:
        client.execute("CustomerLocale", {"id": "gid://shopify/Customer/5"})
    assert not isinstance(denied.value, AdminUnavailable)
    assert "missing access scope" in str(denied.value) and "read_customers" in str(denied.value)
    assert denied.value.required_access == ["`read_customers` access scope."]
    assert client.stats.requests == 1 and client.stats.retries == 0


# --- issue 17: mutations are never blindly repeated -----------------------------------------


CREDIT = {"id": "gid://shopify/Customer/501", "creditInput": {"creditAmount": {"amount": "8.00", "currencyCode": "USD"}}}


def credits(fake_admin) -> int:
    return sum(len(a["transactions"]) for a in fake_admin.state.shop(SHOP).store_credit_accounts.values())


@pytest.mark.parametrize("how", ["drop", "late", "500"])
def test_a_mutation_that_may_have_landed_is_sent_once_and_its_answer_reported_lost(fake_admin, how):
    """Before: the client retried storeCreditAccountCredit after each of these, crediting twice."""
    fake_admin.state.lose_answer_next("storeCreditAccountCredit", 1, how, delay=0.6)
    client = fake_admin.client(sleep=RecordingSleep(), max_retries=3, timeout=0.3)
    with pytest.raises(AnswerLost):
        client.execute("StoreCreditAccountCredit", CREDIT)
    time.sleep(0.5 if how == "late" else 0)
    assert credits(fake_admin) == 1 and client.stats.requests == 1


def test_a_5xx_before_a_mutation_is_not_retried_either(fake_admin):
    """Perks cannot tell a 5xx that ran from one that did not: the caller asks Shopify."""
    fake_admin.state.fail_next(1, 502)
    client = fake_admin.client(sleep=RecordingSleep(), max_retries=3)
    with pytest.raises(AnswerLost) as caught:
        client.execute("StoreCreditAccountCredit", CREDIT)
    assert caught.value.status == 502 and credits(fake_admin) == 0 and client.stats.requests == 1


def test_a_mutation_that_never_reached_shopify_is_retried_then_unavailable():
    with socket.socket() as probe:  # a port nobody listens on: nothing ever sent
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AdminClient(SHOP, "token", base_url=f"http://127.0.0.1:{port}", sleep=RecordingSleep(), max_retries=2)
    with pytest.raises(AdminUnavailable):
        client.execute("StoreCreditAccountCredit", CREDIT)
    assert client.stats.requests == 3


def test_a_repeatable_mutation_is_retried_after_a_lost_answer(fake_admin):
    customer = fake_admin.state.add_customer(SHOP)
    fake_admin.state.lose_answer_next("tagsAdd", 1, "500")
    client = fake_admin.client(sleep=RecordingSleep(), max_retries=3)
    client.execute("TagsAdd", {"id": customer["id"], "tags": ["gold"]})
    assert client.stats.requests == 2 and fake_admin.state.shop(SHOP).customers[customer["id"]]["tags"] == ["gold"]


def test_every_mutation_perks_sends_is_declared_and_none_is_documented_idempotent():
    """The table covers every stored mutation document; the 2026-10 schema documents
    @idempotent(key:) on 19 mutations, none of them one Perks sends (else it should carry the key)."""
    sent = set()
    for path in sorted(documents.DOCUMENTS_DIR.glob("*.graphql")):
        operation = parse(path.read_text()).definitions[0]
        if operation.operation.value == "mutation":
            sent |= {f.name.value for f in operation.selection_set.selections}
    assert sent <= set(MUTATIONS), sent - set(MUTATIONS)
    idempotent = {name for name, f in schema.get_schema().mutation_type.fields.items() if "idempoten" in (f.description or "").lower()}
    assert len(idempotent) == 19 and not sent & idempotent
    assert not retry_policy(documents.load("StoreCreditAccountCredit")).repeatable
    assert not retry_policy(documents.load("DiscountCodeBasicCreate")).repeatable
    assert retry_policy(documents.load("CodeDiscountNodeByCode")).repeatable


def test_an_idempotent_directive_makes_a_mutation_repeatable_under_one_key():
    document = ("mutation R($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) "
                "{ refund { id } userErrors { field message } } }")
    assert schema.validate(document, {"input": {"orderId": "gid://shopify/Order/1"}, "key": "k"}) == []
    assert retry_policy(document) == RetryPolicy(True, "key")
    assert retry_policy("mutation X { somethingUnknown { id } }").repeatable is False
