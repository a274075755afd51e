"""The UI extension surfaces' session tokens: signature, audience, expiry and the shop verified; the customer from `sub` alone."""

from __future__ import annotations

import time

import jwt
import pytest

from shopify_app.shop.surface_tokens import InvalidSurfaceToken, identity_from_authorization, identity_from_token
from tests.fixtures.surface_tokens import customer_token, pos_token

SHOP, KEY, SECRET = "ada-coffee.myshopify.com", "client-id-1", "the-apps-secret-thirty-two-bytes-long"
ADA = 7012345678901


def refusal(token: str, surface: str = "customer_account") -> str:
    with pytest.raises(InvalidSurfaceToken) as refused:
        identity_from_token(token, surface, KEY, SECRET)  # type: ignore[arg-type]
    return str(refused.value)


def test_a_customer_account_token_names_the_shop_and_the_customer_of_its_sub():
    identity = identity_from_token(customer_token(SHOP, KEY, SECRET, ADA), "customer_account", KEY, SECRET)
    assert (identity.shop, identity.customer_id, identity.staff_user) == (SHOP, ADA, None)


def test_a_checkout_token_gives_the_shop_as_a_bare_domain_and_a_guest_has_no_customer():
    identity = identity_from_token(customer_token(SHOP, KEY, SECRET, None, bare_dest=True), "checkout", KEY, SECRET)
    assert (identity.shop, identity.customer_id) == (SHOP, None)


@pytest.mark.parametrize("sub", ["gid://shopify/Customer/0", "gid://shopify/Customer/x1", "gid://shopify/StaffMember/5", "7012345678901"])
def test_a_sub_that_is_no_customers_gid_names_no_customer(sub):
    assert identity_from_token(customer_token(SHOP, KEY, SECRET, None, sub=sub), "checkout", KEY, SECRET).customer_id is None


def test_a_forged_signature_is_refused():
    forged = customer_token(SHOP, KEY, "someone-elses-secret-thirty-two-bytes", ADA)
    assert refusal(forged) == "This session token was not signed by Shopify for this app."


def test_an_unsigned_token_is_refused_whatever_its_header_says():
    unsigned = jwt.encode({"dest": f"https://{SHOP}", "aud": KEY, "exp": time.time() + 60, "nbf": time.time(), "sub": "x"}, None, "none")
    assert refusal(unsigned) == "This is not a session token from Shopify."


def test_an_expired_token_is_refused_past_the_leeway_and_taken_within_it():
    now = int(time.time())
    assert refusal(customer_token(SHOP, KEY, SECRET, ADA, exp=now - 30)) == "Your session has expired. Reload the page and try again."
    assert identity_from_token(customer_token(SHOP, KEY, SECRET, ADA, exp=now - 3), "customer_account", KEY, SECRET).customer_id == ADA


def test_a_token_not_valid_yet_is_refused():
    assert "not valid yet" in refusal(customer_token(SHOP, KEY, SECRET, ADA, nbf=int(time.time()) + 60))


def test_a_token_for_another_app_is_refused():
    assert refusal(customer_token(SHOP, "another-app", SECRET, ADA)) == "This session token was made for another app."


@pytest.mark.parametrize("claim", ["exp", "nbf", "aud", "dest"])
def test_a_token_lacking_a_claim_shopify_always_gives_is_refused(claim):
    assert (
        refusal(customer_token(SHOP, KEY, SECRET, ADA, **{claim: None}))
        == f"This session token lacks the claim '{claim}' Shopify always gives."
    )


@pytest.mark.parametrize("dest", ["https://example.com", "evil.com/ada-coffee.myshopify.com", "", "https://"])
def test_a_token_naming_no_shopify_shop_is_refused(dest):
    assert refusal(customer_token(SHOP, KEY, SECRET, ADA, dest=dest)) == "This session token names no Shopify shop."


def test_a_pos_token_proves_a_staff_member_and_names_no_customer():
    identity = identity_from_token(pos_token(SHOP, KEY, SECRET), "pos", KEY, SECRET)
    assert (identity.shop, identity.customer_id, identity.staff_user) == (SHOP, None, "88001")


# Minted when the test runs, not when it is collected: a token lives five minutes, the suite twenty.
@pytest.mark.parametrize(
    "mint",
    [lambda: customer_token(SHOP, KEY, SECRET, ADA), lambda: pos_token(SHOP, KEY, SECRET, staff=None)],
    ids=["a customer's", "no staff member"],
)
def test_a_customers_token_or_one_without_a_staff_member_is_refused_at_the_till(mint):
    assert refusal(mint(), "pos") == "Only the shop's staff can do this at the till: this session token is not a staff member's."


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Basic abc", "bearer x"])
def test_a_request_without_a_bearer_token_is_refused(header):
    with pytest.raises(InvalidSurfaceToken, match="without Shopify's session token"):
        identity_from_authorization(header, "customer_account", KEY, SECRET)
