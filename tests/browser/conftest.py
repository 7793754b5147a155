"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live test server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NEEDLEPOINT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("NEEDLEPOINT_ARTIFACTS", "test-artifacts"))

# Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./run test, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def _page(browser, live_server, *, bypass_csp: bool) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page for behaviour tests. It bypasses the app's Content-Security-Policy because
    Playwright's string predicates (wait_for_function) are evaluated with eval(), which the
    policy rightly refuses; tests/browser/test_csp.py checks the policy with `csp_page`."""
    yield from _page(browser, live_server, bypass_csp=True)


@pytest.fixture
def csp_page(browser, live_server) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page under the app's Content-Security-Policy, as a real browser sees it."""
    yield from _page(browser, live_server, bypass_csp=False)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, user: object) -> None:  # type: ignore[no-untyped-def]
    """Staff sign-in through the login form, landing on the day sheet."""
    from tests.conftest import PASSWORD

    page.goto("/account/login/")
    page.fill("#id_username", user.email)  # type: ignore[attr-defined]
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
