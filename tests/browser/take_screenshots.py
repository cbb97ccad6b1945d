"""Screenshots of the main pages for docs/service.md, taken from a real service in headless
Chromium with the test fixtures: `python tests/browser/take_screenshots.py [out_dir]`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.browser.live import (  # noqa: E402
    CHROMIUM,
    FIXTURES,
    live_service,
    login,
    logout,
    submit_file,
)


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_service(Path(tmp)) as base, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 820})

        def shot(name: str) -> None:
            page.screenshot(path=str(out / f"{name}.png"))

        login(page, base, "rita")
        page.fill("#text", (FIXTURES / "campaign_a.txt").read_text())
        page.fill("input[name=profile_company]", "RiseHR")
        shot("submit")
        page.click("#send")
        page.wait_for_url("**/receipts/**")
        submit_file(page, base, "whatsapp_vivian.txt")
        submit_file(page, base, "forwarded.eml")
        submit_file(page, base, "approach_zh.txt")
        shot("receipt")
        logout(page)
        login(page, base, "rory")
        submit_file(page, base, "campaign_b.txt")
        page.goto(f"{base}/submit")
        page.fill("#text", (FIXTURES / "recruiter_benign.txt").read_text())
        page.click("#send")
        page.wait_for_url("**/receipts/**")
        logout(page)
        login(page, base, "ana")
        shot("queue")
        page.click("#queue tbody tr a")
        page.wait_for_url("**/cases/**")
        page.locator("#timeline li").nth(8).scroll_into_view_if_needed()
        shot("case")
        page.goto(f"{base}/campaigns")
        page.click("#campaigns tbody tr a")
        page.wait_for_url("**/campaigns/**")
        shot("campaign")
        page.goto(f"{base}/search?q=报酬")
        shot("search")
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
