"""The permission matrix of docs/api.md: every role x endpoint x action, with the status it
answers and, for every refused write, proof that nothing changed."""

import pytest

from tests.api.world import snapshot

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "owner_staff", "other_soe_staff", "admin"]


def _project_body(w):
    return {
        "reference": "ILSTC-2025-50",
        "title": "Rail-sea cold chain",
        "description": "Cold-chain hub on the rail-sea corridor.",
        "owner": w.soe.pk,
        "sectors": ["logistics.cold_chain"],
        "cooperation_modes": ["joint_venture"],
        "total_investment": "300000000",
    }


# (name, method, url(w), body(w) or None, {role: status})
CASES = [
    ("reference data", "get", lambda w: "/api/v1/sectors/", None, dict.fromkeys(ROLES, 200)),
    ("regions", "get", lambda w: "/api/v1/regions/ASEAN/", None, dict.fromkeys(ROLES, 200)),
    ("parks", "get", lambda w: "/api/v1/parks/", None, dict.fromkeys(ROLES, 200)),
    (
        "opportunity lists",
        "get",
        lambda w: f"/api/v1/opportunity-lists/{w.opportunity_list.pk}/",
        None,
        dict.fromkeys(ROLES, 200),
    ),
    (
        "deal totals of a list",
        "get",
        lambda w: f"/api/v1/opportunity-lists/{w.opportunity_list.pk}/deal-totals/",
        None,
        {"anonymous": 401, "member": 403, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    ("project list", "get", lambda w: "/api/v1/projects/", None, dict.fromkeys(ROLES, 200)),
    (
        "published project",
        "get",
        lambda w: f"/api/v1/projects/{w.published.pk}/",
        None,
        dict.fromkeys(ROLES, 200),
    ),
    (
        "draft project",
        "get",
        lambda w: f"/api/v1/projects/{w.draft.pk}/",
        None,
        {"anonymous": 404, "member": 404, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "create project for the owner",
        "post",
        lambda w: "/api/v1/projects/",
        _project_body,
        {"anonymous": 401, "member": 403, "owner_staff": 201, "other_soe_staff": 403, "admin": 201},
    ),
    (
        "edit published project",
        "patch",
        lambda w: f"/api/v1/projects/{w.published.pk}/",
        lambda w: {"title": "Changed title"},
        {"anonymous": 401, "member": 403, "owner_staff": 200, "other_soe_staff": 403, "admin": 200},
    ),
    (
        "edit draft project",
        "patch",
        lambda w: f"/api/v1/projects/{w.draft.pk}/",
        lambda w: {"title": "Changed title"},
        {"anonymous": 401, "member": 404, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "publish draft",
        "post",
        lambda w: f"/api/v1/projects/{w.draft.pk}/publish/",
        None,
        {"anonymous": 401, "member": 404, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "withdraw published project",
        "post",
        lambda w: f"/api/v1/projects/{w.second_published.pk}/withdraw/",
        lambda w: {"note": "Merged."},
        {"anonymous": 401, "member": 403, "owner_staff": 200, "other_soe_staff": 403, "admin": 200},
    ),
    ("enterprise list", "get", lambda w: "/api/v1/enterprises/", None, dict.fromkeys(ROLES, 200)),
    (
        "enterprise profile",
        "get",
        lambda w: f"/api/v1/enterprises/{w.foreign.pk}/",
        None,
        dict.fromkeys(ROLES, 200),
    ),
    (
        "edit the member's enterprise",
        "patch",
        lambda w: f"/api/v1/enterprises/{w.foreign.pk}/",
        lambda w: {"description": "Bonded warehousing at Laem Chabang."},
        {"anonymous": 401, "member": 200, "owner_staff": 403, "other_soe_staff": 403, "admin": 200},
    ),
    (
        "me",
        "get",
        lambda w: "/api/v1/me/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "list own tokens",
        "get",
        lambda w: "/api/v1/auth/tokens/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "create own token",
        "post",
        lambda w: "/api/v1/auth/tokens/",
        None,
        {"anonymous": 401, "member": 201, "owner_staff": 201, "other_soe_staff": 201, "admin": 201},
    ),
    (
        "recommended projects",
        "get",
        lambda w: "/api/v1/matches/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "candidates of a project",
        "get",
        lambda w: f"/api/v1/matches/?project={w.published.pk}",
        None,
        {"anonymous": 401, "member": 403, "owner_staff": 200, "other_soe_staff": 403, "admin": 200},
    ),
    (
        "candidates of a draft",
        "get",
        lambda w: f"/api/v1/matches/?project={w.draft.pk}",
        None,
        {"anonymous": 401, "member": 404, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "one match",
        "get",
        lambda w: f"/api/v1/matches/{w.match.pk}/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "dismiss a match",
        "post",
        lambda w: f"/api/v1/matches/{w.match.pk}/mark/",
        lambda w: {"state": "dismissed"},
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "interest list",
        "get",
        lambda w: "/api/v1/interests/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "one interest",
        "get",
        lambda w: f"/api/v1/interests/{w.interest.pk}/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 404, "admin": 200},
    ),
    (
        "express interest",
        "post",
        lambda w: "/api/v1/interests/",
        lambda w: {"project": w.second_published.pk, "message": "Interested."},
        {"anonymous": 401, "member": 201, "owner_staff": 403, "other_soe_staff": 201, "admin": 403},
    ),
    (
        "invite a candidate",
        "post",
        lambda w: "/api/v1/interests/invite/",
        lambda w: {"match": w.invite_match.pk, "message": "Let us talk."},
        {"anonymous": 401, "member": 403, "owner_staff": 201, "other_soe_staff": 400, "admin": 403},
    ),
    (
        "move an interest forward",
        "post",
        lambda w: f"/api/v1/interests/{w.interest.pk}/transition/",
        lambda w: {"to": "in_discussion"},
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 404, "admin": 403},
    ),
    (
        "decline an interest",
        "post",
        lambda w: f"/api/v1/interests/{w.interest.pk}/transition/",
        lambda w: {"to": "declined"},
        {"anonymous": 401, "member": 403, "owner_staff": 200, "other_soe_staff": 404, "admin": 403},
    ),
    (
        "notifications",
        "get",
        lambda w: "/api/v1/notifications/",
        None,
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "mark notifications read",
        "post",
        lambda w: "/api/v1/notifications/mark-read/",
        lambda w: {},
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "change preferences",
        "patch",
        lambda w: "/api/v1/notifications/preferences/",
        lambda w: {"language": "zh-hans", "kinds": {"match": "daily"}},
        {"anonymous": 401, "member": 200, "owner_staff": 200, "other_soe_staff": 200, "admin": 200},
    ),
    (
        "save a search",
        "post",
        lambda w: "/api/v1/saved-searches/",
        lambda w: {"name": "Cold chain", "filters": {"sector": ["logistics.cold_chain"]}},
        {"anonymous": 401, "member": 201, "owner_staff": 201, "other_soe_staff": 201, "admin": 201},
    ),
    (
        "follow a project",
        "post",
        lambda w: "/api/v1/follows/",
        lambda w: {"project": w.published.pk},
        {"anonymous": 401, "member": 201, "owner_staff": 201, "other_soe_staff": 201, "admin": 403},
    ),
    (
        "follow a draft",
        "post",
        lambda w: "/api/v1/follows/",
        lambda w: {"project": w.draft.pk},
        {"anonymous": 401, "member": 400, "owner_staff": 201, "other_soe_staff": 400, "admin": 403},
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [pytest.param(m, u, b, e, id=name) for name, m, u, b, e in CASES],
)
def test_permission_matrix(api, world, role_user, role, method, url, body, expected):
    client = api(role_user(role))
    before = snapshot()
    kwargs = {"format": "json"} if method != "get" else {}
    if body is not None:
        kwargs["data"] = body(world)

    response = getattr(client, method)(url(world), **kwargs)

    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response.json()["error"]["status"] == response.status_code
        if method != "get":
            assert snapshot() == before, "a refused write changed something"


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("anonymous", ["ILSTC-2025-01", "ILSTC-2025-02"]),
        ("member", ["ILSTC-2025-01", "ILSTC-2025-02"]),
        ("owner_staff", ["ILSTC-2025-01", "ILSTC-2025-02", "ILSTC-2025-99"]),
        ("other_soe_staff", ["ILSTC-2025-01", "ILSTC-2025-02"]),
        ("admin", ["ILSTC-2025-01", "ILSTC-2025-02", "ILSTC-2025-99"]),
    ],
)
def test_project_list_shows_drafts_only_to_their_owner_and_admins(
    api, world, role_user, role, visible
):
    response = api(role_user(role)).get("/api/v1/projects/")

    assert [p["reference"] for p in response.json()["results"]] == visible


@pytest.mark.parametrize(
    ("role", "enterprise_of_match"),
    [("member", "foreign"), ("owner_staff", None), ("other_soe_staff", None)],
)
def test_recommendations_are_the_enterprise_s_own(api, world, role_user, role, enterprise_of_match):
    response = api(role_user(role)).get("/api/v1/matches/")

    results = response.json()["results"]
    if enterprise_of_match is None:
        assert results == []
    else:
        assert [(m["project"]["reference"], m["enterprise"]["id"]) for m in results] == [
            ("ILSTC-2025-01", world.foreign.pk)
        ]


def test_contact_email_is_shown_only_to_whom_the_contact_rule_allows(
    api, world, foreign_member, soe_staff, other_soe_staff, admin_user
):
    """Own members, admins, and the SOE whose project the firm expressed interest in."""
    world.foreign.contact_email = "bd@straits.example"
    world.foreign.save(update_fields=["contact_email"])
    url = f"/api/v1/enterprises/{world.foreign.pk}/"

    assert api(None).get(url).json()["contact_email"] is None
    assert api(other_soe_staff).get(url).json()["contact_email"] is None
    assert api(soe_staff).get(url).json()["contact_email"] == "bd@straits.example"
    assert api(foreign_member).get(url).json()["contact_email"] == "bd@straits.example"
    assert api(admin_user).get(url).json()["contact_email"] == "bd@straits.example"
    listed = api(other_soe_staff).get("/api/v1/enterprises/").json()["results"]
    assert {row["contact_email"] for row in listed if row["id"] != world.other_soe.pk} == {None}


def test_unverified_enterprise_is_hidden_from_others(api, world, foreign_member, soe_staff):
    world.foreign.is_verified = False
    world.foreign.save(update_fields=["is_verified"])
    url = f"/api/v1/enterprises/{world.foreign.pk}/"

    assert api(None).get(url).status_code == 404
    assert api(soe_staff).get(url).status_code == 404
    assert api(foreign_member).get(url).status_code == 200


def test_another_users_notification_is_not_found(api, world, soe_staff, foreign_member):
    from notifications.models import Notification

    theirs = Notification.objects.filter(recipient=soe_staff).first()
    assert theirs is not None  # the interest in world notified the owner's staff

    assert api(foreign_member).get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert api(soe_staff).get(f"/api/v1/notifications/{theirs.pk}/").status_code == 200
