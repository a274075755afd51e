"""Imports as real exports come: customers Perks has not met yet, found in Shopify by email; empty files and broken
quotes named for what they are."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import LedgerEntry, Member
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member
from tests.test_admin_transfer import wait_for_import

ADA = 7300000000001
NEW, OTHER = 7300000000021, 7300000000022
HEADER = "First name,Last name,Email,Points balance,VIP tier name,Referral url\n"
SMILE = (
    HEADER
    + "Ada,Lovelace,ada@example.com,1250,Gold,https://x\n"
    + "Neo,Member,NEO@example.com,300,,https://y\n"
    + "Nobody,Here,nobody@example.com,40,,https://z\n"
    + "Kay,Other,kay@example.com,75,Silver,https://w\n"
)


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    add_member(sessions, platform.shop, ADA, email="ada@example.com", first="Ada", points=10)
    platform.fake.state.add_customer(platform.shop, id=NEW, email="neo@example.com", first_name="Neo", last_name="Member")
    platform.fake.state.add_customer(platform.shop, id=OTHER, email="kay@example.com", first_name="Kay")
    return Admin(platform, platform.shop)


def members(sessions, shop: str) -> dict[int, tuple[str | None, str | None, int]]:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        columns = select(Member.customer_id, Member.email, Member.first_name, Member.points_balance)
        rows = uow.session.execute(columns.where(Member.shop_id == shop_id))
        return {customer: (email, first, points) for customer, email, first, points in rows}


def upload(admin: Admin, text: str | bytes, name: str = "smile.csv"):
    raw = text.encode() if isinstance(text, str) else text
    return admin.post("/api/imports", data={"file": (io.BytesIO(raw), name)}, content_type="multipart/form-data")


def test_customers_perks_has_not_met_are_found_in_shopify_by_email_and_made_members(admin, sessions, redis, workers):
    response = upload(admin, SMILE)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]
    wait_for_import(redis, job_id)

    job = admin.get(f"/api/imports/{job_id}").get_json()["job"]
    assert (job["status"], job["imported_rows"], job["points_imported"], job["refused_rows"]) == ("done", 3, 1625, 1)
    [refused] = job["errors"]
    assert refused["row"] == 4
    assert "nobody@example.com" in refused["message"] and "no customer in Shopify" in refused["message"]
    assert members(sessions, admin.shop) == {
        ADA: ("ada@example.com", "Ada", 1260),
        NEW: ("neo@example.com", "Neo", 300),
        OTHER: ("kay@example.com", "Kay", 75),
    }
    # Rows found in Shopify are keyed as any row: the file again credits nothing twice.
    with UnitOfWork(sessions) as uow:
        mine = LedgerEntry.idempotency_key.like(f"import:{job_id}:%")
        assert sorted(uow.session.scalars(select(LedgerEntry.idempotency_key).where(mine))) == [f"import:{job_id}:{n}" for n in (2, 3, 5)]
    assert upload(admin, SMILE).status_code == 409


@pytest.mark.parametrize("text", [b"", HEADER.encode(), (HEADER + "\n,,,,,\n").encode()])
def test_an_empty_file_is_refused_as_empty(admin, text):
    response = upload(admin, text)
    assert response.status_code == 400
    message = response.get_json()["fields"]["file"]
    assert "empty" in message or "no rows" in message
    assert "choose a CSV file" not in message


def test_an_unclosed_quote_is_a_csv_format_problem_at_its_line(admin):
    text = HEADER + "Ada,Lovelace,ada@example.com,1250,Gold,https://x\n" + 'Neo,Member,"neo@example.com,300,,https://y\n' + "Kay,Other,kay@example.com,75,,https://w\n"
    response = upload(admin, text)
    assert response.status_code == 400
    message = response.get_json()["fields"]["file"]
    assert "line 3" in message and "quote" in message
    assert "email" not in message
