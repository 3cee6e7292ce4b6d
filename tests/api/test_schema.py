"""The OpenAPI schema: complete, and true to what the API answers (a schemathesis run)."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/?format=json"
EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def openapi(api):
    response = api(None).get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def _operations(openapi):
    for path, item in openapi["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_schema_is_openapi_3_and_lists_every_endpoint(openapi):
    assert openapi["openapi"].startswith("3.")
    paths = set(openapi["paths"])
    for path in [
        "/api/v1/sectors/",
        "/api/v1/corridors/",
        "/api/v1/cooperation-modes/",
        "/api/v1/ownership-types/",
        "/api/v1/regions/",
        "/api/v1/opportunity-lists/",
        "/api/v1/opportunity-lists/{id}/deal-totals/",
        "/api/v1/parks/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/publish/",
        "/api/v1/projects/{id}/withdraw/",
        "/api/v1/enterprises/{id}/",
        "/api/v1/matches/",
        "/api/v1/matches/{id}/mark/",
        "/api/v1/interests/",
        "/api/v1/interests/invite/",
        "/api/v1/interests/{id}/transition/",
        "/api/v1/notifications/",
        "/api/v1/notifications/preferences/",
        "/api/v1/saved-searches/",
        "/api/v1/follows/",
        "/api/v1/me/",
        "/api/v1/auth/tokens/",
        "/api/v1/auth/tokens/{id}/",
    ]:
        assert path in paths


def test_every_operation_documents_its_bodies_and_errors(openapi):
    for path, method, operation in _operations(openapi):
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, f"{where} has no success response"
        for code in success:
            if code != "204":
                assert "application/json" in responses[code]["content"], f"{where} {code}"
        if method == "get":
            continue
        errors = {code for code in responses if code.startswith("4")}
        assert "401" in errors, f"{where} does not document 401"
        if method != "delete" and not path.endswith(("/publish/", "/auth/tokens/")):
            assert "requestBody" in operation, f"{where} has no request body"
            assert "400" in errors, f"{where} does not document 400"
            schema = operation["requestBody"]["content"]["application/json"]
            assert "schema" in schema, f"{where} has no request schema"


def test_the_main_operations_carry_examples(openapi):
    def has_example(operation) -> bool:
        bodies = [operation.get("requestBody", {}).get("content", {})]
        bodies += [r.get("content", {}) for r in operation["responses"].values()]
        return any("examples" in media for body in bodies for media in body.values())

    operations = {(m.upper(), p): op for p, m, op in _operations(openapi) if m != "delete"}
    without = sorted(f"{m} {p}" for (m, p), op in operations.items() if not has_example(op))
    assert without == []


def test_the_project_filters_are_documented(openapi):
    parameters = {p["name"] for p in openapi["paths"]["/api/v1/projects/"]["get"]["parameters"]}

    assert {
        "sector",
        "corridor",
        "mode",
        "place",
        "park",
        "list",
        "owner",
        "status",
        "min_amount",
        "max_amount",
        "currency",
        "deadline_after",
        "deadline_before",
        "q",
        "ordering",
        "page",
        "page_size",
    } <= parameters


def test_docs_page_is_served(api):
    response = api(None).get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def _schema_document() -> dict:
    """The schema the API serves, generated in-process (as /api/schema/ renders it)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator(urlconf="tests.api.urls").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_schema_document()).include(path_regex="^/api/v1/")
schema.app = get_wsgi_application()


@pytest.fixture
def in_process(settings):
    """Requests through the real WSGI handler, inside the test's transaction: like Django's
    test client, keep the handler from closing the connection between requests; and no
    throttling during the run."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_as_its_schema_says(case, world, soe_staff, in_process):
    """Generated requests, as SOE staff of the owner (via a token), on the world scenario:
    no 5xx, every status documented, every body as the schema says."""
    token, _created = Token.objects.get_or_create(user=soe_staff)

    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            schemathesis.checks.response_schema_conformance,
            schemathesis.checks.status_code_conformance,
            schemathesis.checks.content_type_conformance,
        ],
    )
