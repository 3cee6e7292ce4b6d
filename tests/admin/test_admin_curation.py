"""What a curator does in the admin: search, filter, verify, publish, review, edit, rates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ExchangeRate
from core.signals import exchange_rates_changed
from enterprises.models import Enterprise
from enterprises.signals import enterprise_changed
from projects.models import Project, ProjectTransition
from projects.signals import project_changed
from tests.factories import (
    EnterpriseFactory,
    ForeignEnterpriseFactory,
    OpportunityListFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

ENTERPRISES = reverse("admin:enterprises_enterprise_changelist")
PROJECTS = reverse("admin:projects_project_changelist")


def _messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def signals_seen():
    seen: list[tuple[str, dict]] = []

    def make(name):
        def receiver(sender, **kwargs):
            kwargs.pop("signal")
            seen.append((name, kwargs))

        return receiver

    receivers = {
        project_changed: make("project_changed"),
        enterprise_changed: make("enterprise_changed"),
        exchange_rates_changed: make("exchange_rates_changed"),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver, dispatch_uid=f"test-admin-{id(signal)}")
    yield seen
    for signal in receivers:
        signal.disconnect(dispatch_uid=f"test-admin-{id(signal)}")


# --- Enterprises ---------------------------------------------------------------------


@pytest.fixture
def enterprises(soe, foreign_enterprise):
    unverified = EnterpriseFactory(
        reference="ENT-0042",
        name="Malaysia Rail Freight Sdn Bhd",
        name_local="马来西亚铁路货运",
        country="MY",
        is_verified=False,
        sectors=["logistics.rail"],
    )
    return {"soe": soe, "foreign": foreign_enterprise, "unverified": unverified}


def _listed(response) -> list[str]:
    return sorted(obj.reference for obj in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "Straits"}, ["foreign"]),
        ({"q": "ENT-0042"}, ["unverified"]),
        ({"q": "铁路货运"}, ["unverified"]),
        ({"is_verified__exact": "0"}, ["unverified"]),
        ({"ownership__code__exact": "soe"}, ["soe"]),
        ({"country": "SG"}, ["foreign"]),
        ({"sectors__code__exact": "logistics.rail"}, ["unverified"]),
    ],
)
def test_enterprise_search_and_filters(admin_client, enterprises, params, expected):
    response = admin_client.get(ENTERPRISES, params)
    assert response.status_code == 200
    assert _listed(response) == sorted(enterprises[key].reference for key in expected)


def test_verify_action_verifies_and_reports(admin_client, enterprises, signals_seen):
    selected = [enterprises["unverified"].pk, enterprises["soe"].pk]
    response = admin_client.post(
        ENTERPRISES, {"action": "verify_selected", "_selected_action": selected}
    )

    assert response.status_code == 302
    unverified = Enterprise.objects.get(pk=enterprises["unverified"].pk)
    assert unverified.is_verified is True
    assert unverified.verified_at is not None
    assert _messages(response) == [
        ("success", "1 enterprise verified."),
        ("info", "1 enterprise was already verified."),
    ]
    assert signals_seen == [("enterprise_changed", {"enterprise_ids": [unverified.pk]})]


def test_enterprise_edit_in_the_admin_goes_through_the_service(admin_client, signals_seen):
    enterprise = ForeignEnterpriseFactory(reference="ENT-0007", name="Straits Logistics")
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = {
        "reference": "ENT-0007",
        "name": "Straits Logistics",
        "name_local": "",
        "ownership": "foreign",
        "country": "SG",
        "sectors": ["logistics", "logistics.cold_chain"],
        "currency": "USD",
        "investment_min": "1000000",
        "investment_max": "5000000",
        "description": "Cold chain along ILSTC.",
        "website": "",
        "contact_email": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    enterprise.refresh_from_db()
    assert (enterprise.currency, enterprise.investment_max) == ("USD", Decimal("5000000.00"))
    assert sorted(enterprise.sectors.values_list("code", flat=True)) == [
        "logistics",
        "logistics.cold_chain",
    ]
    assert signals_seen == [("enterprise_changed", {"enterprise_ids": [enterprise.pk]})]


def test_enterprise_min_above_max_is_shown_and_nothing_saved(admin_client):
    enterprise = EnterpriseFactory(reference="ENT-0008", investment_min=1, investment_max=2)
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    response = admin_client.post(
        url,
        {
            "reference": "ENT-0008",
            "name": enterprise.name,
            "ownership": "private",
            "country": "CN",
            "sectors": ["logistics"],
            "currency": "CNY",
            "investment_min": "900",
            "investment_max": "100",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    enterprise.refresh_from_db()
    assert (enterprise.investment_min, enterprise.investment_max) == (Decimal(1), Decimal(2))


# --- Projects ------------------------------------------------------------------------


@pytest.fixture
def projects(soe, other_soe):
    airport_list = OpportunityListFactory(name="Chongqing SOE strategic cooperation list 2025")
    return {
        "air": ProjectFactory(
            reference="ILSTC-2025-01",
            title="High-end air logistics",
            owner=other_soe,
            opportunity_list=airport_list,
            status="draft",
            sectors=["logistics.air_cargo"],
        ),
        "routes": ProjectFactory(
            reference="ILSTC-2025-02",
            title="Premium vehicle shipping routes to Latin America",
            owner=soe,
            status="published",
            currency="USD",
            total_investment=Decimal("100000000"),
            external_investment_sought=Decimal("40000000"),
            sectors=["logistics.shipping"],
        ),
        "warehouse": ProjectFactory(
            reference="ILSTC-2025-03",
            title="Overseas warehouse in Thailand",
            description="20,000 m² warehouse partners",
            owner=soe,
            status="signed",
            location_country="TH",
        ),
    }


def _refs(projects, *keys):
    return sorted(projects[key].reference for key in keys)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "warehouse"}, ["warehouse"]),
        ({"q": "Chongqing Airport"}, ["air"]),
        ({"q": "ILSTC-2025-02"}, ["routes"]),
        ({"status__exact": "draft"}, ["air"]),
        ({"status__exact": "published"}, ["routes"]),
        ({"location_country": "TH"}, ["warehouse"]),
        ({"sectors__code__exact": "logistics.shipping"}, ["routes"]),
    ],
)
def test_project_search_and_filters(admin_client, projects, params, expected):
    response = admin_client.get(PROJECTS, params)
    assert response.status_code == 200
    assert _listed(response) == _refs(projects, *expected)


def test_project_filter_by_opportunity_list(admin_client, projects):
    response = admin_client.get(
        PROJECTS, {"opportunity_list__id__exact": projects["air"].opportunity_list_id}
    )
    assert _listed(response) == _refs(projects, "air")


def test_project_list_shows_the_total_in_cny(admin_client, projects):
    response = admin_client.get(PROJECTS)
    rows = {p.reference: p.total_investment_cny for p in response.context["cl"].result_list}
    assert rows[projects["routes"].reference] == Decimal("717000000.00")  # 1e8 USD x 7.17
    assert "717,000,000.00" in response.content.decode()


def test_publish_action_publishes_drafts_and_warns_about_refusals(admin_client, projects, settings):
    settings.PROJECT_PUBLICATION_REVIEW = False
    selected = [projects["air"].pk, projects["warehouse"].pk]

    response = admin_client.post(PROJECTS, {"action": "publish", "_selected_action": selected})

    assert response.status_code == 302
    assert _messages(response) == [
        (
            "warning",
            "ILSTC-2025-03 was not changed: The project is “Signed”; that status is final.",
        ),
        ("success", "Published: ILSTC-2025-01"),
    ]
    statuses = dict(Project.objects.values_list("reference", "status"))
    assert statuses == {
        "ILSTC-2025-01": "published",
        "ILSTC-2025-02": "published",
        "ILSTC-2025-03": "signed",
    }
    transition = ProjectTransition.objects.get()
    assert (transition.project.reference, transition.to_status) == ("ILSTC-2025-01", "published")


def test_publish_action_with_review_puts_the_project_in_review(admin_client, projects, settings):
    settings.PROJECT_PUBLICATION_REVIEW = True
    response = admin_client.post(
        PROJECTS, {"action": "publish", "_selected_action": [projects["air"].pk]}
    )
    assert _messages(response) == [("success", "In review: ILSTC-2025-01")]
    projects["air"].refresh_from_db()
    assert projects["air"].status == "in_review"


def test_send_back_without_a_reason_changes_nothing(admin_client, projects):
    Project.objects.filter(pk=projects["air"].pk).update(status="in_review")
    response = admin_client.post(
        PROJECTS,
        {"action": "review_send_back", "_selected_action": [projects["air"].pk], "note": " "},
    )
    assert _messages(response) == [
        ("warning", "ILSTC-2025-01 was not changed: Say why the publication is sent back.")
    ]
    projects["air"].refresh_from_db()
    assert projects["air"].status == "in_review"
    assert ProjectTransition.objects.count() == 0


def test_send_back_with_a_reason_and_approve(admin_client, admin_user, projects):
    Project.objects.filter(pk=projects["air"].pk).update(status="in_review")
    response = admin_client.post(
        PROJECTS,
        {
            "action": "review_send_back",
            "_selected_action": [projects["air"].pk],
            "note": "State the amount sought",
        },
    )
    assert _messages(response) == [("success", "Draft: ILSTC-2025-01")]
    projects["air"].refresh_from_db()
    assert (projects["air"].status, projects["air"].review_note) == (
        "draft",
        "State the amount sought",
    )

    Project.objects.filter(pk=projects["air"].pk).update(status="in_review")
    response = admin_client.post(
        PROJECTS, {"action": "review_approve", "_selected_action": [projects["air"].pk]}
    )
    # The session still holds the first message, as nothing rendered it in between.
    assert _messages(response) == [
        ("success", "Draft: ILSTC-2025-01"),
        ("success", "Published: ILSTC-2025-01"),
    ]
    projects["air"].refresh_from_db()
    assert (projects["air"].status, projects["air"].review_note) == ("published", "")
    assert [t.by for t in ProjectTransition.objects.all()] == [admin_user, admin_user]


def test_withdraw_action_keeps_the_note(admin_client, projects):
    response = admin_client.post(
        PROJECTS,
        {
            "action": "withdraw",
            "_selected_action": [projects["routes"].pk],
            "note": "Route cancelled",
        },
    )
    assert _messages(response) == [("success", "Withdrawn: ILSTC-2025-02")]
    transition = ProjectTransition.objects.get()
    assert (transition.to_status, transition.note) == ("withdrawn", "Route cancelled")


def _project_form(soe, **overrides):
    data = {
        "reference": "ILSTC-2025-09",
        "title": "Rail-sea intermodal cold chain",
        "description": "Cold chain via the Beibu Gulf.",
        "owner": soe.pk,
        "sectors": ["logistics.cold_chain"],
        "cooperation_modes": ["joint_venture"],
        "corridors": ["ilstc_rail_sea"],
        "target_regions": ["ASEAN"],
        "total_investment": "800000000",
        "external_investment_sought": "300000000",
        "currency": "CNY",
        "location_country": "CN",
        "location_city": "Chongqing",
        "deadline": "2026-12-31",
        "status": "signed",  # read-only in the form: must be ignored
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_project_added_in_the_admin_is_a_draft_saved_through_the_service(
    admin_client, admin_user, soe, signals_seen
):
    response = admin_client.post(reverse("admin:projects_project_add"), _project_form(soe))

    assert response.status_code == 302, response.context["adminform"].form.errors
    project = Project.objects.get(reference="ILSTC-2025-09")
    assert (project.status, project.created_by, project.owner) == ("draft", admin_user, soe)
    assert project.deadline == dt.date(2026, 12, 31)
    assert list(project.sectors.values_list("code", flat=True)) == ["logistics.cold_chain"]
    assert list(project.target_regions.values_list("code", flat=True)) == ["ASEAN"]
    assert signals_seen == [("project_changed", {"project_ids": [project.pk]})]
    assert response.url == PROJECTS


def test_project_edited_in_the_admin_sends_project_changed_and_keeps_status(
    admin_client, soe, signals_seen
):
    project = ProjectFactory(reference="ILSTC-2025-09", owner=soe, status="published")
    url = reverse("admin:projects_project_change", args=[project.pk])

    response = admin_client.post(url, _project_form(soe, total_investment="900000000"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.total_investment == Decimal("900000000.00")
    assert project.status == "published"
    assert signals_seen == [("project_changed", {"project_ids": [project.pk]})]


def test_project_with_sought_above_total_is_refused_in_the_form(admin_client, soe):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(soe, external_investment_sought="900000000"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Project.objects.exists()


# --- Opportunity lists and exchange rates ----------------------------------------------


def _lists_page_queries(admin_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:projects_opportunitylist_changelist"))
    assert response.status_code == 200
    return len(queries)


def test_opportunity_list_totals_in_cny_with_a_constant_number_of_queries(admin_client, soe):
    big = OpportunityListFactory(name="Strategic cooperation list")
    ProjectFactory(
        opportunity_list=big,
        owner=soe,
        total_investment=Decimal("4200000000"),
        external_investment_sought=Decimal("2000000000"),
    )
    ProjectFactory(
        opportunity_list=big,
        owner=soe,
        currency="USD",
        total_investment=Decimal("100000000"),
        external_investment_sought=Decimal("100000000"),
    )
    OpportunityListFactory(name="Empty list")

    response = admin_client.get(reverse("admin:projects_opportunitylist_changelist"))
    rows = {
        row.name: (row.project_count, row.total_investment_cny, row.external_investment_sought_cny)
        for row in response.context["cl"].result_list
    }
    assert rows == {
        "Strategic cooperation list": (2, Decimal("4917000000.00"), Decimal("2717000000.00")),
        "Empty list": (0, Decimal(0), Decimal(0)),
    }
    assert "4,917,000,000.00" in response.content.decode()

    few = _lists_page_queries(admin_client)
    for n in range(5):
        ProjectFactory(opportunity_list=OpportunityListFactory(name=f"More {n}"), owner=soe)
    assert _lists_page_queries(admin_client) == few


def test_exchange_rate_saved_in_the_admin_goes_through_the_service(admin_client, signals_seen):
    response = admin_client.post(
        reverse("admin:core_exchangerate_add"),
        {"currency": "USD", "rate_to_cny": "7.2000", "valid_on": "2026-01-05"},
    )
    assert response.status_code == 302
    rate = ExchangeRate.objects.get(currency="USD", valid_on=dt.date(2026, 1, 5))
    assert rate.rate_to_cny == Decimal("7.2")
    assert signals_seen == [("exchange_rates_changed", {})]

    url = reverse("admin:core_exchangerate_change", args=[rate.pk])
    response = admin_client.post(url, {"rate_to_cny": "7.25"})
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.rate_to_cny == Decimal("7.25")
    assert ExchangeRate.objects.filter(currency="USD", valid_on=dt.date(2026, 1, 5)).count() == 1
    assert signals_seen == [("exchange_rates_changed", {}), ("exchange_rates_changed", {})]


def test_exchange_rate_admin_refuses_a_non_positive_rate(admin_client, signals_seen):
    response = admin_client.post(
        reverse("admin:core_exchangerate_add"),
        {"currency": "USD", "rate_to_cny": "0", "valid_on": "2026-01-05"},
    )
    assert response.status_code == 200
    assert "rate_to_cny" in response.context["adminform"].form.errors
    assert not ExchangeRate.objects.filter(valid_on=dt.date(2026, 1, 5)).exists()
    assert signals_seen == []


@pytest.mark.parametrize(
    "model", ["enterprises_enterprise", "projects_project", "core_negativelistrule"]
)
def test_contract_changelists_offer_import_and_export(admin_client, model):
    content = admin_client.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert f'href="{reverse(f"admin:{model}_import_file")}"' in content
    assert f'href="{reverse(f"admin:{model}_export")}' in content


def test_project_changelist_does_not_query_per_row(admin_client, soe):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(PROJECTS)
        assert response.status_code == 200
        return len(queries)

    ProjectFactory(owner=soe, opportunity_list=OpportunityListFactory(), currency="USD")
    few = page_queries()
    for _ in range(6):
        ProjectFactory(opportunity_list=OpportunityListFactory(), currency="EUR")
    assert page_queries() == few


def test_region_members_use_the_two_pane_country_picker(admin_client):
    content = admin_client.get(reverse("admin:core_region_change", args=["ASEAN"])).content.decode()
    assert 'class="selectfilter"' in content
    assert '<option value="SG" selected>' in content
