"""Brute-force protection (django-axes) on every login, and throttled sign-up and reset."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"


def fresh_ip() -> str:
    """An address no earlier run used: throttle counters live in Redis across tests."""
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


@pytest.fixture
def member(db):
    return UserFactory(username="lim")


@pytest.mark.parametrize(
    ("url", "button"),
    [("web:login", "web"), ("admin:login", "admin")],
)
def test_five_failures_lock_the_account_from_that_address_for_an_hour(client, member, url, button):
    login = reverse(url)
    for _attempt in range(5):
        failed = client.post(login, {"username": "lim", "password": "wrong"})
        assert failed.status_code in (200, 429)

    locked = client.post(login, {"username": "lim", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="lim")
    # Five failures, then the refused sixth attempt (refused even with the right password).
    assert attempt.failures_since_start == 6
    assert attempt.ip_address == "127.0.0.1"


def test_the_lock_is_per_address(member):
    locked_out = Client(REMOTE_ADDR="192.0.2.10")
    for _attempt in range(5):
        locked_out.post(reverse("web:login"), {"username": "lim", "password": "wrong"})

    elsewhere = Client(REMOTE_ADDR="192.0.2.20")
    response = elsewhere.post(reverse("web:login"), {"username": "lim", "password": PASSWORD})

    assert response.status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(member.pk)


def test_four_failures_then_the_right_password_signs_in_and_resets_the_count(client, member):
    for _attempt in range(4):
        client.post(reverse("web:login"), {"username": "lim", "password": "wrong"})

    response = client.post(reverse("web:login"), {"username": "lim", "password": PASSWORD})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="lim").exists()


def test_lockouts_are_listed_in_the_admin(client, member, admin_user):
    for _attempt in range(5):
        client.post(reverse("web:login"), {"username": "lim", "password": "wrong"})
    admin = Client()
    admin.force_login(admin_user)

    page = admin.get(reverse("admin:axes_accessattempt_changelist"))

    assert page.status_code == 200
    assert "lim" in page.content.decode()


def signup_data(n: int) -> dict:
    return {
        "username": f"applicant{n}",
        "email": f"applicant{n}@example.com",
        "password1": "a-Long-pass-2025",
        "password2": "a-Long-pass-2025",
        "enterprise_name": f"Applicant {n} Ltd",
        "ownership": "private",
        "country": "CN",
        "sectors": ["logistics"],
    }


def test_the_sixth_signup_in_an_hour_from_one_address_is_refused_with_429(settings):
    settings.SIGNUP_RATE = "5/h"
    client = Client(REMOTE_ADDR=fresh_ip())
    for n in range(5):
        assert client.post(reverse("web:signup"), signup_data(n)).status_code == 302
        client.logout()

    refused = client.post(reverse("web:signup"), signup_data(5))

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert get_user_model().objects.filter(username__startswith="applicant").count() == 5
    other = Client(REMOTE_ADDR=fresh_ip())
    assert other.post(reverse("web:signup"), signup_data(6)).status_code == 302


def test_the_sixth_password_reset_in_an_hour_from_one_address_is_refused_with_429(settings, member):
    settings.PASSWORD_RESET_RATE = "5/h"
    client = Client(REMOTE_ADDR=fresh_ip())
    for _n in range(5):
        sent = client.post(reverse("web:password_reset"), {"email": member.email})
        assert sent.status_code == 302

    refused = client.post(reverse("web:password_reset"), {"email": member.email})

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert len(mail.outbox) == 5
