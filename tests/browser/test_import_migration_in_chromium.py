"""A move from Smile.io in headless Chromium, as a merchant makes it: a dry run of the export first (a member Perks has,
a Shopify customer it has not met, an email with no account yet, a bad row), nothing written; then the import of that
same file from the dry run's answer; the skipped rows downloaded as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from shopify_app.core.unit_of_work import UnitOfWork
from shopify_app.ledger.models import Member
from shopify_app.shop.shops import installed_shop
from tests.admin_support import add_member
from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser

ADA, NEO = 7600000000001, 7600000000002
EXPORT = (
    "First name,Last name,Email,Points balance,VIP tier name,Referral url,Date of birth\n"
    "Ada,Lovelace,ada@example.com,1250,Gold,http://i.refs.cc/a,1004-12-10\n"
    "Neo,Anderson,neo@example.com,300,Silver,http://i.refs.cc/n,\n"
    "Nobody,Yet,nobody@example.com,40,,http://i.refs.cc/y,\n"
    "Bob,,bob@,30,,http://i.refs.cc/b,\n"
)


def balances(sessions, shop: str) -> dict[int, int]:
    with UnitOfWork(sessions) as uow:
        shop_id = installed_shop(uow.session, shop).id
        return dict(uow.session.execute(select(Member.customer_id, Member.points_balance).where(Member.shop_id == shop_id)).all())


def test_a_smile_export_is_tried_first_then_imported_and_its_skipped_rows_downloaded(page, live, sessions, workers, tmp_path):
    open_section(page, live, "home")
    add_member(sessions, live.shop, ADA, email="ada@example.com", first="Ada", last="Lovelace")
    live.fake.state.add_customer(live.shop, id=NEO, email="neo@example.com", first_name="Neo", last_name="Anderson")
    go(page, "transfer")
    export = tmp_path / "smile-customers.csv"
    export.write_text(EXPORT)
    page.set_input_files("#f-file", str(export))

    page.click("#dry-run-import")
    page.wait_for_selector("#import-result[data-status='dry-run']")
    result = page.inner_text("#import-result")
    assert "Dry run of smile-customers.csv, a Smile.io export: nothing has been written" in result and "1,550 points now" in result
    counts = {row.locator("th").inner_text(): row.locator("td.num").inner_text() for row in page.locator("#dry-run-counts tr").all()}
    assert counts == {"Members Perks has": "1", "New members": "1", "Waiting for an account": "1", "Skipped": "1"}
    assert "40 points kept" in page.inner_text("#dry-run-counts")
    assert "'bob@' is not an email address" in page.inner_text("#import-errors")
    assert page.inner_text("#import-dry-run") == "Import 3 rows"
    assert balances(sessions, live.shop) == {ADA: 0}  # the dry run wrote nothing
    shot(page, "60-import-dry-run")

    page.click("#import-dry-run")
    page.wait_for_selector("#import-result[data-status='done']")
    result = page.inner_text("#import-result")
    assert "Imported 2 members and 1,550 points from a Smile.io export." in result
    assert "1 customer has no Shopify account yet: their 40 points are kept" in result
    assert "1 row was not imported" in result
    assert balances(sessions, live.shop) == {ADA: 1250, NEO: 300}
    page.wait_for_selector("#recent-imports tr:has-text('dry run done')")
    shot(page, "61-import-done-with-a-customer-waiting")

    with page.expect_download() as download:
        page.click("#download-refused")
    assert download.value.suggested_filename == "smile-customers-refused-rows.csv"
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][:3] == ["row", "why it was skipped", "First name"]
    assert rows[1][:5] == ["5", "email 'bob@' is not an email address", "Bob", "", "bob@"]
    # The file as the merchant opens it, looked at as text.
    opened = page.context.new_page()
    opened.set_content("<pre style='font: 16px monospace; padding: 16px'></pre>")
    opened.eval_on_selector("pre", "(pre, text) => { pre.textContent = text; }", download.value.path().read_text())
    shot(opened, "62-import-skipped-rows-downloaded")
