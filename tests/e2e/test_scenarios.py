"""The six browser scenarios of the web application, on the demo data, in headless Chromium.

Each saves a screenshot to docs/screenshots/ (the README shows them).
"""

import re

import pytest
from playwright.sync_api import expect

from deals.models import Interest
from notifications.models import Notification
from projects.models import Project
from tests.e2e.conftest import screenshot, sign_in, sign_out

pytestmark = pytest.mark.e2e

WAREHOUSE = "ILSTC-2025-03"
WAREHOUSE_TITLE = "Partners for Minsheng's 20,000 m² overseas warehouse in Thailand"


def test_visitor_filters_to_thailand_warehousing_and_opens_the_warehouse(page, demo):
    page.goto(f"{page.base_url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    page.get_by_label("Sector", exact=True).select_option("logistics.warehousing")
    page.get_by_label("Partners sought in").select_option("TH")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"sector=logistics\.warehousing.*place=TH"))
    results = page.locator(".project-card h3 a")
    # Warehousing projects seeking partners in Thailand, in ASEAN, or anywhere.
    expect(results).to_have_count(7)
    expect(page.get_by_role("heading", name="7 opportunities")).to_be_visible()
    expect(results.filter(has_text=WAREHOUSE_TITLE)).to_have_count(1)
    screenshot(page, "01-opportunities-thailand-warehousing")

    page.get_by_role("link", name=WAREHOUSE_TITLE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(WAREHOUSE_TITLE)
    expect(page.locator("#total-investment")).to_contain_text("CNY 180 million")
    expect(page.get_by_text("Chonburi, Thailand")).to_be_visible()
    page.get_by_label("Show amounts also in").select_option("USD")
    page.get_by_role("button", name="Convert").click()
    expect(page.locator("#total-investment")).to_contain_text(
        "CNY 180 million (≈ USD 25.1 million)"
    )
    screenshot(page, "02-project-thailand-warehouse")


def test_verified_member_sees_the_warehouse_recommended_and_expresses_interest(page, demo):
    sign_in(page, "firm.siam")

    expect(page).to_have_url(re.compile(r"/me/recommended/$"))
    card = page.locator(f"#match-{WAREHOUSE}")
    expect(card.get_by_role("link", name=WAREHOUSE_TITLE)).to_be_visible()
    expect(card.locator(".score")).to_have_text(re.compile(r"^\d+$"))
    expect(card.locator(".reasons li").first).to_be_visible()
    # The best recommendation is the warehouse in Thailand.
    expect(page.locator(".project-card").first).to_have_id(f"match-{WAREHOUSE}")
    screenshot(page, "03-recommended-for-you", full_page=False)

    card.get_by_role("link", name="Express interest").click()
    form = page.locator("#member-actions")
    form.get_by_label("Message to the project owner").fill(
        "We can take 5,000 m² for Thai fruit exports and share operations."
    )
    form.get_by_label("Proposed cooperation mode").select_option("operation")
    form.get_by_role("button", name="Express interest").click()

    expect(page.locator(".messages")).to_contain_text(
        f"Your interest in {WAREHOUSE_TITLE} was sent to its owner."
    )
    expect(page.locator("#interest-state")).to_have_text("New")
    interest = Interest.objects.get(project__reference=WAREHOUSE, enterprise__reference="ENT-0030")
    assert (interest.state, interest.cooperation_mode_id) == ("new", "operation")
    screenshot(page, "04-interest-expressed")


def test_owner_moves_the_interest_and_the_member_sees_state_and_notification(page, demo):
    from django.contrib.auth import get_user_model

    from deals.services import interest_express

    siam = get_user_model().objects.get(username="firm.siam")
    project = Project.objects.get(reference=WAREHOUSE)
    interest = interest_express(project=project, by=siam, message="5,000 m² for fruit exports")
    card_id = f"#interest-{interest.pk}"

    sign_in(page, "soe.minsheng")
    page.goto(f"{page.base_url}/soe/projects/{WAREHOUSE}/pipeline/")
    card = page.locator(f"#column-new {card_id}")
    expect(card).to_contain_text("Siam Gateway Logistics")
    card.get_by_label("Move to").select_option("in_discussion")
    card.get_by_label("Note").fill("Thanks, let us talk about volumes.")
    card.get_by_role("button", name="Move").click()
    card = page.locator(f"#column-in_discussion {card_id}")
    card.get_by_label("Move to").select_option("meeting_scheduled")
    card.get_by_label("Note").fill("Site visit in Chonburi on 15 December, 10:00.")
    card.get_by_role("button", name="Move").click()

    expect(page.locator(f"#column-meeting_scheduled {card_id}")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("moved to “Meeting scheduled”")
    screenshot(page, "05-pipeline-board", full_page=False)
    interest.refresh_from_db()
    assert interest.state == "meeting_scheduled"
    sign_out(page)

    sign_in(page, "firm.siam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My interests").click()
    expect(page.locator(f"#interest-row-{interest.pk}")).to_contain_text("Meeting scheduled")
    page.get_by_role("link", name=WAREHOUSE_TITLE).first.click()
    expect(page.locator("#interest-state")).to_have_text("Meeting scheduled")
    expect(page.get_by_text("Site visit in Chonburi on 15 December, 10:00.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    notices = page.locator("#notification-list li.notification")
    expect(notices.first).to_be_visible()
    assert Notification.objects.filter(
        recipient=siam, kind="transition", read_at__isnull=True
    ).exists()
    screenshot(page, "06-notifications")


def test_soe_staff_fix_a_missing_field_then_publish(page, demo):
    sign_in(page, "soe.minsheng")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Description").fill(
        "A cold chain hub at the Lianglu-Cuntan port for ASEAN fruit arriving by rail and sea."
    )
    page.get_by_label("Cold chain").check()
    page.get_by_label("Joint venture", exact=True).first.check()
    page.get_by_label("Total investment").fill("450000000")
    page.get_by_role("button", name="Publish").click()

    title_field = page.locator("#field-title")
    expect(title_field.locator(".errorlist")).to_have_text("This field is required.")
    expect(page.locator(".form-errors")).to_be_visible()
    screenshot(page, "07-project-form-error", full_page=False)
    assert not Project.objects.filter(description__startswith="A cold chain hub").exists()

    page.get_by_label("Title").fill("Lianglu-Cuntan ASEAN fruit cold chain hub")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lianglu-Cuntan ASEAN fruit cold chain hub"
    )
    expect(page.locator(".messages")).to_contain_text("The project is published.")
    project = Project.objects.get(title="Lianglu-Cuntan ASEAN fruit cold chain hub")
    assert (project.status, project.owner.reference) == ("published", "ENT-0003")
    screenshot(page, "08-project-published")


def test_chinese_shows_chinese_labels_on_browser_and_project_pages(page, demo):
    page.goto(f"{page.base_url}/opportunities/?sector=logistics.warehousing&place=TH")
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"sector=logistics\.warehousing"))
    # Interface text from the translation catalogue ...
    expect(page.get_by_role("heading", level=1)).to_have_text("合作机会")
    expect(page.get_by_role("button", name="应用筛选")).to_be_visible()
    expect(page.get_by_label("行业", exact=True)).to_be_visible()
    # ... and reference labels from the data, in Chinese.
    expect(page.locator(".project-card .tag", has_text="仓储").first).to_be_visible()
    expect(page.locator("#id_sector option:checked")).to_have_text("— 仓储")
    expect(page.locator("#id_place option:checked")).to_have_text("泰国")
    screenshot(page, "09-opportunities-chinese")

    page.locator(f"a[href='/opportunities/{WAREHOUSE}/']").click()
    expect(page.get_by_role("heading", name="项目概况")).to_be_visible()
    expect(page.locator(".tag", has_text="租赁").first).to_be_visible()
    expect(page.locator(".tag", has_text="东盟").first).to_be_visible()
    expect(page.get_by_text("泰国").first).to_be_visible()
    expect(page.locator("#total-investment")).to_contain_text("1.8 亿")
    screenshot(page, "10-project-chinese")


def test_dashboard_shows_charts_with_the_demo_list_totals(page, demo):
    from django.contrib.auth import get_user_model

    from deals.services import interest_express, interest_transition

    users = get_user_model().objects.in_bulk(
        ["firm.siam", "firm.andes", "soe.minsheng"], field_name="username"
    )
    warehouse = interest_express(
        project=Project.objects.get(reference=WAREHOUSE), by=users["firm.siam"]
    )
    interest_express(project=Project.objects.get(reference="ILSTC-2025-02"), by=users["firm.andes"])
    interest_transition(interest=warehouse, to="in_discussion", by=users["soe.minsheng"])

    sign_in(page, "soe.airport")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()

    totals = page.locator("#list-totals")
    expect(totals).to_contain_text("36")
    expect(totals).to_contain_text("CNY 70.63 billion")
    expect(totals).to_contain_text("CNY 40 billion")
    for chart in (
        "chart-totals",
        "chart-funnel",
        "chart-sectors",
        "chart-corridors",
        "chart-countries",
    ):
        expect(page.locator(f"svg#{chart}")).to_be_visible()
    expect(page.locator("svg#chart-totals")).to_contain_text("CNY 70.63 billion")
    expect(page.locator("svg#chart-sectors rect.bar")).to_have_count(7)
    expect(page.locator("svg#chart-funnel")).to_contain_text("New: 2")
    expect(page.locator("svg#chart-funnel")).to_contain_text("In discussion: 1")
    expect(page.locator("svg#chart-countries")).to_contain_text("Chile")
    expect(page.locator("svg#chart-countries")).to_contain_text("Thailand")
    screenshot(page, "11-dashboard")


def test_pages_fit_a_phone_screen(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-GB")
    phone = context.new_page()
    try:
        for path in ("/", "/opportunities/", f"/opportunities/{WAREHOUSE}/"):
            phone.goto(f"{live_server.url}{path}")
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow == 0, path
        screenshot(phone, "12-phone-project", full_page=False)
    finally:
        context.close()


def test_keyboard_reaches_the_content_and_submits_the_filters(page, demo):
    page.goto(f"{page.base_url}/opportunities/")

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    page.get_by_label("Search").focus()
    page.keyboard.type("overseas warehouse")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"q=overseas\+warehouse"))
    expect(page.locator(".project-card h3 a")).to_have_text([WAREHOUSE_TITLE])
