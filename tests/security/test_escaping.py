"""HTML and script typed into any free-text field is shown as text, never run."""

import pytest
from django.test import Client
from django.urls import reverse

from deals.services import interest_express, interest_transition
from notifications.services import saved_search_create
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def tagged(field: str) -> str:
    return f"{field} {PAYLOAD}"


@pytest.fixture
def hostile(soe, soe_staff, foreign_enterprise, foreign_member):
    """Every free-text field filled with markup by the people allowed to write it."""
    soe.name = tagged("soe-name")
    soe.description = tagged("soe-description")
    soe.save(update_fields=["name", "description"])
    foreign_enterprise.name = tagged("firm-name")
    foreign_enterprise.description = tagged("firm-description")
    foreign_enterprise.save(update_fields=["name", "description"])
    project = ProjectFactory(
        owner=soe,
        reference="PRJ-XSS",
        title=tagged("project-title"),
        description=tagged("project-description"),
    )
    interest = interest_express(project=project, by=foreign_member, message=tagged("message"))
    interest_transition(
        interest=interest, to="in_discussion", by=soe_staff, note=tagged("transition-note")
    )
    saved_search_create(user=foreign_member, name=tagged("search-name"), filters={"q": "x"})
    return {"project": project, "interest": interest}


def page(user, url) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_escaped(body: str, *fields: str) -> None:
    assert PAYLOAD not in body
    assert "<script>alert" not in body
    for field in fields:
        assert f"{field} {ESCAPED}" in body, field


def test_project_pages_show_markup_as_text(hostile):
    assert_escaped(
        page(None, reverse("web:project_detail", args=["PRJ-XSS"])),
        "project-title",
        "project-description",
    )
    assert_escaped(page(None, reverse("web:project_list")), "project-title")
    assert_escaped(page(None, reverse("web:home")), "project-title")


def test_enterprise_page_shows_markup_as_text(hostile, foreign_enterprise):
    assert_escaped(
        page(None, reverse("web:enterprise_detail", args=[foreign_enterprise.reference])),
        "firm-name",
        "firm-description",
    )


def test_interest_page_shows_message_and_note_as_text(hostile, foreign_member, soe_staff):
    url = reverse("web:interest_detail", args=[hostile["interest"].pk])
    for user in (foreign_member, soe_staff):
        assert_escaped(page(user, url), "message", "transition-note", "project-title")


def test_pipeline_and_my_interests_show_markup_as_text(hostile, foreign_member, soe_staff):
    assert_escaped(page(soe_staff, reverse("web:project_pipeline", args=["PRJ-XSS"])), "firm-name")
    assert_escaped(page(foreign_member, reverse("web:my_interests")), "project-title")


def test_saved_search_name_is_shown_as_text(hostile, foreign_member):
    assert_escaped(page(foreign_member, reverse("web:preferences")), "search-name")


def test_the_admin_shows_markup_as_text(hostile, admin_user):
    body = page(admin_user, reverse("admin:projects_project_changelist"))

    assert PAYLOAD not in body
    assert "project-title &lt;script&gt;" in body
