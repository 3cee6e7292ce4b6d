"""Hostile requests: each is refused and changes nothing (the row is compared before/after)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from deals.models import Interest, InterestTransition
from projects.models import Project
from tests.factories import ForeignEnterpriseFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.security.helpers import VALID_PROJECT_POST, snapshot
from tests.web.helpers import interest_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(soe):
    return ProjectFactory(owner=soe, title="Yangtze cold-chain hub", reference="PRJ-SEC-1")


@pytest.fixture
def draft(soe):
    return ProjectFactory(
        owner=soe, title="Unpublished port deal", reference="PRJ-SEC-DRAFT", status="draft"
    )


@pytest.fixture
def interest(project, foreign_enterprise, foreign_member):
    return interest_make(project=project, enterprise=foreign_enterprise, by=foreign_member)


@pytest.fixture
def outsider():
    """A member of a third, verified firm that has nothing to do with the interest."""
    firm = ForeignEnterpriseFactory(name="Rival Freight GmbH", country="DE")
    return MembershipFactory(enterprise=firm, user=UserFactory(username="rival")).user


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Another SOE's project, edited by its id or reference -------------------------------------


def test_web_edit_of_another_soes_project_is_refused(project, other_soe_staff):
    before = snapshot(project)
    url = reverse("web:project_edit", args=[project.reference])

    response = web(other_soe_staff).post(url, VALID_PROJECT_POST)

    assert response.status_code in (403, 404)
    assert snapshot(project) == before
    assert not project.history.filter(history_type="~").exists()


def test_web_withdraw_of_another_soes_project_is_refused(project, other_soe_staff):
    url = reverse("web:project_edit", args=[project.reference])

    response = web(other_soe_staff).post(url, {"action": "withdraw", "note": "gone"})

    assert response.status_code in (403, 404)
    assert Project.objects.get(pk=project.pk).status == "published"
    assert not project.transitions.exists()


def test_admin_change_of_a_project_by_soe_staff_is_refused(project, other_soe_staff):
    before = snapshot(project)
    url = reverse("admin:projects_project_change", args=[project.pk])

    response = web(other_soe_staff).post(url, {**VALID_PROJECT_POST, "owner": project.owner_id})

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert snapshot(project) == before


def test_api_patch_of_another_soes_project_is_refused(project, other_soe_staff):
    before = snapshot(project)

    response = api(other_soe_staff).patch(
        f"/api/v1/projects/{project.pk}/", {"title": "Hijacked title"}, format="json"
    )

    assert response.status_code in (403, 404)
    assert snapshot(project) == before


def test_api_publish_of_another_soes_draft_is_refused(draft, other_soe_staff):
    response = api(other_soe_staff).post(f"/api/v1/projects/{draft.pk}/publish/")

    assert response.status_code == 404
    assert Project.objects.get(pk=draft.pk).status == "draft"


# A draft fetched by guessing its reference or id -------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "foreign_member", "other_soe_staff"])
def test_a_draft_is_not_found_on_the_web_by_guessing_its_reference(request, draft, who):
    client = Client() if who == "anonymous" else web(request.getfixturevalue(who))

    response = client.get(reverse("web:project_detail", args=[draft.reference]))

    assert response.status_code == 404
    assert "Unpublished port deal" not in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "foreign_member", "other_soe_staff"])
def test_a_draft_is_not_found_in_the_api_by_guessing_its_id(request, draft, who):
    client = APIClient() if who == "anonymous" else api(request.getfixturevalue(who))

    response = client.get(f"/api/v1/projects/{draft.pk}/")

    assert response.status_code == 404
    assert "Unpublished port deal" not in response.content.decode()


def test_the_owner_still_sees_its_draft(draft, soe_staff):
    response = web(soe_staff).get(reverse("web:project_detail", args=[draft.reference]))

    assert response.status_code == 200


# Another firm's interest, read or moved ---------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "other_soe_staff"])
def test_another_firms_interest_cannot_be_read_on_the_web(request, interest, who):
    response = web(request.getfixturevalue(who)).get(
        reverse("web:interest_detail", args=[interest.pk])
    )

    assert response.status_code == 404


@pytest.mark.parametrize("who", ["outsider", "other_soe_staff"])
def test_another_firms_interest_cannot_be_moved_on_the_web(request, interest, who):
    before = snapshot(interest)

    response = web(request.getfixturevalue(who)).post(
        reverse("web:interest_move", args=[interest.pk]), {"to": "withdrawn", "note": "x"}
    )

    assert response.status_code == 404
    assert snapshot(interest) == before
    assert not InterestTransition.objects.filter(interest=interest).exists()


@pytest.mark.parametrize("who", ["outsider", "other_soe_staff"])
def test_another_firms_interest_cannot_be_read_or_moved_in_the_api(request, interest, who):
    client = api(request.getfixturevalue(who))
    before = snapshot(interest)

    read = client.get(f"/api/v1/interests/{interest.pk}/")
    moved = client.post(
        f"/api/v1/interests/{interest.pk}/transition/", {"to": "withdrawn"}, format="json"
    )

    assert read.status_code == 404
    assert moved.status_code == 404
    assert snapshot(interest) == before
    assert not InterestTransition.objects.filter(interest=interest).exists()


def test_the_listing_of_interests_shows_none_of_another_firms(interest, outsider):
    body = api(outsider).get("/api/v1/interests/").json()

    assert body["results"] == []


# CSRF on session-authenticated writes ------------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_web_project_edit_without_csrf_token_is_refused(project, soe_staff):
    before = snapshot(project)

    response = csrf_client(soe_staff).post(
        reverse("web:project_edit", args=[project.reference]), VALID_PROJECT_POST
    )

    assert response.status_code == 403
    assert snapshot(project) == before


def test_web_interest_move_without_csrf_token_is_refused(interest, foreign_member):
    response = csrf_client(foreign_member).post(
        reverse("web:interest_move", args=[interest.pk]), {"to": "withdrawn"}
    )

    assert response.status_code == 403
    assert Interest.objects.get(pk=interest.pk).state == "new"


def test_web_account_delete_without_csrf_token_is_refused(foreign_member):
    response = csrf_client(foreign_member).post(
        reverse("web:account_delete"),
        {"delete-password": "pass-Word-123", "delete-confirm": "yes"},
    )

    assert response.status_code == 403
    assert type(foreign_member).objects.filter(pk=foreign_member.pk).exists()


def test_api_session_write_without_csrf_token_is_refused(project, soe_staff):
    before = snapshot(project)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(soe_staff)

    response = client.patch(f"/api/v1/projects/{project.pk}/", {"title": "No token"}, format="json")

    assert response.status_code == 403
    assert snapshot(project) == before


def test_api_session_write_with_csrf_token_is_accepted(project, soe_staff):
    """The control: the same write with the token goes through, so the 403 above is CSRF's."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(soe_staff)
    client.get(reverse("web:home"))
    token = client.cookies["csrftoken"].value

    response = client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "With token"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200
    assert Project.objects.get(pk=project.pk).title == "With token"
