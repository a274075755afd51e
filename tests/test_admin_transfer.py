"""Moving in and out: other apps' CSV exports detected and imported by a worker, bad rows refused with their reasons;
members and ledger exported."""

from __future__ import annotations

import csv
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from rq.job import Job
from rq.results import Result
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger import transfer
from shopify_app.ledger.import_jobs import import_job_id, import_with, stopped
from shopify_app.ledger.models import ImportJob, LedgerEntry, Member
from shopify_app.shop.shops import installed_shop
from tests.admin_support import Admin, add_member

ADA, GRACE = 7300000000001, 7300000000002

SMILE = "First name,Last name,Email,Points balance,VIP tier name,Referral url\nAda,Lovelace,ada@example.com,1250,Gold,https://x\n"
LOYALTYLION = (
    "merchant_id,email,first_name,last_name,points_approved,points_pending,points_spent,tier\n"
    "7300000000009,new@example.com,Neo,Member,300,20,0,Silver\n"
)
YOTPO = "Email,First Name,Last Name,Points Balance,Points Earned,Points Redeemed,VIP Tier\ngrace@example.com,Grace,Hopper,80,500,420,\n"
PLAIN = "email,customer_id,points,tier\nada@example.com,,5,\n,7300000000002,7,\n"


@pytest.mark.parametrize(("text", "layout"), [(SMILE, "smile.io"), (LOYALTYLION, "loyaltylion"), (YOTPO, "yotpo"), (PLAIN, "plain")])
def test_each_apps_export_is_told_apart_by_its_columns(text, layout):
    assert transfer.layout_of(text).name == layout


def test_a_loyaltylion_row_carries_the_shopify_customer_and_its_approved_points():
    _, [row], errors = transfer.parse(LOYALTYLION)
    assert errors == []
    assert (row.customer_id, row.email, row.points, row.carried.tier, row.first_name) == (
        7300000000009,
        "new@example.com",
        300,
        "Silver",
        "Neo",
    )
    # Approved and spent: what the customer earned at LoyaltyLion over their lifetime.
    assert row.carried.lifetime_points == 300


def test_a_file_of_no_known_layout_is_refused_whole():
    with pytest.raises(transfer.UnreadableFile, match="no known layout"):
        transfer.layout_of("name,balance\nAda,5\n")


def test_bad_rows_are_each_named_with_their_line_and_problem():
    text = "email,points\nada@example.com,1,250\nnot-an-email,5\ngrace@example.com,-3\n,4\nalan@example.com,12.0\n"
    _, rows, errors = transfer.parse(text)
    assert [(e.line, e.message) for e in errors] == [
        (3, "email 'not-an-email' is not an email address"),
        (4, "points '-3' is not a whole number of 0 or more"),
        (5, "needs an email or a customer id"),
    ]
    # "1,250" in a CSV is two cells, so points is "1"; "12.0" is 12 as a spreadsheet writes it.
    assert [(r.line, r.points) for r in rows] == [(2, 1), (6, 12)]


def test_an_export_is_safe_to_open_in_a_spreadsheet():
    [line] = list(transfer.csv_text([["=HYPERLINK(1)", "-5", "-x", "@a", "ok"]]))
    assert next(csv.reader(io.StringIO(line))) == ["'=HYPERLINK(1)", "-5", "'-x", "'@a", "ok"]


@pytest.fixture
def admin(platform, sessions) -> Admin:
    platform.install()
    add_member(sessions, platform.shop, ADA, email="ada@example.com", first="Ada", points=10)
    add_member(sessions, platform.shop, GRACE, email="grace@example.com", first="Grace")
    return Admin(platform, platform.shop)


def wait_for_import(redis, job_id: int) -> None:
    result = Result.fetch_latest(Job(import_job_id(job_id), connection=redis), timeout=30)
    assert result is not None and result.type == Result.Type.SUCCESSFUL, result and result.exc_string


def balances(sessions, shop: str) -> dict[str, int]:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        return dict(uow.session.execute(select(Member.email, Member.points_balance).where(Member.shop_id == shop_id)).all())


def test_a_smile_export_is_imported_by_a_worker_and_credited_through_the_ledger(admin, sessions, redis, workers):
    text = SMILE + "Grace,Hopper,GRACE@example.com,80,,https://y\n"
    response = admin.post("/api/imports", data={"file": (io.BytesIO(text.encode()), "smile.csv")}, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    job = response.get_json()["job"]
    assert (job["layout"], job["status"], job["filename"]) == ("smile.io", "queued", "smile.csv")
    wait_for_import(redis, job["id"])

    job = admin.get(f"/api/imports/{job['id']}").get_json()["job"]
    assert (job["status"], job["imported_rows"], job["points_imported"], job["errors"]) == ("done", 2, 1330, [])
    assert job["progress"] == {"done": 2, "total": 2}
    assert balances(sessions, admin.shop) == {"ada@example.com": 1260, "grace@example.com": 80}
    history = admin.get(f"/api/members/{ADA}").get_json()["history"]
    assert (history[0]["points"], history[0]["kind"], history[0]["reason"]) == (1250, "import", "Imported from Smile.io")


def test_a_loyaltylion_export_creates_the_members_it_names_by_customer_id(admin, sessions, redis, workers):
    job = admin.post("/api/imports", data=LOYALTYLION, content_type="text/csv").get_json()["job"]
    wait_for_import(redis, job["id"])
    assert balances(sessions, admin.shop)["new@example.com"] == 300


def test_a_file_with_bad_rows_imports_the_rest_and_names_each_refused_row_with_its_reason(admin, sessions, redis, workers):
    text = "email,points\nada@example.com,100\nnobody@example.com,5\ngrace@example.com,lots\nnot-an-email,3\n"
    job = admin.post("/api/imports", data=text, content_type="text/csv").get_json()["job"]
    wait_for_import(redis, job["id"])
    job = admin.get(f"/api/imports/{job['id']}").get_json()["job"]
    assert (job["status"], job["imported_rows"], job["pending_rows"], job["refused_rows"]) == ("done", 1, 1, 2)
    assert job["progress"] == {"done": 4, "total": 4}
    assert [e["row"] for e in job["errors"]] == [4, 5]
    assert "'lots'" in job["errors"][0]["message"]
    assert "'not-an-email' is not an email address" in job["errors"][1]["message"]
    assert balances(sessions, admin.shop) == {"ada@example.com": 110, "grace@example.com": 0}


def test_the_same_member_twice_in_a_file_is_refused_not_credited_twice(admin, sessions, redis, workers):
    text = "email,customer_id,points\nada@example.com,,5\n,7300000000001,6\n"
    job = admin.post("/api/imports", data=text, content_type="text/csv").get_json()["job"]
    wait_for_import(redis, job["id"])
    job = admin.get(f"/api/imports/{job['id']}").get_json()["job"]
    assert (job["status"], job["errors"]) == ("done", [{"row": 3, "message": "the same member as row 2"}])
    assert balances(sessions, admin.shop)["ada@example.com"] == 15


def test_an_import_run_twice_or_after_a_crash_credits_each_row_once(admin, sessions):
    job = admin.post("/api/imports", data=PLAIN, content_type="text/csv").get_json()["job"]
    with UnitOfWork(sessions) as uow:
        # A worker that wrote every row and died before committing leaves nothing behind.
        _, rows, _ = transfer.parse(PLAIN)
        transfer.import_chunk(uow.session, installed_shop(uow.session, admin.shop).id, job["id"], "test", rows, transfer.Imported())
    with UnitOfWork(sessions) as uow:
        # One that committed the first row and died: the run again starts from the first row.
        transfer.import_chunk(uow.session, installed_shop(uow.session, admin.shop).id, job["id"], "test", rows[:1], transfer.Imported())
        uow.commit()
    assert import_with(sessions, job["id"]) == "done"
    assert import_with(sessions, job["id"]) == "done"
    assert balances(sessions, admin.shop) == {"ada@example.com": 15, "grace@example.com": 7}
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalar(select(func.count()).where(LedgerEntry.idempotency_key.like(f"import:{job['id']}:%"))) == 2
    assert admin.get(f"/api/imports/{job['id']}").get_json()["job"]["imported_rows"] == 2


def test_the_same_file_after_an_import_that_stopped_goes_on_under_the_same_job_and_credits_nothing_twice(admin, sessions, redis, workers):
    with UnitOfWork(sessions) as uow:
        # A run that wrote its first row, then met the database going away on every retry.
        shop_id = installed_shop(uow.session, admin.shop).id
        job = ImportJob(shop_id=shop_id, actor="staff", content=PLAIN, digest=hashlib.sha256(PLAIN.encode()).hexdigest(), status="running")
        uow.session.add(job)
        uow.session.flush()
        _, rows, _ = transfer.parse(PLAIN)
        transfer.import_chunk(uow.session, shop_id, job.id, "test", rows[:1], transfer.Imported())
        uow.commit()
    stopped(sessions, job.id, OperationalError("INSERT", {}, Exception("server closed the connection")))
    shown = admin.get(f"/api/imports/{job.id}").get_json()["job"]
    assert shown["status"] == "failed"
    assert "import the same file again to go on" in shown["errors"][0]["message"]

    again = admin.post("/api/imports", data=PLAIN, content_type="text/csv")
    assert again.status_code == 202
    assert (again.get_json()["job"]["id"], again.get_json()["job"]["status"]) == (job.id, "queued")
    wait_for_import(redis, job.id)
    assert admin.get(f"/api/imports/{job.id}").get_json()["job"]["status"] == "done"
    assert balances(sessions, admin.shop) == {"ada@example.com": 15, "grace@example.com": 7}


def test_the_same_file_is_not_imported_twice(admin, sessions):
    first = admin.post("/api/imports", data=PLAIN, content_type="text/csv").get_json()["job"]
    assert import_with(sessions, first["id"]) == "done"
    again = admin.post("/api/imports", data=PLAIN, content_type="text/csv")
    assert again.status_code == 409
    assert "already imported" in again.get_json()["fields"]["file"]


def test_a_file_being_imported_is_not_queued_a_second_time(admin):
    assert admin.post("/api/imports", data=PLAIN, content_type="text/csv").status_code == 202
    again = admin.post("/api/imports", data=PLAIN, content_type="text/csv")
    assert again.status_code == 409
    assert "being imported now" in again.get_json()["fields"]["file"]


def test_the_same_file_uploaded_at_the_same_moment_is_queued_once(admin, sessions):
    def upload(_):
        client = admin.platform.app.test_client()  # a browser tab each
        return client.post("/api/imports", data=PLAIN, content_type="text/csv", headers=admin.headers()).status_code

    with ThreadPoolExecutor(8) as pool:
        answers = sorted(pool.map(upload, range(8)))
    assert answers == [202] + [409] * 7
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, admin.shop).id
        assert uow.session.scalar(select(func.count()).where(ImportJob.shop_id == shop_id)) == 1


def test_a_file_that_is_no_known_layout_is_refused_before_it_is_queued(admin):
    response = admin.post("/api/imports", data="name,balance\nAda,5\n", content_type="text/csv")
    assert response.status_code == 400
    assert "no known layout" in response.get_json()["fields"]["file"]
    assert admin.post("/api/imports", data="", content_type="text/csv").status_code == 400
    assert admin.post("/api/imports", data=b"\xff\xfe\x00", content_type="text/csv").status_code == 400


def test_members_and_ledger_export_as_csv_and_the_members_file_imports_back(admin, sessions):
    members = admin.get("/api/exports/members.csv")
    assert members.mimetype == "text/csv" and "attachment" in members.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(members.get_data(as_text=True))))
    assert {(r["customer_id"], r["email"], r["points"]) for r in rows} == {
        (str(ADA), "ada@example.com", "10"),
        (str(GRACE), "grace@example.com", "0"),
    }
    assert transfer.layout_of(members.get_data(as_text=True)).name == "plain"

    ledger_rows = list(csv.DictReader(io.StringIO(admin.get("/api/exports/ledger.csv").get_data(as_text=True))))
    assert [(r["customer_id"], r["points"], r["kind"], r["reason"]) for r in ledger_rows] == [(str(ADA), "10", "adjust", "Welcome gift")]
