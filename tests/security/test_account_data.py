"""A user downloads their own data, or deletes their account (interests kept, anonymised)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from deals.models import Interest, InterestTransition
from deals.services import interest_express, interest_transition
from enterprises.models import Enterprise, Membership
from notifications.models import Notification, Preference, SavedSearch
from notifications.services import preference_set, saved_search_create
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"


@pytest.fixture
def deal(soe, soe_staff, foreign_member):
    project = ProjectFactory(owner=soe, reference="PRJ-DATA-1")
    interest = interest_express(project=project, by=foreign_member, message="We run bonded sheds.")
    interest_transition(interest=interest, to="in_discussion", by=soe_staff, note="Call booked")
    interest_transition(
        interest=interest, to="meeting_scheduled", by=foreign_member, note="See you Monday"
    )
    return interest


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_export_downloads_everything_about_the_user_as_json(deal, foreign_member):
    preference_set(user_id=foreign_member.pk, kind="match", frequency="daily")
    saved_search_create(user=foreign_member, name="Cold chain", filters={"q": "cold"})
    client = signed_in(foreign_member)

    response = client.post(reverse("web:account_export"), {"export-password": PASSWORD})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="parklink-foreign_member-'
    )
    data = json.loads(response.content)
    assert data["account"]["username"] == "foreign_member"
    assert data["account"]["email"] == "foreign_member@example.com"
    assert data["membership"]["role"] == "member"
    assert data["enterprise"]["name"] == "Straits Logistics Pte Ltd"
    assert [(i["project"], i["message"], i["created_by_me"]) for i in data["interests"]] == [
        ("PRJ-DATA-1", "We run bonded sheds.", True)
    ]
    assert [(h["to"], h["by_me"], h["note"]) for h in data["interests"][0]["history"]] == [
        ("in_discussion", False, "Call booked"),
        ("meeting_scheduled", True, "See you Monday"),
    ]
    assert data["preferences"]["frequencies"] == {"match": "daily"}
    assert [s["name"] for s in data["saved_searches"]] == ["Cold chain"]
    assert data["notifications"] == [
        {
            "kind": n.kind,
            "project": "PRJ-DATA-1",
            "context": n.context,
            "created_at": n.created_at.isoformat(),
            "read_at": None,
        }
        for n in Notification.objects.filter(recipient=foreign_member).order_by("created_at", "id")
    ]


def test_export_with_a_wrong_password_gives_nothing(deal, foreign_member):
    response = signed_in(foreign_member).post(
        reverse("web:account_export"), {"export-password": "not-my-password"}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "The password is not correct." in response.content.decode()
    assert "We run bonded sheds." not in response.content.decode()


def test_delete_keeps_the_interest_and_its_notes_without_the_user(deal, foreign_member):
    user_pk = foreign_member.pk
    preference_set(user_id=user_pk, kind="match", frequency="daily")
    saved_search_create(user=foreign_member, name="Cold chain", filters={"q": "cold"})
    client = signed_in(foreign_member)

    response = client.post(
        reverse("web:account_delete"), {"delete-password": PASSWORD, "delete-confirm": "yes"}
    )

    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert not get_user_model().objects.filter(pk=user_pk).exists()
    assert not Membership.objects.filter(user_id=user_pk).exists()
    assert not Preference.objects.filter(user_id=user_pk).exists()
    assert not SavedSearch.objects.filter(user_id=user_pk).exists()
    assert not Notification.objects.filter(recipient_id=user_pk).exists()
    interest = Interest.objects.get(pk=deal.pk)
    assert (interest.created_by_id, interest.message, interest.state) == (
        None,
        "We run bonded sheds.",
        "meeting_scheduled",
    )
    steps = InterestTransition.objects.filter(interest=interest).order_by("at", "id")
    assert [(s.to_state, s.by_id is None, s.note) for s in steps] == [
        ("in_discussion", False, "Call booked"),
        ("meeting_scheduled", True, "See you Monday"),
    ]
    assert Enterprise.objects.filter(name="Straits Logistics Pte Ltd").exists()
    assert "_auth_user_id" not in client.session


def test_the_other_party_still_reads_the_interest_after_the_deletion(
    deal, foreign_member, soe_staff
):
    signed_in(foreign_member).post(
        reverse("web:account_delete"), {"delete-password": PASSWORD, "delete-confirm": "yes"}
    )

    page = signed_in(soe_staff).get(reverse("web:interest_detail", args=[deal.pk]))

    assert page.status_code == 200
    assert "We run bonded sheds." in page.content.decode()
    assert "See you Monday" in page.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"delete-password": "wrong-password", "delete-confirm": "yes"},
        {"delete-password": PASSWORD},
    ],
    ids=["wrong-password", "not-confirmed"],
)
def test_delete_without_the_password_or_the_confirmation_deletes_nothing(
    deal, foreign_member, data
):
    response = signed_in(foreign_member).post(reverse("web:account_delete"), data)

    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=foreign_member.pk).exists()
    assert Interest.objects.get(pk=deal.pk).created_by_id == foreign_member.pk


def test_the_account_page_is_linked_from_the_profile(foreign_member):
    profile = signed_in(foreign_member).get(reverse("web:profile")).content.decode()

    assert f'href="{reverse("web:account")}"' in profile
    page = signed_in(foreign_member).get(reverse("web:account"))
    assert page.status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("web:account"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))
