"""Token lifecycle, session authentication with CSRF, throttling."""

import pytest
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from projects.models import Project

pytestmark = pytest.mark.django_db


def test_token_lifecycle(api, foreign_member):
    session = api(foreign_member)
    assert session.get("/api/v1/auth/tokens/").json() == []

    created = session.post("/api/v1/auth/tokens/")
    assert created.status_code == 201
    key = created.json()["key"]
    token_id = created.json()["id"]
    assert token_id == key[:8]
    assert session.get("/api/v1/auth/tokens/").json() == [
        {"id": token_id, "created": created.json()["created"]}
    ]

    integration = APIClient()
    integration.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert integration.get("/api/v1/me/").json()["username"] == "foreign_member"

    rotated = session.post("/api/v1/auth/tokens/").json()["key"]
    assert rotated != key
    assert integration.get("/api/v1/me/").status_code == 401

    integration.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert integration.delete(f"/api/v1/auth/tokens/{rotated[:8]}/").status_code == 204
    assert integration.get("/api/v1/me/").status_code == 401
    assert Token.objects.count() == 0


def test_a_user_cannot_see_or_revoke_another_users_token(api, foreign_member, soe_staff):
    theirs = Token.objects.create(user=soe_staff)

    client = api(foreign_member)
    assert client.get("/api/v1/auth/tokens/").json() == []
    assert client.delete(f"/api/v1/auth/tokens/{theirs.key[:8]}/").status_code == 404
    assert Token.objects.filter(pk=theirs.pk).exists()


def test_unauthenticated_requests_get_401_with_a_token_challenge(api):
    response = api(None).get("/api/v1/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused(api):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get("/api/v1/projects/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_session_writes_need_the_csrf_token(soe, soe_staff):
    draft = Project.objects.create(
        owner=soe,
        reference="D-1",
        title="Draft",
        description="d",
        total_investment=1,
        external_investment_sought=1,
    )
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(soe_staff)

    refused = client.post(f"/api/v1/projects/{draft.pk}/publish/")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    draft.refresh_from_db()
    assert draft.status == Project.Status.DRAFT

    csrf = get_random_string(32)  # what a browser sends back from the csrftoken cookie
    client.cookies["csrftoken"] = csrf
    accepted = client.post(f"/api/v1/projects/{draft.pk}/publish/", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "published"


def test_token_writes_need_no_csrf(soe, soe_staff):
    draft = Project.objects.create(
        owner=soe,
        reference="D-2",
        title="Draft",
        description="d",
        total_investment=1,
        external_investment_sought=1,
    )
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=soe_staff).key}")

    assert client.post(f"/api/v1/projects/{draft.pk}/publish/").status_code == 200


def test_anonymous_clients_are_throttled(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    client = api(None)

    statuses = [client.get("/api/v1/sectors/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/sectors/")
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


def test_users_are_throttled_per_user(api, settings, foreign_member, soe_staff):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    member = api(foreign_member)

    assert [member.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert api(soe_staff).get("/api/v1/me/").status_code == 200


def test_me_says_who_the_user_is(api, soe, soe_staff, admin_user):
    body = api(soe_staff).get("/api/v1/me/").json()

    assert body == {
        "id": soe_staff.pk,
        "username": "soe_staff",
        "email": "soe_staff@example.com",
        "first_name": "",
        "last_name": "",
        "role": "soe_staff",
        "membership_role": "member",
        "enterprise": {
            "id": soe.pk,
            "reference": soe.reference,
            "name": "Chongqing Port Logistics Group",
            "ownership": "soe",
            "country": "CN",
            "is_verified": True,
        },
    }
    admin = api(admin_user).get("/api/v1/me/").json()
    assert (admin["role"], admin["enterprise"], admin["membership_role"]) == ("admin", None, None)
