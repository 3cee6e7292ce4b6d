"""List rows through the built-once field plan (core.api.serializers.RowPlanMixin) are the
bytes DRF's own field-by-field representation gives, for every row shape the lists serve."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from matchmaking.api.views import MatchViewSet
from projects.api.views import ProjectViewSet
from projects.models import Project

pytestmark = pytest.mark.django_db


def _rows(viewset, user, params: dict) -> tuple[list, object]:
    """The rows the list action serialises, and a serializer with that request's context."""
    request = Request(APIRequestFactory().get("/", params))
    request.user = user or AnonymousUser()
    view = viewset(request=request, action="list", format_kwarg=None, args=(), kwargs={})
    rows = list(view.filter_queryset(view.get_queryset()))
    return rows, view.get_serializer(rows, many=True)


def _assert_same_bytes(serializer) -> list[dict]:
    fast = serializer.data
    child = serializer.child
    generic = [serializers.Serializer.to_representation(child, row) for row in serializer.instance]
    render = JSONRenderer().render
    assert render(fast) == render(generic)
    return fast


@pytest.mark.parametrize("params", [{}, {"q": "logistics hub"}, {"ordering": "-amount"}])
def test_project_rows_are_drf_bytes(world, soe_staff, params):
    Project.objects.filter(pk=world.second_published.pk).update(
        deadline=None,
        currency="USD",
        total_investment=Decimal("1234.5"),
        external_investment_sought=Decimal("1000"),
        target_countries="TH,SG",
        location_city="",
        description="A logistics hub for fruit.",
    )
    world.draft.partner_ownership.set(["foreign", "private"])
    rows, serializer = _rows(ProjectViewSet, soe_staff, params)
    assert len(rows) >= 2

    fast = _assert_same_bytes(serializer)

    by_reference = {row["reference"]: row for row in fast}
    assert by_reference["ILSTC-2025-01"]["park"] == {"id": world.park.pk, "name": world.park.name}
    second = by_reference["ILSTC-2025-02"]
    assert second["park"] is None
    assert second["deadline"] is None
    assert second["total_investment"] == "1234.50"
    assert sorted(second["target_countries"]) == ["SG", "TH"]
    assert (second["rank"] is not None) == ("q" in params)


def test_project_rows_in_chinese_and_another_time_zone(world, soe_staff):
    with translation.override("zh-hans"), timezone.override("Asia/Bangkok"):
        _, serializer = _rows(ProjectViewSet, soe_staff, {})
        fast = _assert_same_bytes(serializer)
    assert fast[0]["created_at"].endswith("+07:00")


def test_anonymous_project_rows_are_drf_bytes(world):
    _, serializer = _rows(ProjectViewSet, None, {"sector": "logistics"})
    assert _assert_same_bytes(serializer)


def test_match_rows_are_drf_bytes_with_this_requests_reasons(world, soe_staff, foreign_member):
    _, candidates = _rows(MatchViewSet, soe_staff, {"project": world.published.pk})
    fast = _assert_same_bytes(candidates)
    assert len(fast) == 2
    assert all(reason["text"] for row in fast for reason in row["reasons"])

    with translation.override("zh-hans"):
        _, recommended = _rows(MatchViewSet, foreign_member, {})
        chinese = _assert_same_bytes(recommended)
    assert chinese[0]["reasons"][0]["text"] != fast[0]["reasons"][0]["text"]
