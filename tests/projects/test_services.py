"""Project creation and edits through the services, and who may see or change projects."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Sector
from projects.models import Project
from projects.selectors import project_can_edit, project_list_visible_to
from projects.services import project_create, project_update
from projects.signals import project_changed
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_events():
    events: list[list[int]] = []

    def receiver(sender, project_ids, **kwargs):
        events.append(list(project_ids))

    project_changed.connect(receiver, dispatch_uid="test-project-changed")
    yield events
    project_changed.disconnect(dispatch_uid="test-project-changed")


def _create(soe, by, **overrides):
    fields = {
        "reference": "ILSTC-2025-07",
        "title": "High-end air logistics",
        "description": "Air cargo hub in the Airport Economic Demonstration Zone.",
        "total_investment": Decimal("4200000000"),
        "sectors": ["logistics.air_cargo", "logistics"],
        "cooperation_modes": ["equity_investment", "operation"],
        "corridors": ["air_cargo"],
        "target_regions": ["ASEAN"],
        "partner_ownership": ["foreign", "private"],
    }
    fields.update(overrides)
    return project_create(owner=soe, by=by, **fields)


def test_create_stores_a_draft_with_codes_and_defaults(soe, soe_staff, changed_events):
    project = _create(soe, soe_staff)

    project = Project.objects.get(pk=project.pk)
    assert project.status == "draft"
    assert project.owner == soe
    assert project.created_by == soe_staff
    assert project.external_investment_sought == Decimal("4200000000.00")
    assert project.currency == "CNY"
    assert project.location_country.code == "CN"
    assert sorted(project.sectors.values_list("code", flat=True)) == [
        "logistics",
        "logistics.air_cargo",
    ]
    assert sorted(project.cooperation_modes.values_list("code", flat=True)) == [
        "equity_investment",
        "operation",
    ]
    assert list(project.corridors.values_list("code", flat=True)) == ["air_cargo"]
    assert list(project.target_regions.values_list("code", flat=True)) == ["ASEAN"]
    assert sorted(project.partner_ownership.values_list("code", flat=True)) == [
        "foreign",
        "private",
    ]
    assert changed_events == [[project.pk]]


def test_create_accepts_objects_as_well_as_codes(soe, admin_user):
    sector = Sector.objects.get(code="services.finance")
    project = _create(soe, admin_user, sectors=[sector, "services"])
    assert sorted(project.sectors.values_list("code", flat=True)) == [
        "services",
        "services.finance",
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sectors": ["logistics.teleport"]}, "sectors", "Unknown codes: logistics.teleport."),
        ({"sectors": []}, "sectors", "Give at least one."),
        ({"cooperation_modes": []}, "cooperation_modes", "Give at least one."),
        ({"corridors": ["moon_rail"]}, "corridors", "Unknown codes: moon_rail."),
        (
            {"external_investment_sought": Decimal("5000000000")},
            "external_investment_sought",
            "The external investment sought cannot exceed the total investment.",
        ),
        ({"total_investment": Decimal("-1")}, "total_investment", "Amounts cannot be negative."),
        (
            {"currency": "usd"},
            "currency",
            "An ISO 4217 code such as CNY or USD.",
        ),
        ({"title": ""}, "title", "This field cannot be blank."),
        (
            {"status": "published"},
            "status",
            "This field changes only through the project workflow.",
        ),
        ({"colour": "red"}, "colour", "Unknown project field."),
    ],
)
def test_create_rejects_bad_input_naming_the_field_and_writes_nothing(
    soe, admin_user, changed_events, overrides, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        _create(soe, admin_user, **overrides)
    assert excinfo.value.message_dict[field] == [message]
    assert Project.objects.count() == 0
    assert changed_events == []


def test_create_rejects_a_duplicate_reference(soe, admin_user):
    ProjectFactory(reference="ILSTC-2025-07")
    with pytest.raises(ValidationError) as excinfo:
        _create(soe, admin_user)
    assert excinfo.value.message_dict["reference"] == [
        "Project with this Reference already exists."
    ]
    assert Project.objects.count() == 1


def test_create_is_refused_for_another_enterprise(soe, other_soe_staff, foreign_member):
    with pytest.raises(PermissionDenied):
        _create(soe, other_soe_staff)
    with pytest.raises(PermissionDenied):
        _create(soe, foreign_member)
    assert Project.objects.count() == 0


def test_update_of_a_matching_field_sends_project_changed(soe, soe_staff, changed_events):
    project = ProjectFactory(owner=soe, status="published")

    project_update(
        project=project,
        by=soe_staff,
        total_investment="2000000000",
        sectors=["logistics.warehousing"],
    )

    project.refresh_from_db()
    assert project.total_investment == Decimal("2000000000.00")
    assert list(project.sectors.values_list("code", flat=True)) == ["logistics.warehousing"]
    assert changed_events == [[project.pk]]


def test_update_of_other_fields_or_to_the_same_values_sends_nothing(soe, soe_staff, changed_events):
    project = ProjectFactory(owner=soe, status="published", sectors=["logistics"])

    project_update(project=project, by=soe_staff, location_city="Chongqing")
    project.refresh_from_db()
    updated_at = project.updated_at
    project_update(
        project=project, by=soe_staff, total_investment=Decimal("1000000000"), sectors=["logistics"]
    )

    project.refresh_from_db()
    assert project.location_city == "Chongqing"
    assert project.updated_at == updated_at  # nothing changed, nothing written
    assert changed_events == []


def test_update_refuses_bad_values_and_keeps_the_old_ones(soe, soe_staff, changed_events):
    project = ProjectFactory(
        owner=soe, title="Old", total_investment=Decimal(100), external_investment_sought=0
    )
    with pytest.raises(ValidationError) as excinfo:
        project_update(
            project=project, by=soe_staff, title="New", external_investment_sought=Decimal(101)
        )
    assert excinfo.value.message_dict == {
        "external_investment_sought": [
            "The external investment sought cannot exceed the total investment."
        ]
    }
    project.refresh_from_db()
    assert (project.title, project.external_investment_sought) == ("Old", Decimal(0))
    assert changed_events == []


def test_update_cannot_touch_the_status(soe, soe_staff):
    project = ProjectFactory(owner=soe, status="draft")
    with pytest.raises(ValidationError) as excinfo:
        project_update(project=project, by=soe_staff, status="signed")
    assert list(excinfo.value.message_dict) == ["status"]
    project.refresh_from_db()
    assert project.status == "draft"


def test_update_is_refused_for_another_enterprise(soe, other_soe_staff):
    project = ProjectFactory(owner=soe, title="Original")
    with pytest.raises(PermissionDenied):
        project_update(project=project, by=other_soe_staff, title="Hijacked")
    project.refresh_from_db()
    assert project.title == "Original"


# The visibility matrix: which statuses each role sees among the owner's projects.
ALL_STATUSES = ["draft", "in_review", "published", "negotiating", "signed", "withdrawn", "expired"]
PUBLIC = ["negotiating", "published", "signed"]


@pytest.fixture
def projects_of_soe(soe):
    return {status: ProjectFactory(owner=soe, status=status) for status in ALL_STATUSES}


@pytest.mark.parametrize(
    ("role", "visible", "can_edit"),
    [
        ("anonymous", PUBLIC, False),
        ("plain_user", PUBLIC, False),
        ("foreign_member", PUBLIC, False),
        ("other_soe_staff", PUBLIC, False),
        ("soe_staff", sorted(ALL_STATUSES), True),
        ("staff", sorted(ALL_STATUSES), True),
        ("admin_user", sorted(ALL_STATUSES), True),
    ],
)
def test_visibility_and_edit_matrix(request, projects_of_soe, role, visible, can_edit):
    if role == "anonymous":
        user = AnonymousUser()
    elif role == "plain_user":
        user = UserFactory(username="nobody")
    elif role == "staff":
        user = UserFactory(username="operator", is_staff=True)
    else:
        user = request.getfixturevalue(role)

    seen = sorted(project_list_visible_to(user=user).values_list("status", flat=True))
    assert seen == visible
    assert {
        status: project_can_edit(user=user, project=project)
        for status, project in projects_of_soe.items()
    } == dict.fromkeys(ALL_STATUSES, can_edit)


def test_private_member_of_an_owning_enterprise_cannot_edit(foreign_enterprise, foreign_member):
    project = ProjectFactory(owner=foreign_enterprise, status="draft")
    assert project_can_edit(user=foreign_member, project=project) is False
    assert list(project_list_visible_to(user=foreign_member)) == []
