"""Imports as real exports come: customers Perks has not met yet, found in Shopify by email or their balance held until
their account appears; what each app's export carries besides the balance; a dry run first; refused rows downloadable;
empty files and broken quotes named for what they are."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from perks_dev import shopify_payloads as shopify
from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.earn.models import MemberBirthday
from shopify_app.ledger import transfer
from shopify_app.ledger.models import GuestEmail, ImportedBalance, ImportJob, LedgerEntry, Member
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member
from tests.test_admin_transfer import wait_for_import
from webhooks.handlers import HANDLERS

ADA = 7300000000001
NEW, OTHER, LATER = 7300000000021, 7300000000022, 7300000000023
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


def imported(admin: Admin, redis, text: str) -> dict:
    response = upload(admin, text)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]
    wait_for_import(redis, job_id)
    return admin.get(f"/api/imports/{job_id}").get_json()["job"]


def counts(job: dict) -> tuple:
    keys = ("status", "matched_members", "new_members", "pending_rows", "refused_rows", "points_imported", "pending_points")
    return tuple(job[key] for key in keys)


def test_customers_perks_has_not_met_are_found_in_shopify_by_email_and_made_members(admin, sessions, redis, workers):
    job = imported(admin, redis, SMILE)
    assert (job["imported_rows"], job["total_rows"]) == (3, 4)
    # Ada was a member; Neo and Kay are Shopify customers Perks had not met; nobody@ has no account yet.
    assert counts(job) == ("done", 1, 2, 1, 0, 1625, 40)
    assert members(sessions, admin.shop) == {
        ADA: ("ada@example.com", "Ada", 1260),
        NEW: ("neo@example.com", "Neo", 300),
        OTHER: ("kay@example.com", "Kay", 75),
    }
    # Rows found in Shopify are keyed as any row: the file again credits nothing twice.
    with UnitOfWork(sessions) as uow:
        mine = LedgerEntry.idempotency_key.like(f"import:{job['id']}:%")
        assert sorted(uow.session.scalars(select(LedgerEntry.idempotency_key).where(mine))) == [
            f"import:{job['id']}:{n}" for n in (2, 3, 5)
        ]
    assert upload(admin, SMILE).status_code == 409


def held(sessions, job_id: int) -> list[tuple[str, int, str]]:
    with UnitOfWork(sessions) as uow:
        rows = uow.session.execute(
            select(ImportedBalance.email, ImportedBalance.points, ImportedBalance.status).where(ImportedBalance.job_id == job_id)
        )
        return sorted(tuple(row) for row in rows)


def test_a_balance_held_for_an_email_is_credited_once_when_the_customers_account_is_made(admin, sessions, redis, workers):
    job = imported(admin, redis, SMILE)
    assert ("nobody@example.com", 40, "pending") in held(sessions, job["id"])
    for topic in ("customers/create", "customers/update"):
        with UnitOfWork(sessions) as uow:
            HANDLERS[topic](uow.session, admin.shop, shopify.customer(LATER, "Nobody@Example.com", first_name="Nobody"))
            uow.commit()
    assert members(sessions, admin.shop)[LATER] == ("nobody@example.com", "Nobody", 40)
    assert ("nobody@example.com", 40, "credited") in held(sessions, job["id"])
    with UnitOfWork(sessions) as uow:
        [entry] = uow.session.scalars(select(LedgerEntry).where(LedgerEntry.idempotency_key == f"import:{job['id']}:4"))
        assert (entry.points, entry.kind, entry.reason) == (40, "import", "Imported from Smile.io")


def test_a_balance_held_for_an_email_is_credited_by_the_customers_first_order(admin, sessions, redis, workers):
    job = imported(admin, redis, SMILE)
    with UnitOfWork(sessions) as uow:
        HANDLERS["orders/paid"](uow.session, admin.shop, shopify.order_paid(5001, LATER, email="nobody@example.com"))
        uow.commit()
    assert members(sessions, admin.shop)[LATER][2] >= 40
    assert ("nobody@example.com", 40, "credited") in held(sessions, job["id"])
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(LedgerEntry.points).where(LedgerEntry.idempotency_key == f"import:{job['id']}:4")) == 40


def test_a_dry_run_says_what_the_import_would_do_and_writes_nothing_then_imports_as_it_said(admin, sessions, redis, workers):
    bad = SMILE + "Bad,Row,not-an-email,10,,https://v\n"
    response = admin.post(
        "/api/imports?dry_run=true", data={"file": (io.BytesIO(bad.encode()), "smile.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 202, response.get_json()
    tried = response.get_json()["job"]
    wait_for_import(redis, tried["id"])
    tried = admin.get(f"/api/imports/{tried['id']}").get_json()["job"]
    assert tried["dry_run"] is True
    assert counts(tried) == ("done", 1, 2, 1, 1, 1625, 40)
    assert tried["errors"][0]["row"] == 6 and "'not-an-email' is not an email address" in tried["errors"][0]["message"]
    # Nothing written: no member made, no point credited, nothing held, no email locked.
    assert members(sessions, admin.shop) == {ADA: ("ada@example.com", "Ada", 10)}
    with UnitOfWork(sessions) as uow:
        for table in (ImportedBalance, GuestEmail):
            assert (
                uow.session.scalar(
                    select(func.count()).select_from(table).where(table.shop_id == installed_shop(uow.session, admin.shop).id)
                )
                == 0
            ), table

    # A dry run does not stand in the way of the import; the import is made from the file it read.
    started = admin.post(f"/api/imports/{tried['id']}/import")
    assert started.status_code == 202, started.get_json()
    real = started.get_json()["job"]
    wait_for_import(redis, real["id"])
    real = admin.get(f"/api/imports/{real['id']}").get_json()["job"]
    assert (real["dry_run"], counts(real)) == (False, counts(tried))
    assert members(sessions, admin.shop)[NEW] == ("neo@example.com", "Neo", 300)
    assert admin.post(f"/api/imports/{tried['id']}/import").status_code == 409
    with UnitOfWork(sessions) as uow:
        assert uow.session.get(ImportJob, tried["id"]).content == ""  # the emails moved to the import's job


def test_the_refused_rows_download_as_csv_with_their_reasons(admin, redis, workers):
    job = imported(admin, redis, SMILE + "Bad,Row,not-an-email,10,,https://v\nNeo,Again,neo@example.com,5,,https://u\n")
    download = admin.get(f"/api/imports/{job['id']}/refused.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert 'filename="smile-refused-rows.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    # Why, then the row as the file had it: the merchant fixes the cells and imports the file again.
    assert rows == [
        ["row", "why it was skipped", "First name", "Last name", "Email", "Points balance", "VIP tier name", "Referral url"],
        ["6", "email 'not-an-email' is not an email address", "Bad", "Row", "not-an-email", "10", "", "https://v"],
        ["7", "the same member as row 3", "Neo", "Again", "neo@example.com", "5", "", "https://u"],
    ]
    assert transfer.layout_of(download.get_data(as_text=True)).name == "smile.io"
    assert "cells" not in job["errors"][0]  # the answer lists reasons; the cells are for the download
    assert admin.get("/api/imports/999999999/refused.csv").status_code == 404


YOTPO = (
    "Email,First Name,Last Name,Points Balance,Points Earned,VIP Tier,Birthday\n"
    "ada@example.com,Ada,Lovelace,80,500,Gold,12/10\n"
    "nobody@example.com,No,Body,20,45,,02/29/1996\n"
)


def test_what_an_export_carries_besides_the_balance_is_kept_and_the_birthday_given(admin, sessions, redis, workers):
    job = imported(admin, redis, YOTPO)
    assert counts(job) == ("done", 1, 0, 1, 0, 80, 20)
    with UnitOfWork(sessions) as uow:
        kept = uow.session.execute(
            select(ImportedBalance.email, ImportedBalance.lifetime_points, ImportedBalance.tier, ImportedBalance.birth_month)
            .add_columns(ImportedBalance.birth_day, ImportedBalance.birth_year)
            .where(ImportedBalance.job_id == job["id"])
            .order_by(ImportedBalance.email)
        ).all()
        assert [tuple(k) for k in kept] == [("ada@example.com", 500, "Gold", 12, 10, None), ("nobody@example.com", 45, None, 2, 29, 1996)]
        ada = uow.session.scalar(
            select(Member).where(Member.customer_id == ADA, Member.shop_id == installed_shop(uow.session, admin.shop).id)
        )
        birthday = uow.session.get(MemberBirthday, ada.id)
        assert (birthday.month, birthday.day, birthday.year) == (12, 10, None)


@pytest.mark.parametrize(
    ("layout_row", "expected"),
    [
        # Smile.io writes the year 1004 when the customer gave none.
        ("First name,Last name,Email,Points balance,Date of birth\nA,B,a@example.com,5,1004-05-27\n", (None, (5, 27, None), None)),
        ("First name,Last name,Email,Points balance,Date of birth\nA,B,a@example.com,5,1990-12-25\n", (None, (12, 25, 1990), None)),
        (
            "merchant_id,email,points_approved,points_spent,birthday,tier\n7300000000009,a@example.com,300,120,1988-01-02,Silver\n",
            (420, (1, 2, 1988), None),
        ),
        ("email,points,lifetime_points,birthday,referrals\na@example.com,5,900,07/04,3\n", (900, (7, 4, None), 3)),
    ],
)
def test_each_layout_carries_lifetime_points_birthday_and_referrals_as_far_as_it_has_them(layout_row, expected):
    _, [row], errors = transfer.parse(layout_row)
    assert errors == []
    assert (row.carried.lifetime_points, row.carried.birthday, row.carried.referrals) == expected


def test_a_bad_birthday_or_count_refuses_its_row_with_the_reason():
    text = "email,points,lifetime_points,birthday,referrals\na@example.com,5,lots,13/40,-1\n"
    _, rows, [error] = transfer.parse(text)
    assert rows == []
    assert "lifetime points 'lots'" in error.message
    assert "birthday '13/40' is not a date" in error.message
    assert "referrals '-1'" in error.message


@pytest.mark.parametrize("text", [b"", HEADER.encode(), (HEADER + "\n,,,,,\n").encode()])
def test_an_empty_file_is_refused_as_empty(admin, text):
    response = upload(admin, text)
    assert response.status_code == 400
    message = response.get_json()["fields"]["file"]
    assert "empty" in message or "no rows" in message
    assert "choose a CSV file" not in message


def test_an_unclosed_quote_is_a_csv_format_problem_at_its_line(admin):
    text = (
        HEADER
        + "Ada,Lovelace,ada@example.com,1250,Gold,https://x\n"
        + 'Neo,Member,"neo@example.com,300,,https://y\n'
        + "Kay,Other,kay@example.com,75,,https://w\n"
    )
    response = upload(admin, text)
    assert response.status_code == 400
    message = response.get_json()["fields"]["file"]
    assert "line 3" in message and "quote" in message
    assert "email" not in message
