"""enterprise_for_user reads the user's enterprise and its ownership type with one
hand-written statement: the same instance, field for field, as the ORM's select_related
read, in one query, and None for users without a membership."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_for_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields
    }


@pytest.mark.parametrize("member", ["soe_staff", "foreign_member"])
def test_the_same_enterprise_as_the_orm_reads(request, member, django_assert_num_queries):
    user = request.getfixturevalue(member)
    enterprise = Membership.objects.get(user=user).enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(
        countries="TH,SG", verified_at=timezone.now(), website="https://example.com/"
    )
    expected = Enterprise.objects.select_related("ownership").get(pk=enterprise.pk)

    with django_assert_num_queries(1):
        found = enterprise_for_user(user=user)
        ownership = found.ownership  # read with it, no query of its own
        assert found.is_soe == (member == "soe_staff")

    assert type(found) is Enterprise
    assert found == expected
    assert _fields(found) == _fields(expected)
    assert _fields(ownership) == _fields(expected.ownership)
    assert [c.code for c in found.countries] == ["SG", "TH"]
    assert found._state.db == "default"
    assert not found._state.adding


def test_no_enterprise_without_a_membership(django_assert_num_queries):
    assert enterprise_for_user(user=AnonymousUser()) is None
    assert enterprise_for_user(user=None) is None
    loner = UserFactory(username="loner")
    with django_assert_num_queries(1):
        assert enterprise_for_user(user=loner) is None
