"""Enterprise services and selectors: verification, profile edits, memberships, roles."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_for_user, user_is_soe_staff
from enterprises.services import (
    enterprise_create,
    enterprise_update,
    enterprise_verify,
    membership_add,
)
from enterprises.signals import enterprise_changed
from tests.factories import EnterpriseFactory, SoeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_events():
    events: list[list[int]] = []

    def receiver(sender, enterprise_ids, **kwargs):
        events.append(list(enterprise_ids))

    enterprise_changed.connect(receiver, dispatch_uid="test-enterprise-changed")
    yield events
    enterprise_changed.disconnect(dispatch_uid="test-enterprise-changed")


def test_verify_sets_the_flag_and_time_once(admin_user, changed_events):
    enterprise = EnterpriseFactory(is_verified=False)

    assert enterprise_verify(enterprise=enterprise, by=admin_user) is True
    enterprise.refresh_from_db()
    first = enterprise.verified_at
    assert enterprise.is_verified is True
    assert first is not None

    assert enterprise_verify(enterprise=enterprise, by=admin_user) is False
    enterprise.refresh_from_db()
    assert enterprise.verified_at == first
    assert changed_events == [[enterprise.pk]]


def test_only_admins_verify(soe_staff):
    enterprise = EnterpriseFactory(is_verified=False)
    with pytest.raises(PermissionDenied):
        enterprise_verify(enterprise=enterprise, by=soe_staff)
    enterprise.refresh_from_db()
    assert (enterprise.is_verified, enterprise.verified_at) == (False, None)


def test_create_makes_an_unverified_enterprise_from_codes(changed_events):
    enterprise = enterprise_create(
        by=None,
        reference="ENT-0100",
        name="Straits Cold Chain Pte Ltd",
        ownership="foreign",
        country="SG",
        sectors=["logistics.cold_chain"],
        corridors=["ilstc_rail_sea"],
        regions=["ASEAN"],
        investment_min=Decimal("1000000"),
        investment_max=Decimal("9000000"),
        currency="USD",
    )
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    assert (enterprise.ownership_id, enterprise.country.code, enterprise.is_verified) == (
        "foreign",
        "SG",
        False,
    )
    assert list(enterprise.sectors.values_list("code", flat=True)) == ["logistics.cold_chain"]
    assert list(enterprise.regions.values_list("code", flat=True)) == ["ASEAN"]
    assert changed_events == [[enterprise.pk]]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sectors": []}, "sectors", "Give at least one."),
        ({"sectors": ["space.mining"]}, "sectors", "Unknown codes: space.mining."),
        ({"ownership": "state"}, "ownership", "Unknown codes: state."),
        (
            {"investment_min": Decimal(10), "investment_max": Decimal(5)},
            "investment_min",
            "The smallest commitment cannot exceed the largest commitment.",
        ),
        ({"investment_max": Decimal(-5)}, "investment_max", "Amounts cannot be negative."),
        ({"contact_email": "not-an-email"}, "contact_email", "Enter a valid email address."),
        (
            {"is_verified": True},
            "is_verified",
            "Verification changes only through the verify action.",
        ),
    ],
)
def test_create_rejects_bad_input_naming_the_field(overrides, field, message, changed_events):
    fields = {
        "reference": "ENT-0101",
        "name": "Test",
        "ownership": "private",
        "country": "CN",
        "sectors": ["logistics"],
        **overrides,
    }
    with pytest.raises(ValidationError) as excinfo:
        enterprise_create(by=None, **fields)
    assert excinfo.value.message_dict[field] == [message]
    assert not Enterprise.objects.filter(reference="ENT-0101").exists()
    assert changed_events == []


def test_update_by_a_member_sends_enterprise_changed_for_matching_fields(
    soe, soe_staff, changed_events
):
    enterprise_update(enterprise=soe, by=soe_staff, website="https://port.example")
    assert changed_events == []

    enterprise_update(enterprise=soe, by=soe_staff, corridors=["yangtze_waterway"])
    soe.refresh_from_db()
    assert soe.website == "https://port.example"
    assert list(soe.corridors.values_list("code", flat=True)) == ["yangtze_waterway"]
    assert changed_events == [[soe.pk]]


def test_update_by_another_enterprise_is_refused(soe, foreign_member):
    name = soe.name
    with pytest.raises(PermissionDenied):
        enterprise_update(enterprise=soe, by=foreign_member, name="Taken over")
    soe.refresh_from_db()
    assert soe.name == name


def test_membership_add_creates_updates_role_and_refuses_a_second_enterprise(soe, other_soe):
    user = UserFactory(username="clerk")

    membership = membership_add(enterprise=soe, user=user, role="member")
    assert (membership.enterprise, membership.role) == (soe, "member")

    membership = membership_add(enterprise=soe, user=user, role="admin")
    assert Membership.objects.get(user=user).role == "admin"

    with pytest.raises(ValidationError) as excinfo:
        membership_add(enterprise=other_soe, user=user, role="member")
    assert excinfo.value.message_dict == {
        "user": ["This user already belongs to another enterprise."]
    }
    with pytest.raises(ValidationError) as excinfo:
        membership_add(enterprise=soe, user=UserFactory(username="x"), role="boss")
    assert list(excinfo.value.message_dict) == ["role"]
    assert list(
        Membership.objects.filter(user__username__in=["clerk", "x"]).values_list(
            "user__username", "enterprise", "role"
        )
    ) == [("clerk", soe.pk, "admin")]


@pytest.mark.parametrize(
    ("role", "enterprise", "is_soe_staff"),
    [
        ("anonymous", None, False),
        ("no_membership", None, False),
        ("soe_staff", "soe", True),
        ("foreign_member", "foreign_enterprise", False),
        ("admin_user", None, False),
    ],
)
def test_enterprise_for_user_and_user_is_soe_staff(request, role, enterprise, is_soe_staff):
    if role == "anonymous":
        user = AnonymousUser()
    elif role == "no_membership":
        user = UserFactory(username="loner")
    else:
        user = request.getfixturevalue(role)
    expected = request.getfixturevalue(enterprise) if enterprise else None

    assert enterprise_for_user(user=user) == expected
    assert user_is_soe_staff(user=user) is is_soe_staff


def test_member_of_a_private_enterprise_is_not_soe_staff():
    enterprise = EnterpriseFactory()
    user = UserFactory(username="trader")
    membership_add(enterprise=enterprise, user=user, role="member")
    assert user_is_soe_staff(user=user) is False
    membership_add(enterprise=SoeFactory(), user=UserFactory(username="cadre"), role="member")
    assert user_is_soe_staff(user=UserFactory(username="cadre")) is True
