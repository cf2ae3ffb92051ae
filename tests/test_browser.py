"""Browser: a served project's API docs in headless Chromium, with no other host reachable.

A newcomer's first step is /docs: sign up, press Authorize, try an endpoint. Pages that load
their scripts from a CDN render blank offline, and only a browser shows it. Chromium is
Debian's package (`apt-get install chromium`), driven by Playwright's Python package; no
browser is downloaded. Each test saves its last screenshot, and the page's console log, in
build/browser/ (the page as it was when a step failed, or the finished page).
"""

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect, sync_playwright

from tests.conftest import SQLITE_INSTALLED, TEMPLATE, InstalledProject
from tests.serving import call, migrated_and_served

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = TEMPLATE / "build" / "browser"
# Generous bounds for a page on a busy machine; not a speed requirement.
STEP_LIMIT_MS = 30_000
USER = {"username": "ada_lovelace", "password": "analytical engine"}

pytestmark = pytest.mark.parametrize(
    "installed_project",
    SQLITE_INSTALLED,
    indirect=True,
)


@dataclass
class Browsing:
    page: Page
    service: str
    console: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # requests to any other host

    def note_request(self, request: Request) -> None:
        if not request.url.startswith((f"{self.service}/", "data:", "blob:")):
            self.elsewhere.append(request.url)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    problem = f"no Chromium at {CHROMIUM}: sudo apt-get install chromium (Debian's package)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{problem}; CI=true needs it (.ci/run installs it)")
    pytest.skip(problem)


@pytest.fixture
def service(installed_project: InstalledProject, tmp_path: Path) -> Iterator[str]:
    require_chromium()
    with migrated_and_served(installed_project, tmp_path) as url:
        yield url


@pytest.fixture
def browsing(service: str, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    """A page in headless Chromium that can reach 127.0.0.1 and nothing else."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                *["--no-sandbox", "--disable-gpu", "--disable-quic"],
                # Every other host name fails to resolve, as on a network without internet.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(STEP_LIMIT_MS)
        browsing = Browsing(page, service)
        page.on("console", lambda note: browsing.console.append(f"{note.type}: {note.text}"))
        page.on("pageerror", lambda error: browsing.console.append(f"error: {error}"))
        page.on("request", browsing.note_request)
        try:
            yield browsing
        finally:
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w-]+", "_", request.node.name)
            page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
            (ARTEFACTS / f"{name}.console.log").write_text("\n".join(browsing.console) + "\n")
            browser.close()


def operation_ids(service: str) -> set[str]:
    status, schema = call(f"{service}/openapi.json")
    assert status == 200, schema
    return {
        operation["operationId"]
        for operations in schema["paths"].values()
        for operation in operations.values()
    }


def test_swagger_ui_signs_in_and_reads_me(browsing: Browsing) -> None:
    page, service = browsing.page, browsing.service
    status, created = call(f"{service}/api/v1/users", json_body=USER)
    assert status == 201, created

    page.goto(f"{service}/docs")
    # Every operation of the API is on the page.
    expect(page.locator(".opblock")).to_have_count(len(operation_ids(service)))

    # Authorize: the OAuth2 password flow logs in through the API's token endpoint.
    page.locator(".auth-wrapper button.authorize").click()
    page.locator("#oauth_username").fill(USER["username"])
    page.locator("#oauth_password").fill(USER["password"])
    page.locator(".auth-btn-wrapper button.authorize").click()
    expect(page.locator(".auth-btn-wrapper button.btn-done")).to_be_visible()
    expect(page.get_by_text("Authorized", exact=True)).to_be_visible()
    page.locator(".auth-btn-wrapper button.btn-done").click()

    # Try it out, then Execute, on GET /api/v1/users/me.
    me = page.locator('.opblock-get:has([data-path="/api/v1/users/me"])')
    me.locator(".opblock-summary").first.click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()

    answer = me.locator(".live-responses-table .response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    body = answer.locator(".response-col_description pre").first
    expect(body).to_contain_text(USER["username"])
    assert json.loads(body.inner_text())["username"] == USER["username"]
    assert browsing.elsewhere == []


def test_redoc_renders_every_operation(browsing: Browsing) -> None:
    page, service = browsing.page, browsing.service

    page.goto(f"{service}/redoc")

    # One section for each operation of the schema, found by its operation id.
    sections = page.locator('.api-content [data-section-id^="operation/"]')
    expected = operation_ids(service)
    expect(sections).to_have_count(len(expected))
    shown = {
        name.removeprefix("operation/")
        for name in sections.evaluate_all(
            "sections => sections.map(section => section.dataset.sectionId)"
        )
    }
    assert shown == expected
    assert browsing.elsewhere == []
