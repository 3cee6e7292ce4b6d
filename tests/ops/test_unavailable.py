"""A database or Redis outage answers 503 with Retry-After, quickly, instead of 500 or a hang."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError

REPO = Path(__file__).resolve().parent.parent.parent


def database_down(request):
    raise OperationalError('connection failed: connection to server at "127.0.0.1" refused')


def redis_down(request):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def broken(request):
    raise ValueError("a bug")


def fine(request):
    return HttpResponse("ok")


class SessionSaveFails:
    """An inner middleware failing on the way out, as SessionMiddleware does when it saves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("page", database_down),
    path("api/v1/things/", database_down),
    path("cache", redis_down),
    path("bug", broken),
    path("fine", fine),
]


@pytest.fixture
def raising_client(client):
    client.raise_request_exception = False
    return client


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_answers_503_with_retry_after_when_the_database_is_down(raising_client):
    response = raising_client.get("/page")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert b"Service unavailable" in response.content
    assert response["X-Request-ID"]


@override_settings(ROOT_URLCONF=__name__)
def test_the_api_answers_503_in_its_error_shape(raising_client):
    response = raising_client.get("/api/v1/things/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": {
            "status": 503,
            "code": "unavailable",
            "message": "The service is briefly unavailable. Please try again in a few seconds.",
            "fields": {},
        }
    }


@override_settings(ROOT_URLCONF=__name__)
def test_redis_unreachable_is_a_503_too(raising_client):
    response = raising_client.get("/cache")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@override_settings(ROOT_URLCONF=__name__)
def test_a_bug_is_still_a_500(raising_client):
    response = raising_client.get("/bug")

    assert response.status_code == 500
    assert not response.has_header("Retry-After")


@override_settings(ROOT_URLCONF=__name__)
def test_a_database_error_in_an_inner_middleware_is_a_503(raising_client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.SessionSaveFails"]

    response = raising_client.get("/fine")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


PROBE = textwrap.dedent(
    """
    import json, time
    import django
    django.setup()
    from django.test import Client

    client = Client(raise_request_exception=False)
    out = {}
    for url in ("/opportunities/", "/api/v1/projects/", "/healthz"):
        started = time.monotonic()
        response = client.get(url)
        out[url] = {
            "status": response.status_code,
            "seconds": time.monotonic() - started,
            "retry_after": response.get("Retry-After"),
            "body": response.content.decode()[:400],
        }
    print(json.dumps(out))
    """
)


def test_with_postgresql_unreachable_real_requests_fail_fast_with_503():
    """A real refused connection (nothing listens on 127.0.0.1:9), in a fresh process."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL="postgres://postgres@127.0.0.1:9/parklink_unreachable",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])

    page, api, health = (results[u] for u in ("/opportunities/", "/api/v1/projects/", "/healthz"))
    assert (page["status"], page["retry_after"]) == (503, "5")
    assert (api["status"], api["retry_after"]) == (503, "5")
    assert json.loads(api["body"])["error"]["code"] == "unavailable"
    assert health["status"] == 503
    assert json.loads(health["body"])["checks"]["database"]["status"] == "down"
    assert max(r["seconds"] for r in results.values()) < 3
