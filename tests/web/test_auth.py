"""Sign-up, sign-in, sign-out and password reset."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from enterprises.models import Enterprise, Membership
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "username": "lim",
        "email": "lim@straits.example",
        "password1": "a-Long-pass-2025",
        "password2": "a-Long-pass-2025",
        "enterprise_name": "Straits Cold Chain Sdn Bhd",
        "ownership": "foreign",
        "country": "MY",
        "sectors": ["logistics.cold_chain"],
        "website": "https://straits.example",
        "description": "Cold stores in Port Klang.",
    }
    data.update(overrides)
    return data


def test_signup_creates_an_unverified_enterprise_with_the_user_as_its_admin(client):
    response = client.post(reverse("web:signup"), signup_data())

    assert response.status_code == 302
    assert response.url == reverse("web:profile")
    membership = Membership.objects.select_related("enterprise").get(user__username="lim")
    enterprise = membership.enterprise
    assert membership.role == Membership.Role.ADMIN
    assert (enterprise.name, enterprise.ownership_id, str(enterprise.country)) == (
        "Straits Cold Chain Sdn Bhd",
        "foreign",
        "MY",
    )
    assert enterprise.is_verified is False
    assert list(enterprise.sectors.values_list("code", flat=True)) == ["logistics.cold_chain"]
    assert enterprise.contact_email == "lim@straits.example"


def test_signup_with_mismatched_passwords_shows_the_error_and_creates_nothing(client):
    response = client.post(reverse("web:signup"), signup_data(password2="other-Pass-2025"))

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="lim").exists()
    assert not Enterprise.objects.filter(name="Straits Cold Chain Sdn Bhd").exists()


def test_unverified_member_cannot_express_interest(client):
    client.post(reverse("web:signup"), signup_data())
    project = ProjectFactory(title="Cold store")

    page = client.get(reverse("web:project_detail", args=[project.reference]))
    response = client.post(reverse("web:interest_express", args=[project.reference]), {})

    assert "waiting for verification" in page.content.decode()
    assert response.status_code == 302
    assert not project.interests.exists()


def test_sign_in_sends_members_to_their_recommendations_and_soe_staff_to_their_projects(
    client, foreign_member, soe_staff
):
    member = client.post(
        reverse("web:login"), {"username": "foreign_member", "password": "pass-Word-123"}
    )
    client.post(reverse("web:logout"))
    staff = client.post(
        reverse("web:login"), {"username": "soe_staff", "password": "pass-Word-123"}
    )

    assert member.url == reverse("web:recommendations")
    assert staff.url == reverse("web:my_projects")


def test_wrong_password_is_refused_with_a_message(client, foreign_member):
    response = client.post(reverse("web:login"), {"username": "foreign_member", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, foreign_member):
    client.force_login(foreign_member)

    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))

    assert response.url == reverse("web:home")
    assert "_auth_user_id" not in client.session


def test_pages_for_members_send_visitors_to_sign_in(client):
    response = client.get(reverse("web:recommendations"))

    assert response.status_code == 302
    assert response.url == f"{reverse('web:login')}?next={reverse('web:recommendations')}"


def test_password_reset_emails_a_link_that_sets_a_new_password(client, foreign_member):
    response = client.post(reverse("web:password_reset"), {"email": "foreign_member@example.com"})

    assert response.url == reverse("web:password_reset_done")
    [email] = mail.outbox
    assert email.to == ["foreign_member@example.com"]
    assert email.subject == "Reset your Parklink password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-New-pass-77", "new_password2": "brand-New-pass-77"},
    )
    assert done.url == reverse("web:password_reset_complete")
    foreign_member.refresh_from_db()
    assert foreign_member.check_password("brand-New-pass-77")


def test_signup_refused_by_the_enterprise_rules_keeps_nothing(client, monkeypatch):
    # The service's rules are the last word: a refusal there shows beside the field and
    # rolls back the user too.
    from django.core.exceptions import ValidationError

    import web.services

    def refuse(**fields):
        raise ValidationError({"name": ["An enterprise with this name is under review."]})

    monkeypatch.setattr(web.services, "enterprise_create", refuse)

    response = client.post(reverse("web:signup"), signup_data())

    assert response.status_code == 200
    assert response.context["form"].errors["enterprise_name"] == [
        "An enterprise with this name is under review."
    ]
    assert not get_user_model().objects.filter(username="lim").exists()
