"""As people use it, in headless Chromium: a reporter submits, an analyst triages, opens the
campaign and exports it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.live import CHROMIUM, FIXTURES, browser_missing, live_service, login, logout
from tests.browser.live import submit_file as submit_in_browser
from tests.server.conftest import pipeline_missing

_missing = browser_missing() or pipeline_missing()
if _missing and os.environ.get("CI") and browser_missing():
    raise RuntimeError(f"browser tests cannot run under CI: {_missing}")
pytestmark = pytest.mark.skipif(bool(_missing), reason=_missing or "")


@pytest.fixture
def browser_page(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def test_submit_triage_campaign_export(browser_page, tmp_path):
    page = browser_page
    with live_service(tmp_path / "data") as base:
        # A reporter pastes a conversation with profile details and gets a receipt.
        login(page, base, "rita")
        assert page.url.endswith("/submit")
        page.fill("#text", (FIXTURES / "campaign_a.txt").read_text())
        page.fill("input[name=profile_company]", "RiseHR")
        page.click("#send")
        page.wait_for_url("**/receipts/**")
        assert page.inner_text("#receipt-id").startswith("R-")
        assert "Verdict" in page.inner_text("main")
        # ... and uploads an export file; the verdict says what to do next.
        submit_in_browser(page, base, "whatsapp_vivian.txt")
        body = page.inner_text("main")
        assert "High risk" in body and "What to do next" in body
        logout(page)

        # A second reporter elsewhere gets the same template: a campaign forms.
        login(page, base, "rory")
        submit_in_browser(page, base, "campaign_b.txt")
        logout(page)

        # The analyst triages: the queue is sorted by risk, filters work.
        login(page, base, "ana")
        assert page.url.endswith("/queue")
        rows = page.locator("#queue tbody tr")
        assert rows.count() == 3
        levels = [rows.nth(i).inner_text() for i in range(3)]
        assert "high" in levels[0]
        high = sum("high" in text for text in levels)
        page.select_option("select[name=level]", "high")
        page.click("button:has-text('Filter')")
        page.wait_for_load_state()
        filtered = page.locator("#queue tbody tr")
        assert filtered.count() == high  # the filter keeps exactly the high cases
        assert all("high" in filtered.nth(i).inner_text() for i in range(high))
        page.click("#queue tbody tr a")
        page.wait_for_url("**/cases/**")
        assert page.locator("#timeline mark").count() >= 1  # evidence highlighted
        assert "Warning signs" in page.inner_text("main")
        page.select_option("#status", "escalated")
        page.fill("#labels", "csis-referral")
        page.click("#save-triage")
        page.wait_for_url("**notice=saved**")
        assert page.locator("#status").input_value() == "escalated"
        page.fill("#note-text", "Called the reporter; copies kept.")
        page.click("#add-note")
        page.wait_for_load_state()
        assert "Called the reporter; copies kept." in page.inner_text("#notes")

        # The campaign page lists both reporters' cases; export it as STIX.
        page.click("header a:has-text('Campaigns')")
        page.wait_for_url("**/campaigns")
        page.click("#campaigns tbody tr a")
        page.wait_for_url("**/campaigns/**")
        assert page.locator("#campaign-cases tbody tr").count() == 2
        assert "risehr_sarah01" in page.inner_text("main")
        with page.expect_download() as download_info:
            page.click("#export-stix")
        path = download_info.value.path()
        bundle = json.loads(Path(path).read_text(encoding="utf-8"))
        assert bundle["type"] == "bundle"
        assert "risehr_sarah01" in json.dumps(bundle)

        # Full-text search in Chinese from the browser.
        logout(page)
        login(page, base, "rita")
        submit_in_browser(page, base, "approach_zh.txt")
        logout(page)
        login(page, base, "ana")
        page.goto(f"{base}/search?q=报酬")
        assert page.locator("#hits mark").first.inner_text() == "报酬"
