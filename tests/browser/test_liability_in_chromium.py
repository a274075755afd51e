"""The liability report in headless Chromium, on the hand-computed shop of tests/test_liability.py: a merchant
picks January 2026, reads the roll-forward with its method and inputs, names the accounts and downloads the journal."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tests.browser.conftest import open_section, shot
from tests.test_liability import build

pytestmark = pytest.mark.browser


def test_a_merchant_reads_januarys_liability_and_downloads_a_balanced_journal(page, live, sessions):
    open_section(page, live, "home")  # installs the shop
    build(sessions, live.shop)
    open_section(page, live, "liability")
    page.fill("#liability-from", "2026-01-01")
    page.fill("#liability-to", "2026-01-31")
    page.wait_for_function("document.getElementById('rf-closing')?.textContent === '$4.80'")

    keys = ("opening", "issued_with_purchases", "redeemed", "breakage", "estimate_change")
    amounts = {key: page.inner_text(f"#rf-{key}") for key in keys}
    assert amounts == dict(zip(keys, ("$6.00", "$7.50", "-$9.00", "-$3.00", "$0.30"), strict=True))
    assert "$6.00" in page.inner_text("#l-outstanding") and "300 points at $0.02 each" in page.inner_text("#l-outstanding")
    assert page.inner_text("#l-breakage .value") == "20.0%"
    method = page.inner_text("#l-method")
    assert "$0.015 in this period" in method and "IFRS 15.B42" in method
    inputs = page.inner_text("#l-inputs")
    assert "1,200" in inputs and "300 expired: breakage 20.00%" in inputs  # the closing estimate's redeemed and expired
    assert "half-to-even" in page.inner_text("#l-rounding")

    page.fill("#f-deferred_revenue", "2400 Loyalty points")
    page.click("#accounts-form-save")
    page.wait_for_function("document.getElementById('toast').textContent === 'Accounts saved'")
    with page.expect_download() as download:
        page.click("#download-journal")
    assert download.value.suggested_filename == "perks-loyalty-journal-2026-01-01-2026-01-31.csv"
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert {r["date"] for r in rows} == {"2026-01-31"}
    assert sum(Decimal(r["debit"] or 0) for r in rows) == sum(Decimal(r["credit"] or 0) for r in rows) == Decimal("22.80")
    assert {r["account"] for r in rows} == {"2400 Loyalty points", "Revenue", "Marketing expense \N{EN DASH} loyalty points"}
    page.wait_for_selector("#toast", state="hidden")  # the screenshot shows the report, not the toast over it
    shot(page, "20-liability")
