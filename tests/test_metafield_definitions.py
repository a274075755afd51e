"""The customer metafields Perks writes have definitions, made at install, so
merchants can see them, filter on them and segment by them."""

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.notifications import channels
from shopify_app.shop.tokens import install
from shopify_app.shopify.metafield_definitions import CUSTOMER_METAFIELDS, NAMESPACE
from shopify_app.tiers import sync as tier_sync


def test_every_customer_metafield_perks_writes_has_a_definition():
    defined = {(NAMESPACE, spec["key"], spec["type"]) for spec in CUSTOMER_METAFIELDS}
    written = {(channels.NAMESPACE, "points", "number_integer"), (channels.NAMESPACE, "tier", "single_line_text_field"),
               (tier_sync.NAMESPACE, tier_sync.KEY, "single_line_text_field")}
    assert defined == written


def test_installing_creates_the_definitions_and_installing_again_keeps_them(platform, sessions):
    platform.install()
    state = platform.fake.state.shop(platform.shop)
    first = dict(state.metafield_definitions)
    assert set(first) == {"CUSTOMER.perks.points", "CUSTOMER.perks.tier"}
    with UnitOfWork(sessions) as uow:  # a reinstall: Shopify answers TAKEN, which counts as done
        install(uow.session, platform.settings, platform.shop, platform.fake.session_token(platform.shop))
        uow.commit()
    assert state.metafield_definitions == first
