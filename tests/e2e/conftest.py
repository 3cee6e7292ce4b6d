"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The demo data (`load_demo`, with its candidate partnerships scored) is loaded once per
session, dumped, and restored into each test's database with `loaddata`, so every test
starts from the same demo state in a few seconds instead of re-scoring it.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("PARKLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEMO_PASSWORD = "parklink-demo-2025"  # the published demo credential of load_demo
# Tables that migrations or Django itself fill; everything else comes from the dump.
DUMP_EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]

_demo_dump: dict[str, Path] = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: a browser test (Playwright driving Chromium)")


@pytest.fixture(scope="session")
def browser(_initial_db_content) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def demo(transactional_db, django_db_serialized_rollback):
    """The demo data set, scored, in this test's database."""
    from matchmaking.models import Match

    dump = _demo_dump.get("path")
    if dump is None:
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        if not Match.objects.exists():
            call_command("rescore", stdout=open(os.devnull, "w"))  # noqa: SIM115
        handle, name = tempfile.mkstemp(prefix="parklink-demo-", suffix=".json")
        os.close(handle)
        dump = Path(name)
        call_command("dumpdata", exclude=DUMP_EXCLUDE, output=str(dump), verbosity=0)
        _demo_dump["path"] = dump
    else:
        call_command("loaddata", str(dump), verbosity=0)
    return dump


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save docs/screenshots/<name>.png (the whole page, or only what the window shows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
