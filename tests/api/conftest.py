"""API test fixtures: the API routes alone, throttles reset, a client per role."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """Make a client signed in as `user` (session), or anonymous for None."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make
