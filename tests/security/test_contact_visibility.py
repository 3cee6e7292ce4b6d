"""A firm's contact email: only roles that may see it, by one rule, on every page."""

import pytest
from django.test import Client
from django.urls import reverse

from enterprises.selectors import enterprise_contact_visible_to
from tests.factories import (
    ForeignEnterpriseFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)
from tests.web.helpers import interest_make, match_make

pytestmark = pytest.mark.django_db

EMAIL = "bd@straits.example"
SOE_EMAIL = "invest@cqport.example"


@pytest.fixture
def firm(foreign_enterprise):
    foreign_enterprise.contact_email = EMAIL
    foreign_enterprise.save(update_fields=["contact_email"])
    return foreign_enterprise


@pytest.fixture
def project(soe):
    soe.contact_email = SOE_EMAIL
    soe.save(update_fields=["contact_email"])
    return ProjectFactory(owner=soe, reference="PRJ-CONTACT")


@pytest.fixture
def stranger():
    firm = ForeignEnterpriseFactory(name="Rival Freight GmbH", country="DE")
    return MembershipFactory(enterprise=firm, user=UserFactory(username="rival")).user


@pytest.fixture
def unverified():
    firm = ForeignEnterpriseFactory(name="Newcomer Ltd", is_verified=False)
    return MembershipFactory(enterprise=firm, user=UserFactory(username="newcomer")).user


def sees(user, firm) -> bool:
    return enterprise_contact_visible_to(user=user, enterprise=firm)


def test_rule_matrix_without_any_shared_interest(
    firm, foreign_member, soe_staff, stranger, unverified, admin_user
):
    no_enterprise = UserFactory(username="lonely")
    from django.contrib.auth.models import AnonymousUser

    assert sees(AnonymousUser(), firm) is False
    assert sees(no_enterprise, firm) is False
    assert sees(unverified, firm) is False
    assert sees(stranger, firm) is False
    assert sees(soe_staff, firm) is False
    assert sees(foreign_member, firm) is True
    assert sees(admin_user, firm) is True


def test_an_interest_opens_both_firms_contacts_to_each_other(
    firm, project, foreign_member, soe_staff, stranger
):
    interest_make(project=project, enterprise=firm, by=foreign_member)

    assert sees(soe_staff, firm) is True
    assert sees(foreign_member, project.owner) is True
    assert sees(stranger, firm) is False
    assert sees(stranger, project.owner) is False


def test_soe_staff_see_the_candidates_of_their_own_projects_only(
    firm, project, soe_staff, other_soe_staff
):
    match_make(project=project, enterprise=firm)

    assert sees(soe_staff, firm) is True
    assert sees(other_soe_staff, firm) is False


def test_a_member_does_not_see_a_project_owner_only_because_it_was_recommended(
    firm, project, foreign_member
):
    match_make(project=project, enterprise=firm)

    assert sees(foreign_member, project.owner) is False


def test_an_unverified_firm_with_an_invitation_still_sees_no_contact(project, unverified):
    firm = unverified.membership.enterprise
    interest_make(project=project, enterprise=firm, by=None)

    assert sees(unverified, project.owner) is False


def page(user, url) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_enterprise_page_shows_the_contact_only_to_whom_the_rule_allows(
    firm, project, soe_staff, stranger, foreign_member
):
    url = reverse("web:enterprise_detail", args=[firm.reference])
    assert EMAIL not in page(None, url)
    assert EMAIL not in page(stranger, url)
    assert EMAIL not in page(soe_staff, url)
    assert EMAIL in page(foreign_member, url)

    interest_make(project=project, enterprise=firm, by=foreign_member)

    assert f'<a href="mailto:{EMAIL}" id="contact-email">{EMAIL}</a>' in page(soe_staff, url)
    assert EMAIL not in page(stranger, url)


def test_project_page_shows_the_owners_contact_to_a_firm_in_discussion_only(
    firm, project, foreign_member, stranger
):
    url = reverse("web:project_detail", args=[project.reference])
    assert SOE_EMAIL not in page(None, url)
    assert SOE_EMAIL not in page(foreign_member, url)

    interest_make(project=project, enterprise=firm, by=foreign_member)

    assert SOE_EMAIL in page(foreign_member, url)
    assert SOE_EMAIL not in page(stranger, url)
    assert SOE_EMAIL not in page(None, url)


def test_both_parties_of_an_interest_see_each_others_contact_on_its_page(
    firm, project, foreign_member, soe_staff
):
    interest = interest_make(project=project, enterprise=firm, by=foreign_member)
    url = reverse("web:interest_detail", args=[interest.pk])

    for user in (foreign_member, soe_staff):
        body = page(user, url)
        assert f'<a href="mailto:{EMAIL}">{EMAIL}</a>' in body
        assert f'<a href="mailto:{SOE_EMAIL}">{SOE_EMAIL}</a>' in body
