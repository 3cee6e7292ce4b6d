"""Writes through the API: projects, enterprises, interests, notifications. Each goes
through the owning app's service; bad input is a 400 naming the field and changes nothing."""

import pytest

from deals.models import Interest
from projects.models import Project, ProjectTransition
from tests.api.world import snapshot

pytestmark = pytest.mark.django_db

VALID = {
    "reference": "ILSTC-2025-40",
    "title": "Cold-chain hub at Guoyuan Port",
    "description": "A bonded cold-chain warehouse for ASEAN fruit.",
    "sectors": ["logistics.cold_chain"],
    "cooperation_modes": ["joint_venture", "operation"],
    "corridors": ["ilstc_rail_sea"],
    "target_regions": ["ASEAN"],
    "target_countries": ["th"],
    "total_investment": "300000000",
    "currency": "USD",
    "deadline": "2026-03-31",
}


def test_soe_staff_create_publish_and_withdraw_a_project(api, soe, soe_staff):
    client = api(soe_staff)

    created = client.post("/api/v1/projects/", VALID, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["owner"]["id"], body["reference"]) == (
        "draft",
        soe.pk,
        "ILSTC-2025-40",
    )
    assert body["external_investment_sought"] == "300000000.00"
    assert body["total_investment_cny"] == "2151000000.00"
    assert body["target_countries"] == ["TH"]
    assert body["cooperation_modes"] == ["joint_venture", "operation"]
    project_id = body["id"]

    published = client.post(f"/api/v1/projects/{project_id}/publish/")
    assert published.json()["status"] == "published"
    again = client.post(f"/api/v1/projects/{project_id}/publish/")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "The project is already “Published”."

    withdrawn = client.post(
        f"/api/v1/projects/{project_id}/withdraw/", {"note": "Merged."}, format="json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert list(
        ProjectTransition.objects.filter(project_id=project_id)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "note")
    ) == [("draft", "published", ""), ("published", "withdrawn", "Merged.")]


def test_partial_update_changes_only_what_was_sent(api, soe, soe_staff):
    project_id = api(soe_staff).post("/api/v1/projects/", VALID, format="json").json()["id"]

    response = api(soe_staff).patch(
        f"/api/v1/projects/{project_id}/",
        {"deadline": "2026-06-30", "sectors": ["logistics.warehousing"]},
        format="json",
    )

    assert response.status_code == 200
    project = Project.objects.get(pk=project_id)
    assert str(project.deadline) == "2026-06-30"
    assert list(project.sectors.values_list("code", flat=True)) == ["logistics.warehousing"]
    assert project.title == VALID["title"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "This field may not be blank."),
        (
            {"sectors": ["logistics.moon"]},
            "sectors",
            "Object with code=logistics.moon does not exist.",
        ),
        ({"sectors": []}, "sectors", "This list may not be empty."),
        (
            {"sectors": ["logistics\x00"]},
            "sectors",
            "Object with code=logistics\x00 does not exist.",
        ),
        ({"title": "Cold\x00chain"}, "title", "Null characters are not allowed."),
        (
            {"total_investment": "-1"},
            "total_investment",
            "Ensure this value is greater than or equal to 0.",
        ),
        ({"total_investment": "lots"}, "total_investment", "A valid number is required."),
        (
            {"external_investment_sought": "400000000"},
            "external_investment_sought",
            "The external investment sought cannot exceed the total investment.",
        ),
        ({"currency": "XYZ"}, "currency", "No exchange rate for currency XYZ."),
        (
            {"deadline": "31/03/2026"},
            "deadline",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        ({"location_country": "ZZ"}, "location_country", "“ZZ” is not an ISO 3166-1 country code."),
        ({"park": 999999}, "park", 'Invalid pk "999999" - object does not exist.'),
    ],
)
def test_invalid_project_is_a_400_naming_the_field(api, soe_staff, change, field, message):
    before = snapshot()

    response = api(soe_staff).post("/api/v1/projects/", {**VALID, **change}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert snapshot() == before


def test_duplicate_reference_is_a_400_naming_the_field(api, soe_staff):
    api(soe_staff).post("/api/v1/projects/", VALID, format="json")

    response = api(soe_staff).post("/api/v1/projects/", VALID, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "reference": ["Project with this Reference already exists."]
    }
    assert Project.objects.filter(reference=VALID["reference"]).count() == 1


def test_malformed_json_is_a_400(api, soe_staff):
    response = api(soe_staff).generic(
        "POST", "/api/v1/projects/", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_member_edits_own_enterprise_profile(api, foreign_enterprise, foreign_member):
    response = api(foreign_member).patch(
        f"/api/v1/enterprises/{foreign_enterprise.pk}/",
        {"description": "Bonded warehousing.", "regions": ["ASEAN"], "countries": ["th", "MY"]},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["description"], body["regions"], body["countries"]) == (
        "Bonded warehousing.",
        ["ASEAN"],
        ["MY", "TH"],
    )


def test_enterprise_amounts_are_validated_together(api, foreign_enterprise, foreign_member):
    response = api(foreign_member).patch(
        f"/api/v1/enterprises/{foreign_enterprise.pk}/",
        {"investment_min": "10", "investment_max": "5"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "investment_min": ["The smallest commitment exceeds the largest."]
    }


def test_interest_pipeline_to_a_signed_agreement(api, world, soe_staff, foreign_member):
    interest = f"/api/v1/interests/{world.interest.pk}/transition/"
    for client, state in [
        (api(soe_staff), "in_discussion"),
        (api(foreign_member), "meeting_scheduled"),
        (api(soe_staff), "mou_signed"),
    ]:
        assert client.post(interest, {"to": state}, format="json").json()["state"] == state

    missing = api(soe_staff).post(interest, {"to": "agreement_signed"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {
        "signed_value": ["An agreement needs its signed value."]
    }

    signed = api(soe_staff).post(
        interest,
        {"to": "agreement_signed", "signed_value": "870000000", "signed_currency": "CNY"},
        format="json",
    )
    body = signed.json()
    assert (body["state"], body["signed_value"], body["next_states"]) == (
        "agreement_signed",
        "870000000.00",
        [],
    )
    assert [t["to_state"] for t in body["transitions"]] == [
        "in_discussion",
        "meeting_scheduled",
        "mou_signed",
        "agreement_signed",
    ]
    world.published.refresh_from_db()
    assert world.published.status == "signed"

    totals = api(soe_staff).get(
        f"/api/v1/opportunity-lists/{world.opportunity_list.pk}/deal-totals/"
    )
    assert totals.json()["agreements_signed"] == 1
    assert totals.json()["agreements_with_foreign"] == 1
    assert totals.json()["summary"] == "1 signed, 870 million yuan, 1 with foreign firms"


def test_a_skipped_pipeline_step_is_a_409(api, world, soe_staff):
    response = api(soe_staff).post(
        f"/api/v1/interests/{world.interest.pk}/transition/", {"to": "mou_signed"}, format="json"
    )

    assert response.status_code == 409
    assert Interest.objects.get(pk=world.interest.pk).state == "new"


def test_invite_marks_the_match_contacted(api, world, soe_staff):
    response = api(soe_staff).post(
        "/api/v1/interests/invite/", {"match": world.invite_match.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["initiated_by"] == "project_owner"
    world.invite_match.refresh_from_db()
    assert world.invite_match.state == "contacted"


def test_opportunity_list_totals_count_public_projects_in_cny(api, world):
    body = api(None).get(f"/api/v1/opportunity-lists/{world.opportunity_list.pk}/").json()

    assert (body["projects_count"], body["total_investment_cny"]) == (1, "4200000000.00")
    assert body["external_investment_sought_cny"] == "2000000000.00"


def test_notifications_read_and_count(api, world, soe_staff):
    client = api(soe_staff)
    listed = client.get("/api/v1/notifications/").json()["results"]
    assert [(n["kind"], n["read"]) for n in listed] == [("interest", False)]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}

    assert client.post(
        "/api/v1/notifications/mark-read/", {"ids": [listed[0]["id"]]}, format="json"
    ).json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_saved_search_with_a_bad_filter_is_refused(api, foreign_member):
    response = api(foreign_member).post(
        "/api/v1/saved-searches/",
        {"name": "Cheap", "filters": {"min_amount": "lots"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"filters": ["min_amount: Enter a number."]}


def test_indicative_amount_is_validated(api, world, other_soe_staff):
    response = api(other_soe_staff).post(
        "/api/v1/interests/",
        {"project": world.second_published.pk, "indicative_amount": "-1"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "indicative_amount": ["Ensure this value is greater than or equal to 0."]
    }
    assert Interest.objects.count() == 1
