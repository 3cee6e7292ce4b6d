"""The pages work under the strict Content-Security-Policy: no violation in the browser.

Chromium reports every blocked script, style, image or font as a `securitypolicyviolation`
event and a console error; both are collected while the main pages, the admin (change
forms with autocomplete, an action, the history page) and the API docs are used.
"""

import pytest
from playwright.sync_api import expect

from projects.models import Project
from tests.e2e.conftest import DEMO_PASSWORD, sign_in, sign_out

pytestmark = pytest.mark.e2e

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation (event or console message) recorded."""
    console: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_console = console
    return page


def violations(page) -> list[str]:
    events = page.evaluate("window.__cspViolations || []")
    return [*events, *page.csp_console]


def visit(page, path: str) -> None:
    response = page.goto(f"{page.base_url}{path}")
    assert response is not None
    assert response.status < 400, (path, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], path


def test_public_and_member_pages_raise_no_csp_violation(watched, demo):
    page = watched
    project = Project.objects.filter(status="published").order_by("reference").first()
    for path in (
        "/",
        "/opportunities/?sector=logistics",
        f"/opportunities/{project.reference}/",
        f"/enterprises/{project.owner.reference}/",
        "/parks/",
        "/accounts/login/",
        "/accounts/signup/",
    ):
        visit(page, path)
    expect(page.get_by_role("heading", name="Register your enterprise")).to_be_visible()

    sign_in(page, "firm.siam")
    for path in ("/me/recommended/", "/me/interests/", "/me/profile/", "/me/account/"):
        visit(page, path)
    sign_out(page)

    sign_in(page, "soe.minsheng")
    own = Project.objects.filter(owner__memberships__user__username="soe.minsheng").first()
    for path in (
        "/soe/projects/",
        f"/soe/projects/{own.reference}/edit/",
        f"/soe/projects/{own.reference}/pipeline/",
        "/dashboard/",
    ):
        visit(page, path)
    expect(page.locator("svg").first).to_be_visible()
    assert violations(page) == []


def test_admin_change_forms_autocomplete_and_actions_work_under_the_policy(watched, demo):
    page = watched
    visit(page, "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    project = Project.objects.order_by("reference").first()
    visit(page, f"/admin/projects/project/{project.pk}/change/")
    # The autocomplete widget (select2, loaded from the admin's own static files) opens.
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-search__field").first).to_be_visible()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")
    assert violations(page) == []

    visit(page, f"/admin/projects/project/{project.pk}/history/")
    visit(page, "/admin/enterprises/enterprise/")
    page.locator("input.action-select").first.check()
    expect(page.locator(".action-counter")).to_contain_text("1 of")
    page.locator("select[name=action]").select_option("verify_selected")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messagelist")).to_be_visible()
    visit(page, "/admin/axes/accessattempt/")
    assert violations(page) == []


def test_api_docs_render_operations_under_the_policy(watched, demo):
    page = watched
    visit(page, "/api/docs/")

    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    projects = page.locator('.opblock-summary-path[data-path="/api/v1/projects/"]').first
    expect(projects).to_be_visible()
    projects.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    assert violations(page) == []
