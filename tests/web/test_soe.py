"""SOE staff pages: my projects, the project form, candidates and the pipeline board."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.models import Interest
from projects.models import Project
from tests.factories import ProjectFactory
from tests.web.helpers import interest_make, match_make

pytestmark = pytest.mark.django_db


def project_data(**overrides):
    data = {
        "title": "Rail-sea container yard",
        "description": "A container yard at the railway port.",
        "sectors": ["logistics.multimodal"],
        "cooperation_modes": ["joint_venture", "operation"],
        "corridors": ["ilstc_rail_sea"],
        "target_regions": ["ASEAN"],
        "total_investment": "300000000",
        "external_investment_sought": "",
        "currency": "CNY",
        "location_country": "CN",
        "location_city": "Chongqing",
        "deadline": "2027-01-31",
        "action": "draft",
    }
    data.update(overrides)
    return data


def test_missing_title_is_shown_beside_the_field_and_nothing_is_saved(client, soe_staff):
    client.force_login(soe_staff)

    response = client.post(reverse("web:project_create"), project_data(title=""))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["This field is required."]
    content = response.content.decode()
    field = content[content.index('id="field-title"') :]
    assert field.index("This field is required.") < field.index('id="field-reference"')
    assert not Project.objects.exists()


def test_service_rule_errors_land_beside_their_field(client, soe_staff):
    client.force_login(soe_staff)

    response = client.post(
        reverse("web:project_create"),
        project_data(total_investment="100", external_investment_sought="200"),
    )

    assert response.context["form"].errors["external_investment_sought"] == [
        "The external investment sought cannot exceed the total investment."
    ]
    assert not Project.objects.exists()


def test_save_as_draft_then_publish(client, soe, soe_staff):
    client.force_login(soe_staff)

    response = client.post(reverse("web:project_create"), project_data())
    project = Project.objects.get()
    assert response.url == reverse("web:project_detail", args=[project.reference])
    assert (project.status, project.owner_id, project.reference) == (
        "draft",
        soe.pk,
        f"{soe.reference}-001",
    )
    assert project.external_investment_sought == Decimal("300000000")
    assert sorted(project.cooperation_modes.values_list("code", flat=True)) == [
        "joint_venture",
        "operation",
    ]

    client.post(
        reverse("web:project_edit", args=[project.reference]),
        project_data(title="Rail-sea container yard, phase 1", action="publish"),
    )

    project.refresh_from_db()
    assert (project.title, project.status) == ("Rail-sea container yard, phase 1", "published")
    assert project.transitions.get().to_status == "published"


def test_create_and_publish_in_one_step(client, soe_staff):
    client.force_login(soe_staff)

    client.post(reverse("web:project_create"), project_data(action="publish"))

    assert Project.objects.get().status == "published"


def test_staff_of_another_soe_cannot_edit_and_nothing_changes(client, soe, other_soe_staff):
    project = ProjectFactory(owner=soe, title="Original")
    client.force_login(other_soe_staff)

    get = client.get(reverse("web:project_edit", args=[project.reference]))
    post = client.post(
        reverse("web:project_edit", args=[project.reference]), project_data(title="Hijacked")
    )

    assert (get.status_code, post.status_code) == (403, 403)
    project.refresh_from_db()
    assert project.title == "Original"


def test_foreign_members_and_visitors_cannot_open_soe_pages(client, foreign_member):
    assert client.get(reverse("web:my_projects")).status_code == 302
    client.force_login(foreign_member)
    assert client.get(reverse("web:my_projects")).status_code == 403
    assert client.get(reverse("web:project_create")).status_code == 403
    assert client.post(reverse("web:project_create"), project_data()).status_code == 403
    assert not Project.objects.exists()


def test_my_projects_lists_own_projects_in_every_status(client, soe, other_soe, soe_staff):
    ProjectFactory(owner=soe, title="Mine published")
    ProjectFactory(owner=soe, title="Mine draft", status="draft")
    ProjectFactory(owner=other_soe, title="Theirs")
    client.force_login(soe_staff)

    response = client.get(reverse("web:my_projects"))

    assert sorted(p.title for p in response.context["projects"]) == ["Mine draft", "Mine published"]


def test_pipeline_shows_candidates_with_reasons_and_incoming_interests(
    client, soe, soe_staff, foreign_enterprise
):
    project = ProjectFactory(owner=soe)
    match_make(
        project=project,
        enterprise=foreign_enterprise,
        score=87.4,
        reasons=[
            {"code": "sector_same", "side": "enterprise", "params": {"sectors": ["logistics"]}}
        ],
    )
    interest_make(project=project, enterprise=foreign_enterprise)
    client.force_login(soe_staff)

    response = client.get(reverse("web:project_pipeline", args=[project.reference]))

    [candidate] = response.context["candidates"]
    assert candidate.match.enterprise == foreign_enterprise
    assert candidate.interest is not None
    new_column = next(c for c in response.context["columns"] if c.state == "new")
    assert [card.interest.enterprise.name for card in new_column.cards] == [
        "Straits Logistics Pte Ltd"
    ]
    assert new_column.cards[0].next_states == [
        ("in_discussion", "In discussion"),
        ("declined", "Declined"),
    ]
    assert ">87<" in response.content.decode()


def test_moving_a_card_records_the_note_and_returns_to_the_board(
    client, soe, soe_staff, foreign_enterprise
):
    project = ProjectFactory(owner=soe)
    interest = interest_make(project=project, enterprise=foreign_enterprise)
    board = reverse("web:project_pipeline", args=[project.reference])
    client.force_login(soe_staff)

    response = client.post(
        reverse("web:interest_move", args=[interest.pk]),
        {"to": "in_discussion", "note": "Call on Monday", "next": board},
    )

    assert response.url == board
    interest.refresh_from_db()
    assert interest.state == "in_discussion"
    assert interest.transitions.get().note == "Call on Monday"


def test_a_refused_move_changes_nothing_and_says_why(client, soe, soe_staff, foreign_enterprise):
    project = ProjectFactory(owner=soe)
    interest = interest_make(project=project, enterprise=foreign_enterprise)
    client.force_login(soe_staff)

    response = client.post(
        reverse("web:interest_move", args=[interest.pk]), {"to": "withdrawn"}, follow=True
    )

    interest.refresh_from_db()
    assert interest.state == "new"
    assert [str(m) for m in response.context["messages"]] == [
        "Your side cannot move this interest to Withdrawn."
    ]


def test_invite_creates_an_invitation_for_the_candidate(client, soe, soe_staff, foreign_enterprise):
    project = ProjectFactory(owner=soe)
    match = match_make(project=project, enterprise=foreign_enterprise)
    client.force_login(soe_staff)

    client.post(reverse("web:match_invite", args=[match.pk]))

    interest = Interest.objects.get()
    assert (interest.enterprise, interest.initiated_by) == (foreign_enterprise, "project_owner")


def test_other_soe_cannot_see_the_pipeline_or_invite(
    client, soe, other_soe_staff, foreign_enterprise
):
    project = ProjectFactory(owner=soe)
    match = match_make(project=project, enterprise=foreign_enterprise)
    client.force_login(other_soe_staff)

    assert client.get(reverse("web:project_pipeline", args=[project.reference])).status_code == 403
    assert client.post(reverse("web:match_invite", args=[match.pk])).status_code == 403
    assert not Interest.objects.exists()


def test_signing_an_agreement_from_the_board_records_its_value_and_signs_the_project(
    client, soe, soe_staff, foreign_enterprise
):
    project = ProjectFactory(owner=soe)
    interest = interest_make(project=project, enterprise=foreign_enterprise, state="mou_signed")
    client.force_login(soe_staff)
    board = client.get(reverse("web:project_pipeline", args=[project.reference]))
    assert 'name="signed_value"' in board.content.decode()

    client.post(
        reverse("web:interest_move", args=[interest.pk]),
        {
            "to": "agreement_signed",
            "note": "Signed in Chongqing",
            "signed_value": "120000000",
            "signed_currency": "CNY",
        },
    )

    interest.refresh_from_db()
    project.refresh_from_db()
    assert (interest.state, interest.signed_value, interest.signed_currency) == (
        "agreement_signed",
        Decimal("120000000"),
        "CNY",
    )
    assert project.status == "signed"


def test_an_agreement_without_its_value_is_refused(client, soe, soe_staff, foreign_enterprise):
    project = ProjectFactory(owner=soe)
    interest = interest_make(project=project, enterprise=foreign_enterprise, state="mou_signed")
    client.force_login(soe_staff)

    response = client.post(
        reverse("web:interest_move", args=[interest.pk]),
        {"to": "agreement_signed", "signed_currency": "CNY"},
        follow=True,
    )

    interest.refresh_from_db()
    assert interest.state == "mou_signed"
    assert [str(m) for m in response.context["messages"]] == [
        "signed_value: an agreement needs its signed value, above zero."
    ]
