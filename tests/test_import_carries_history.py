"""What an import carries counts in Perks: the other app's tier places the member at least in the ladder's tier of that
name (no entry reward), its lifetime points count in the members table, the export and a lifetime points ladder, once."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop.shops import installed_shop
from shopify_app.tiers.models import MemberTier, Tier
from tests.admin_support import Admin, add_member
from tests.test_import_real_exports import ADA, HEADER, LATER, NEW, OTHER, imported
from tests.test_tiers_hold_everyone import wait_for_placement
from webhooks.handlers import HANDLERS

LADDER = {
    "basis": "points",
    "period": "lifetime",
    "tiers": [
        {"name": "Bronze", "threshold": "0"},
        {"name": "Silver", "threshold": "500"},
        {"name": "Gold", "threshold": "1500", "entry_points": 100},
    ],
}
SMILE = (
    HEADER
    + "Ada,Lovelace,ada@example.com,1250,Gold,https://x\n"
    + "Nobody,Here,nobody@example.com,40,silver,https://z\n"
    + "Kay,Other,kay@example.com,75,Platinum,https://w\n"
)
# LoyaltyLion: merchant_id is Shopify's customer id; approved + spent is what the customer earned there.
LOYALTYLION = (
    "merchant_id,email,first_name,last_name,points_approved,points_spent,tier\n"
    f"{NEW},neo@example.com,Neo,Member,300,1300,silver\n"
    f"{OTHER},kay@example.com,Kay,Other,50,100,\n"
)


def admin_with_ladder(platform, sessions) -> Admin:
    platform.install()
    add_member(sessions, platform.shop, ADA, email="ada@example.com", first="Ada", points=10)
    platform.fake.state.add_customer(platform.shop, id=OTHER, email="kay@example.com", first_name="Kay")
    admin = Admin(platform, platform.shop)
    assert admin.put("/api/tiers", LADDER).status_code == 200
    wait_for_placement(admin)
    return admin


def placed(sessions, shop: str) -> dict[int, tuple[str | None, int]]:
    """Each member's tier and balance."""
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        rows = uow.session.execute(
            select(Member.customer_id, Tier.name, Member.points_balance)
            .outerjoin(MemberTier, MemberTier.member_id == Member.id)
            .outerjoin(Tier, Tier.id == MemberTier.tier_id)
            .where(Member.shop_id == shop_id)
        )
        return {customer: (tier, points) for customer, tier, points in rows}


def lifetime(admin: Admin) -> dict[int, tuple[int, str | None]]:
    answer = admin.get("/api/members", query_string={"limit": 50}).get_json()
    return {int(m["customer_id"]): (m["lifetime_points"], m["tier"]) for m in answer["members"]}


def test_a_smile_export_puts_members_in_their_tiers_without_the_entry_reward_and_names_missing_tiers(platform, sessions, redis, workers):
    admin = admin_with_ladder(platform, sessions)
    job = imported(admin, redis, SMILE)
    assert (job["status"], job["imported_rows"], job["pending_rows"]) == ("done", 2, 1)
    # Kay's Platinum is no tier of the ladder: imported all the same, and named for the merchant.
    assert job["unknown_tiers"] == ["Platinum"]
    # Ada in Gold with her balance only: 10 + 1,250, no Gold entry reward of 100.
    assert placed(sessions, admin.shop)[ADA] == ("Gold", 1260)
    assert placed(sessions, admin.shop)[OTHER] == ("Bronze", 75)
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "tier")) is None

    # Saving the ladder again places everyone on their measure: the imported tier stays a floor.
    assert admin.put("/api/tiers", LADDER).status_code == 200
    wait_for_placement(admin)
    assert placed(sessions, admin.shop)[ADA] == ("Gold", 1260)

    # The held balance brings its tier (matched whatever its case) when the account appears.
    with UnitOfWork(sessions) as uow:
        HANDLERS["customers/create"](uow.session, admin.shop, shopify.customer(LATER, "nobody@example.com", first_name="Nobody"))
        uow.commit()
    assert placed(sessions, admin.shop)[LATER] == ("Silver", 40)


def test_a_loyaltylion_export_counts_lifetime_points_once_and_a_placement_keeps_who_they_qualify(platform, sessions, redis, workers):
    admin = admin_with_ladder(platform, sessions)
    job = imported(admin, redis, LOYALTYLION)
    assert (job["status"], job["imported_rows"], job["unknown_tiers"]) == ("done", 2, [])
    # Neo: 300 balance, 1,600 earned at LoyaltyLion (the 300 among them): lifetime 1,600, not 1,900; that reaches
    # Gold (1,500), above the Silver LoyaltyLion named, without Gold's entry reward. Kay: 50 balance, 150 earned.
    # Ada imported nothing: her 10 points only.
    assert lifetime(admin) == {NEW: (1600, "Gold"), OTHER: (150, "Bronze"), ADA: (10, "Bronze")}
    assert placed(sessions, admin.shop)[NEW] == ("Gold", 300)
    export = list(csv.DictReader(io.StringIO(admin.get("/api/exports/members.csv").get_data(as_text=True))))
    assert {row["email"]: row["lifetime_points"] for row in export} == {
        "neo@example.com": "1600",
        "kay@example.com": "150",
        "ada@example.com": "10",
    }

    # A placement (the ladder saved again) measures the same 1,600 points: Neo keeps Gold, and is paid nothing for it.
    assert admin.put("/api/tiers", LADDER).status_code == 200
    wait_for_placement(admin)
    assert placed(sessions, admin.shop) == {NEW: ("Gold", 300), OTHER: ("Bronze", 50), ADA: ("Bronze", 10)}
