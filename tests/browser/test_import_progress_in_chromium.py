"""The admin follows a real import in headless Chromium: a bar of rows done of total, polls that
fail now and then (a 500, a dropped connection) ridden out, and at the end the customer with no account yet
kept waiting and the refused rows with their reasons."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import go, open_section, shot

pytestmark = pytest.mark.browser

ROWS = 20_000
FIRST = 7520000000000
REFUSED = ("nobody@example.com,,40", ",7520000000002,12", "ada@,,5")


def flaky_polls(page) -> list[str]:
    """The first poll of the import answers 500 and the second never arrives; later ones pass. What each got."""
    seen: list[str] = []

    def answer(route):
        if route.request.method != "GET":
            return route.continue_()
        seen.append("500" if not seen else "dropped" if len(seen) == 1 else "passed")
        if seen[-1] == "500":
            return route.fulfill(status=500, content_type="application/json", body=json.dumps({"message": "HTTP 500"}))
        if seen[-1] == "dropped":
            return route.abort("connectionreset")
        return route.continue_()

    page.route(re.compile(r".*/api/imports/\d+$"), answer)
    return seen


def test_the_admin_follows_an_import_through_failed_polls_to_its_refused_rows(page, live, workers, tmp_path):
    open_section(page, live, "home")
    go(page, "transfer")
    polls = flaky_polls(page)
    csv = tmp_path / "members.csv"
    lines = ["email,customer_id,points"] + [f"m{n}@example.com,{FIRST + n},{n % 700}" for n in range(2, ROWS + 2)]
    csv.write_text("\n".join(lines + list(REFUSED)) + "\n")
    page.set_input_files("#f-file", str(csv))
    page.click("#start-import")

    page.wait_for_selector("#import-retrying:not([hidden])")
    assert "Could not reach Perks" in page.inner_text("#import-retrying")
    assert page.locator("#import-result").count() == 0  # a failed poll is not the import's outcome
    total = len(lines) - 1 + len(REFUSED)
    page.wait_for_function(
        """(total) => {
            const m = (document.getElementById('import-progress-text') || {}).textContent?.match(/^([\\d,]+) of ([\\d,]+) rows done$/);
            if (!m) return false;
            const done = Number(m[1].replace(/,/g, ''));
            return done > 0 && done < total && Number(m[2].replace(/,/g, '')) === total;
        }""",
        arg=total,
        timeout=120_000,
    )
    assert page.locator("#import-retrying").is_hidden()
    width = page.eval_on_selector("#import-progress > div", "bar => parseFloat(bar.style.width)")
    assert 0 < width < 100
    shot(page, "import-progress-bar")

    page.wait_for_selector("#import-result[data-status='done']", timeout=300_000)
    assert polls[:2] == ["500", "dropped"]
    result = page.inner_text("#import-result")
    assert f"Imported {ROWS:,} members" in result and "2 rows were not imported" in result
    # No Shopify customer has nobody@example.com: the 40 points wait for the account, not refused.
    assert "1 customer has no Shopify account yet: their 40 points are kept" in result
    refused = [[cell.inner_text() for cell in row.locator("td").all()] for row in page.locator("#import-errors tbody tr").all()]
    assert [row for row, _ in refused] == [f"{ROWS + 3:,}", f"{ROWS + 4:,}"]
    assert refused[0][1] == "the same member as row 2"
    assert "'ada@' is not an email address" in refused[1][1]
    shot(page, "import-refused-rows")
