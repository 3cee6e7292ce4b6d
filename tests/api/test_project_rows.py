"""The project list's page, written by hand from plain values (projects.api.serializers.
project_rows), is byte for byte what ProjectSerializer gives for the same projects: every row
shape (with and without a list, a park, a deadline, target countries, a rate for the
currency), ranked or not, for each kind of viewer, in another language and time zone."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.models import Region
from projects.api.serializers import ProjectSerializer
from projects.api.views import ProjectViewSet
from projects.models import Project
from tests.factories import OpportunityListFactory, ParkFactory, ProjectFactory

pytestmark = pytest.mark.django_db

render = JSONRenderer().render


def _varied_rows(owner) -> None:
    opportunity_list, park = OpportunityListFactory(name="列表 2025"), ParkFactory()
    rail = ProjectFactory(
        owner=owner,
        reference="R-01",
        title="Rail freight terminal",
        description="A logistics terminal on the China-Laos railway.",
        opportunity_list=opportunity_list,
        park=park,
        sectors=["logistics.rail", "logistics.warehousing"],
        cooperation_modes=["joint_venture", "operation"],
        corridors=["ilstc_rail", "ilstc_rail_sea"],
        total_investment=Decimal("1234.5"),
        external_investment_sought=Decimal("1000"),
        currency="USD",
        target_countries=["TH", "SG", "LA"],
        deadline=date(2026, 3, 31),
        location_city="重庆",
    )
    rail.target_regions.set(Region.objects.filter(code__in=["ASEAN", "EUROPE"]))
    rail.partner_ownership.set(["foreign", "private"])
    ProjectFactory(owner=owner, reference="R-02", title="Cold chain", description="logistics")
    ProjectFactory(
        owner=owner,
        reference="R-03",
        title="Logistics park without a rate",
        park=park,
        total_investment=Decimal("0.01"),
        external_investment_sought=Decimal("0"),
        status=Project.Status.DRAFT,
    )
    # A currency without an exchange rate: the CNY amounts are null.
    Project.objects.filter(reference="R-03").update(currency="XAF", published_at=None)
    ProjectFactory(
        owner=owner,
        reference="R-04",
        title="Signed logistics hub",
        opportunity_list=opportunity_list,
        status=Project.Status.SIGNED,
        total_investment=Decimal("99999999999999.99"),
        external_investment_sought=Decimal("12345678901234.56"),
        currency="EUR",
    )


def _serializer_rows(user, params: dict) -> list[dict]:
    """The same page through ProjectSerializer over model instances (the retrieve path)."""
    request = Request(APIRequestFactory().get("/", params))
    request.user = user
    view = ProjectViewSet(request=request, action="list", format_kwarg=None, args=(), kwargs={})
    projects = view.filter_queryset(view.get_queryset())
    return ProjectSerializer(projects[:100], many=True, context={"request": request}).data


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "logistics"},
        {"ordering": "-amount"},
        {"sector": "logistics", "ordering": "deadline"},
        {"place": "TH", "min_amount": "1", "currency": "USD"},
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "owner_staff", "admin"])
def test_list_rows_are_the_serializers_bytes(api, soe, role_user, role, params):
    _varied_rows(soe)
    user = role_user(role)
    response = api(user).get("/api/v1/projects/", {**params, "page_size": 100})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows, params

    expected = _serializer_rows(user or AnonymousUser(), {**params, "page_size": 100})
    assert render(rows) == render(expected)
    if role == "owner_staff" and not params:  # the draft shows to its owner, null amounts
        draft = next(row for row in rows if row["reference"] == "R-03")
        assert draft["total_investment_cny"] is None
        assert draft["published_at"] is None
    assert all((row["rank"] is not None) == ("q" in params) for row in rows)


def test_list_rows_in_chinese_and_another_time_zone(api, soe):
    _varied_rows(soe)
    with translation.override("zh-hans"), timezone.override("Asia/Bangkok"):
        response = api(None).get("/api/v1/projects/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        rows = response.json()["results"]
        expected = _serializer_rows(AnonymousUser(), {})
    assert render(rows) == render(expected)
    rail = next(row for row in rows if row["reference"] == "R-01")
    assert rail["target_countries"] == ["LA", "SG", "TH"]
    assert rail["total_investment"] == "1234.50"
    assert rail["opportunity_list"]["name"] == "列表 2025"
