"""Expiring offline tokens: refreshed before they lapse, once however many jobs need them."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.shop import tokens
from shopify_app.shop.models import Shop
from shopify_app.shop.token_vault import TokenVault
from shopify_app.shopify.errors import TokenRequestError


def lapse_token(sessions, domain: str) -> bytes:
    """Our record says the access token has expired; returns the refresh token's ciphertext."""
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == domain)).one()
        shop.access_token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
        refresh = shop.refresh_token_encrypted
        uow.commit()
    return refresh


def test_twenty_jobs_needing_an_expired_token_at_once_cause_one_refresh_and_all_succeed(platform, sessions):
    platform.install()
    old_refresh = lapse_token(sessions, platform.shop)
    platform.fake.state.expire_access_tokens(platform.shop)

    def job(_):
        return tokens.admin_client(sessions, platform.settings, platform.shop).execute("Shop")["shop"]["myshopifyDomain"]

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(job, range(20)))

    assert answers == [platform.shop] * 20
    assert platform.fake.state.refresh_count[platform.shop] == 1
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one()
        vault = TokenVault.from_settings(platform.settings)
        assert vault.decrypt(shop.refresh_token_encrypted) != vault.decrypt(old_refresh)  # replaced on use
        assert shop.access_token_expires_at > datetime.now(UTC) + timedelta(minutes=30)


def shop_row(sessions, domain: str) -> Shop:
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == domain)).one()
        uow.session.expunge(shop)
        return shop


def revoke_refresh_tokens(fake, domain: str) -> None:
    """Shopify forgets the shop's refresh tokens (revoked, or spent elsewhere): a refresh gets 400 invalid_grant."""
    with fake.state.lock:
        for token in [t for t, record in fake.state.refresh_tokens.items() if record["shop"] == domain]:
            del fake.state.refresh_tokens[token]


def test_a_refresh_token_shopify_refuses_marks_the_shop_and_the_next_admin_open_exchanges_again(platform, sessions):
    platform.install()
    lapse_token(sessions, platform.shop)
    platform.fake.state.expire_access_tokens(platform.shop)
    revoke_refresh_tokens(platform.fake, platform.shop)

    with pytest.raises(tokens.ReauthorizationNeeded, match="refused"):
        tokens.access_token(sessions, platform.settings, platform.shop)
    marked = shop_row(sessions, platform.shop)
    assert marked.refresh_token_encrypted is None
    assert tokens.needs_exchange(marked)
    # Asking again does not spend another request on the dead refresh token.
    with pytest.raises(tokens.ReauthorizationNeeded):
        tokens.access_token(sessions, platform.settings, platform.shop)

    platform.install()  # the merchant opens Perks: GET / with App Bridge's id_token

    assert platform.fake.state.exchange_count[platform.shop] == 2
    renewed = shop_row(sessions, platform.shop)
    assert renewed.refresh_token_encrypted is not None and not tokens.needs_exchange(renewed)
    answer = tokens.admin_client(sessions, platform.settings, platform.shop).execute("Shop")
    assert answer["shop"]["myshopifyDomain"] == platform.shop


def test_a_refresh_token_past_its_own_expiry_is_traded_again_at_the_next_admin_open(platform, sessions):
    platform.install()
    lapse_token(sessions, platform.shop)
    with UnitOfWork(sessions) as uow:
        uow.session.scalars(select(Shop).where(Shop.domain == platform.shop)).one().refresh_token_expires_at = datetime.now(UTC)
        uow.commit()
    platform.install()
    assert platform.fake.state.exchange_count[platform.shop] == 2
    assert platform.fake.state.refresh_count.get(platform.shop, 0) == 0


def test_opening_the_admin_with_a_token_that_can_still_be_refreshed_exchanges_nothing(platform, sessions):
    platform.install()
    lapse_token(sessions, platform.shop)
    platform.install()
    assert platform.fake.state.exchange_count[platform.shop] == 1


def test_a_refresh_that_cannot_reach_shopify_keeps_the_refresh_token(platform, sessions, monkeypatch):
    platform.install()
    lapse_token(sessions, platform.shop)
    before = shop_row(sessions, platform.shop).refresh_token_encrypted

    def unreachable(*args, **kwargs):
        raise TokenRequestError(0, "network_error", "connection refused")

    monkeypatch.setattr(tokens.oauth, "refresh_access_token", unreachable)
    with pytest.raises(TokenRequestError):
        tokens.access_token(sessions, platform.settings, platform.shop)
    assert shop_row(sessions, platform.shop).refresh_token_encrypted == before


def test_a_fresh_token_is_used_as_it_is(platform, sessions):
    platform.install()
    for _ in range(3):
        tokens.admin_client(sessions, platform.settings, platform.shop).execute("Shop")
    assert platform.fake.state.refresh_count.get(platform.shop, 0) == 0


def test_a_token_added_by_hand_is_stored_encrypted(runner, sessions):
    domain = "handmade-token.myshopify.com"
    result = runner.invoke(args=["perks", "shop-add", domain, "--token", "shpat_handmade_0123456789"])
    assert result.exit_code == 0, result.output
    with UnitOfWork(sessions) as uow:
        shop = uow.session.scalars(select(Shop).where(Shop.domain == domain)).one()
        assert b"shpat_handmade" not in shop.access_token_encrypted
        assert tokens.access_token(sessions, runner.app.extensions["perks"].settings, domain) == "shpat_handmade_0123456789"


def test_keys_rotate_with_the_old_key_still_read_until_tokens_are_re_encrypted():
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old = TokenVault((first,))
    ciphertext = old.encrypt("shpat_secret")
    new = TokenVault((second, first))
    assert new.decrypt(ciphertext) == "shpat_secret"
    rotated = new.rotate(ciphertext)
    assert TokenVault((second,)).decrypt(rotated) == "shpat_secret"
