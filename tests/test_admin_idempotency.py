"""Admin writes that move points carry an Idempotency-Key: a repeat (a double click, a retry after a lost
answer, two requests racing) answers what the first answered and writes nothing (issue 17)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import Adjustment, LedgerEntry
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member

ADA, GRACE = 7170000000001, 7170000000002


@pytest.fixture
def adjust(platform, sessions):
    """POST an adjustment as the shop's staff, with the Idempotency-Key given (None: no header)."""
    platform.install()
    add_member(sessions, platform.shop, ADA, email="ada@example.com", first="Ada", points=120)
    token = platform.fake.session_token(platform.shop, user_id="42")

    def post(key: str | None, customer: int = ADA, client=None, **body):
        headers = {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key is not None else {})
        return (client or platform.client).post(f"/api/members/{customer}/adjustments", headers=headers, json=body)

    return post


def entries(sessions, shop: str, kind: str = "adjust") -> list[tuple[int, str]]:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        found = uow.session.execute(
            select(LedgerEntry.points, LedgerEntry.idempotency_key).where(LedgerEntry.shop_id == shop_id, LedgerEntry.kind == kind)
        )
        return sorted((points, key) for points, key in found if not key.startswith("test:"))


def adjustment_rows(sessions) -> int:
    with UnitOfWork(sessions) as uow:
        return uow.session.scalar(select(func.count()).select_from(Adjustment))


def test_the_same_key_twice_writes_one_entry_and_answers_the_first_answer_again(adjust, platform, sessions):
    rows_before = adjustment_rows(sessions)
    first = adjust("click-1", points=7, reason="Parcel late")
    second = adjust("click-1", points=7, reason="Parcel late")
    assert first.status_code == 201, first.get_json()
    assert (second.status_code, second.get_json()) == (first.status_code, first.get_json())
    assert first.get_json()["balance"] == 127
    assert entries(sessions, platform.shop) == [(7, "admin:click-1:adjust")]
    assert adjustment_rows(sessions) == rows_before + 1


def test_the_first_answer_is_answered_again_after_the_balance_moved_on(adjust, platform, sessions):
    first = adjust("click-1", points=7, reason="Parcel late")
    assert adjust("click-2", points=3, reason="Survey").status_code == 201
    again = adjust("click-1", points=7, reason="Parcel late")
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    assert first.get_json()["balance"] == 127


def test_another_key_writes_another_entry(adjust, platform, sessions):
    assert adjust("click-1", points=7, reason="Parcel late").status_code == 201
    second = adjust("click-2", points=7, reason="Parcel late")
    assert second.status_code == 201
    assert second.get_json()["balance"] == 134
    assert entries(sessions, platform.shop) == [(7, "admin:click-1:adjust"), (7, "admin:click-2:adjust")]


@pytest.mark.parametrize("key", [None, "", "has spaces", "x" * 101, "ünïcode"])
def test_a_missing_or_malformed_key_is_refused_with_400_and_writes_nothing(adjust, platform, sessions, key):
    response = adjust(key, points=7, reason="Parcel late")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in body["message"]
    assert entries(sessions, platform.shop) == []


@pytest.mark.parametrize(
    ("customer", "body"),
    [
        (ADA, {"points": 8, "reason": "Parcel late"}),
        (ADA, {"points": 7, "reason": "Other"}),
        (GRACE, {"points": 7, "reason": "Parcel late"}),
    ],
)
def test_a_key_reused_for_another_adjustment_gets_422_and_writes_nothing(adjust, platform, sessions, customer, body):
    assert adjust("click-1", points=7, reason="Parcel late").status_code == 201
    response = adjust("click-1", customer=customer, **body)
    assert response.status_code == 422
    assert response.get_json()["error"] == "key_reused"
    assert entries(sessions, platform.shop) == [(7, "admin:click-1:adjust")]


def test_a_refused_adjustment_keeps_its_key_free_for_the_corrected_one(adjust, platform, sessions):
    assert adjust("click-1", points=0, reason="Parcel late").status_code == 400
    assert adjust("click-1", points=7, reason="Parcel late").status_code == 201
    assert entries(sessions, platform.shop) == [(7, "admin:click-1:adjust")]


def test_keys_are_per_shop(adjust, platform, sessions):
    other = "other-" + platform.shop
    platform.install(other)
    add_member(sessions, other, ADA, email="ada@example.com", points=0)
    assert adjust("click-1", points=7, reason="Parcel late").status_code == 201
    theirs = platform.client.post(
        f"/api/members/{ADA}/adjustments",
        headers={"Authorization": f"Bearer {platform.fake.session_token(other)}", "Idempotency-Key": "click-1"},
        json={"points": 7, "reason": "Parcel late"},
    )
    assert (theirs.status_code, theirs.get_json()["balance"]) == (201, 7)
    assert entries(sessions, other) == [(7, "admin:click-1:adjust")]


def test_two_requests_racing_with_one_key_write_one_entry_and_answer_alike(adjust, platform, sessions):
    answers, start = [], threading.Barrier(4)

    def send():
        client = platform.app.test_client()
        start.wait()
        response = adjust("race-1", client=client, points=7, reason="Parcel late")
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201] * 4, answers
    assert all(body == answers[0][1] for _, body in answers)
    assert entries(sessions, platform.shop) == [(7, "admin:race-1:adjust")]


def test_the_openapi_document_names_the_header_on_the_adjustment(platform):
    doc = platform.client.get("/api/openapi.json").get_json()
    post = doc["paths"]["/api/members/{customer_id}/adjustments"]["post"]
    [header] = [p for p in post["parameters"] if p["in"] == "header"]
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    assert {"400", "422"} <= set(post["responses"])
