"""Every admin page a curator opens renders, for every registered model (other apps' too)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from core.models import ExchangeRate, NegativeListRule, Sector
from projects.services import project_transition
from tests.factories import (
    MembershipFactory,
    OpportunityListFactory,
    ParkFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


MODELS = sorted(admin.site._registry, key=_label)


@pytest.fixture
def curated_rows(admin_user, soe, foreign_enterprise, soe_staff):
    """A few rows in every table of core, enterprises and projects."""
    opportunity_list = OpportunityListFactory(name="Chongqing SOE cooperation list 2025")
    park = ParkFactory(name="Guoyuan Port International Logistics Hub")
    project = ProjectFactory(
        reference="ILSTC-2025-01",
        owner=soe,
        opportunity_list=opportunity_list,
        park=park,
        status="draft",
        deadline=dt.date(2026, 12, 31),
    )
    project_transition(project=project, to="published", by=admin_user, note="Launch")
    NegativeListRule.objects.create(
        sector=Sector.objects.get(code="infrastructure.port"), rule="chinese_control"
    )
    MembershipFactory(enterprise=foreign_enterprise)
    return project


@pytest.mark.usefixtures("curated_rows")
@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_changelist_search_add_and_change_pages_render(admin_client, admin_user, rf, model):
    model_admin = admin.site._registry[model]
    info = (model._meta.app_label, model._meta.model_name)

    changelist = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == model._default_manager.count()

    if model_admin.search_fields:
        searched = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
        assert searched.status_code == 200

    request = rf.get("/")
    request.user = admin_user
    add = admin_client.get(reverse("admin:{}_{}_add".format(*info)))
    # A log written only by the workflow (e.g. project transitions) has no add page.
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)

    first = model._default_manager.first()
    if first is not None:
        change = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        assert change.status_code == 200


def test_core_enterprise_and_project_tables_have_rows_in_the_page_test(curated_rows):
    """The page test above sees real rows for every model this app registers."""
    from enterprises.models import Enterprise, Membership
    from projects.models import OpportunityList, Park, Project, ProjectTransition

    for model in (Enterprise, Membership, OpportunityList, Park, Project, ProjectTransition):
        assert model.objects.exists(), model
    assert ExchangeRate.objects.filter(currency="USD").exists()
    assert NegativeListRule.objects.count() == 1


def test_every_core_enterprise_and_project_model_is_registered():
    registered = {_label(model) for model in admin.site._registry}
    assert registered >= {
        "core.sector",
        "core.corridor",
        "core.cooperationmode",
        "core.ownershiptype",
        "core.region",
        "core.exchangerate",
        "core.negativelistrule",
        "enterprises.enterprise",
        "enterprises.membership",
        "projects.opportunitylist",
        "projects.park",
        "projects.project",
        "projects.projecttransition",
    }


def test_site_is_titled_parklink_administration(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "<title>Curation | Parklink administration</title>" in response.content.decode()
    assert "Parklink administration</a>" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["admin:index", "admin:enterprises_enterprise_changelist", "admin:projects_project_add"],
)
def test_non_staff_user_is_sent_to_login(client, url_name):
    client.force_login(UserFactory(username="member", is_staff=False))
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_sector_code_is_read_only_after_creation(admin_client):
    url = reverse("admin:core_sector_change", args=["logistics.rail"])
    content = admin_client.get(url).content.decode()
    assert 'name="label_en"' in content
    assert 'name="code"' not in content
    assert 'name="code"' in admin_client.get(reverse("admin:core_sector_add")).content.decode()


def test_sector_parent_filter_lists_children_of_one_parent(admin_client):
    response = admin_client.get(reverse("admin:core_sector_changelist"), {"parent": "energy"})
    codes = [sector.code for sector in response.context["cl"].result_list]
    assert codes == ["energy.renewable", "energy.grid", "energy.storage"]


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"code": "logistics.drones", "parent": "energy"},
            "code",
            "A child sector's code is “energy.” followed by its own code.",
        ),
        (
            {"code": "space.mining", "parent": ""},
            "code",
            "A top-level sector's code has no “.”; pick a parent.",
        ),
        (
            {"code": "logistics.rail.freight", "parent": "logistics.rail"},
            "parent",
            "Sectors have two levels: pick a top-level parent.",
        ),
    ],
)
def test_new_sector_codes_follow_the_two_level_contract(admin_client, data, field, error):
    count = Sector.objects.count()
    response = admin_client.post(
        reverse("admin:core_sector_add"),
        {"label_en": "New", "label_zh": "新", "sort_order": "0", **data},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert Sector.objects.count() == count


def test_new_child_sector_is_added(admin_client):
    response = admin_client.post(
        reverse("admin:core_sector_add"),
        {
            "code": "logistics.drones",
            "parent": "logistics",
            "label_en": "Drone delivery",
            "label_zh": "无人机配送",
            "sort_order": "9",
        },
    )
    assert response.status_code == 302
    assert Sector.objects.get(code="logistics.drones").parent_id == "logistics"
