"""Behind a reverse proxy, lockouts and sign-up limits count the visitor, not the proxy."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from core.net import client_ip
from tests.factories import UserFactory
from tests.security.test_login_protection import PASSWORD, fresh_ip, signup_data

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def via_proxy(visitor: str, *, claimed: str = "") -> Client:
    """A browser at `visitor` behind the TLS proxy; `claimed` is what it put in the header."""
    forwarded = f"{claimed}, {visitor}" if claimed else visitor
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),  # no proxy configured: the header is not trusted
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (1, "", PROXY),
    ],
)
def test_the_client_is_counted_from_the_right_of_x_forwarded_for(
    settings, count, forwarded, expected
):
    settings.PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_lockout_behind_the_proxy_locks_one_visitor_not_everybody(settings):
    settings.PROXY_COUNT = 1
    member = UserFactory(username="lim")
    attacker = via_proxy("198.51.100.66")
    for _attempt in range(5):
        attacker.post(reverse("web:login"), {"username": "lim", "password": "wrong"})
    assert (
        attacker.post(reverse("web:login"), {"username": "lim", "password": PASSWORD}).status_code
        == 429
    )

    # Another visitor behind the same proxy signs in; the attacker cannot dodge its lock by
    # writing another address into the header.
    visitor = via_proxy("198.51.100.77")
    response = visitor.post(reverse("web:login"), {"username": "lim", "password": PASSWORD})
    assert response.status_code == 302
    assert visitor.session["_auth_user_id"] == str(member.pk)
    dodging = via_proxy("198.51.100.66", claimed="198.51.100.99")
    assert (
        dodging.post(reverse("web:login"), {"username": "lim", "password": PASSWORD}).status_code
        == 429
    )


def test_the_signup_limit_behind_the_proxy_is_per_visitor(settings):
    settings.PROXY_COUNT = 1
    settings.SIGNUP_RATE = "2/h"
    busy, other = fresh_ip(), fresh_ip()
    for n in range(2):
        assert via_proxy(busy).post(reverse("web:signup"), signup_data(n)).status_code == 302

    assert via_proxy(busy).post(reverse("web:signup"), signup_data(2)).status_code == 429
    assert via_proxy(other).post(reverse("web:signup"), signup_data(3)).status_code == 302
    assert get_user_model().objects.filter(username__startswith="applicant").count() == 3
