"""End to end in a real headless Chromium (Debian's package, driven by Playwright).

Sign in with a one-time link, filter, select three cases, confirm them, see them confirmed,
escalate them (pick recipients, preview, send), see them in the escalations view, merge two
others, switch the pages to Japanese, and be refused when the link is used again. Chromium
missing is a failure, never a skip.

With ``LEAKDESK_SCREENSHOTS=DIR`` the run also saves a screenshot of each main page there
(``python docs/screenshots.py`` regenerates ``docs/screenshots/`` this way).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.cli.runner import leakdesk
from tests.web.server import running

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _shot(page: Page, name: str) -> None:
    """Save a screenshot of ``page`` as NAME.png when LEAKDESK_SCREENSHOTS names a folder."""
    folder = os.environ.get("LEAKDESK_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _report(tmp_path: Path, db: str, *urls: str) -> list[str]:
    made = leakdesk("report", *urls, "--creator", "alice", "--json", db=db, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    return [json.loads(line)["case_code"] for line in made.stdout.splitlines()]


def test_sign_in_filter_select_confirm_and_refuse_a_reused_link(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: apt-get install -y chromium (see .ci/run)"
    db = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    wanted = _report(tmp_path, db, *(f"https://mega.nz/file/leak{n}#key{n}" for n in range(3)))
    others = _report(tmp_path, db, "https://x.com/u/status/1", "https://x.com/u/status/2")
    agent = leakdesk("creator", "set", "alice", "--signer", "Alice A", "--email",
                     "alice@example.org", "--jurisdiction", "US", db=db, cwd=tmp_path)  # fmt: skip
    assert agent.returncode == 0, agent.stderr

    with running("web", db=db, cwd=tmp_path) as (base, _process):
        made = leakdesk("web-link", "--moderator", "discord:4242", "--creator", "alice",
                        db=db, cwd=tmp_path, env={"LEAKDESK_WEB_URL": base})  # fmt: skip
        link = made.stdout.strip()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_FLAGS
            )
            try:
                page = browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.goto(link)
                page.click("#signin")
                expect(page.locator("header .who")).to_contain_text("discord:4242")
                rows = page.locator("#queue tbody tr[data-code]")
                expect(rows).to_have_count(5)
                assert page.evaluate("typeof htmx.version") == "string"  # vendored, served

                _shot(page, "queue")
                page.fill("input[name=host]", "mega.nz")
                page.click("#apply")
                expect(rows).to_have_count(3)
                for code in wanted:
                    page.check(f"input[name=codes][value='{code}']")
                page.click("#confirm")
                expect(page.locator("#results")).to_contain_text("3 of 3 case(s) done")
                # htmx boosted the form: the address is the filtered queue, safe to reload
                assert page.url.startswith(f"{base}/?") and "host=mega.nz" in page.url
                for code in wanted:
                    status = page.locator(f"#queue tr[data-code='{code}'] td.status")
                    expect(status).to_have_text("confirmed")

                for code in wanted:  # escalate them: recipients, packets, send
                    page.check(f"input[name=codes][value='{code}']")
                page.click("#escalate")
                expect(page.locator("#preview")).to_contain_text("MEGA")
                _shot(page, "escalate-recipients")
                page.click("#preview-packets")
                expect(page.locator("section.packet").first).to_contain_text("abuse@mega.io")
                _shot(page, "escalate-packets")
                page.click("#send-emails")
                expect(page.locator("#sent-summary")).to_contain_text("request(s) recorded")
                page.click("text=Follow them in Escalations")
                for code in wanted:
                    expect(
                        page.locator(f"#escalations tr:has(a:text('{code}'))")
                    ).not_to_have_count(0)
                expect(page.locator("#escalations")).to_contain_text("mega-abuse")
                _shot(page, "escalations")
                page.goto(f"{base}/charts")
                expect(page.locator(".charts img")).to_have_count(4)
                page.wait_for_load_state("networkidle")
                _shot(page, "charts")

                page.goto(f"{base}/")  # unfiltered again: the others are untouched
                for code in others:
                    expect(page.locator(f"#queue tr[data-code='{code}'] td.status")).to_have_text(
                        "open"
                    )
                for code in others:  # merge them: the oldest selected is kept
                    page.check(f"input[name=codes][value='{code}']")
                page.click("#merge")
                expect(page.locator("#results")).to_contain_text("1 of 1 case(s) done")
                expect(page.locator("#merge-target")).to_have_text(others[0])
                expect(page.locator(f"#queue tr[data-code='{others[1]}']")).to_have_count(0)
                page.goto(f"{base}/cases/{wanted[0]}")
                expect(page.locator("#trail")).to_contain_text("discord:4242")
                _shot(page, "case")
                page.click("#languages a[hreflang='ja']")  # the reader's choice, in a cookie
                expect(page.locator("html")).to_have_attribute("lang", "ja")
                expect(page.locator("h2").first).to_have_text("リンク")
                page.click("header nav a[href='/']")  # a boosted link: still Japanese
                expect(page.locator("#apply")).to_have_text("適用")
                assert errors == []  # no script or style blocked by the page's CSP

                fresh = browser.new_page()  # someone else opens the same link later
                response = fresh.goto(link)
                assert response is not None and response.status == 410
                expect(fresh.locator("h1")).to_have_text("Sign-in link refused")
                expect(fresh.locator("#signin")).to_have_count(0)
            finally:
                browser.close()

    listed = leakdesk("cases", "--status", "confirmed", "--json", db=db, cwd=tmp_path)
    assert sorted(json.loads(line)["code"] for line in listed.stdout.splitlines()) == sorted(wanted)
