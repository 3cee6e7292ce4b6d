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


@pytest.fixture
def world(soe, other_soe, foreign_enterprise, soe_staff, other_soe_staff, foreign_member):
    """One scenario every permission case runs against (see tests/api/world.py)."""
    from tests.api.world import build_world

    return build_world(
        soe=soe,
        other_soe=other_soe,
        foreign_enterprise=foreign_enterprise,
        soe_staff=soe_staff,
        foreign_member=foreign_member,
    )


@pytest.fixture
def role_user(request, soe_staff, other_soe_staff, foreign_member, admin_user):
    """The user of a role name: anonymous, member, owner_staff, other_soe_staff, admin."""
    users = {
        "anonymous": None,
        "member": foreign_member,
        "owner_staff": soe_staff,
        "other_soe_staff": other_soe_staff,
        "admin": admin_user,
    }
    return lambda role: users[role]
