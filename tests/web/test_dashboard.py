"""The dashboard (SOE staff and admins) and the pure SVG chart functions."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Interest, InterestTransition
from tests.factories import ForeignEnterpriseFactory, OpportunityListFactory, ProjectFactory
from tests.web.helpers import interest_make
from web import charts

pytestmark = pytest.mark.django_db


def test_bar_chart_escapes_labels_and_writes_values():
    svg = charts.bar_chart(
        chart_id="c", title="Sought <by> sector", items=[("<script>", 10), ("Rail & sea", 5)]
    )

    assert "<script>" not in svg.replace("<svg", "")
    assert "&lt;script&gt;" in svg
    assert "Rail &amp; sea" in svg
    assert 'role="img"' in svg
    assert '<title id="c-title">Sought &lt;by&gt; sector</title>' in svg
    assert svg.count('class="bar"') == 2


def test_bar_chart_scales_bars_to_the_largest_value():
    svg = charts.bar_chart(chart_id="c", title="t", items=[("a", 100), ("b", 50)], width=720)

    plot = 720 - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert f'width="{plot:.1f}"' in svg
    assert f'width="{plot / 2:.1f}"' in svg


def test_funnel_chart_writes_each_stage_with_its_count():
    svg = charts.funnel_chart(chart_id="f", title="Funnel", stages=[("New", 10), ("Signed", 2)])

    assert "New: 10" in svg
    assert "Signed: 2" in svg


def test_dashboard_is_for_soe_staff_and_admins_only(client, foreign_member, soe_staff, admin_user):
    OpportunityListFactory()
    assert client.get(reverse("web:dashboard")).status_code == 302
    client.force_login(foreign_member)
    assert client.get(reverse("web:dashboard")).status_code == 403
    client.force_login(soe_staff)
    assert client.get(reverse("web:dashboard")).status_code == 200
    client.force_login(admin_user)
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_dashboard_shows_list_totals_and_breakdowns(client, soe, soe_staff):
    opportunity_list = OpportunityListFactory(name="ILSTC list")
    warehouse = ProjectFactory(
        owner=soe,
        opportunity_list=opportunity_list,
        sectors=["logistics.warehousing"],
        corridors=["ocean_shipping"],
        total_investment=Decimal("300000000"),
        external_investment_sought=Decimal("100000000"),
    )
    ProjectFactory(
        owner=soe,
        opportunity_list=opportunity_list,
        sectors=["services.finance", "logistics.rail"],
        total_investment=Decimal("700000000"),
        external_investment_sought=Decimal("400000000"),
    )
    thai = ForeignEnterpriseFactory(country="TH")
    signed = interest_make(project=warehouse, enterprise=thai, state="new")
    for frm, to in [
        ("new", "in_discussion"),
        ("in_discussion", "meeting_scheduled"),
        ("meeting_scheduled", "mou_signed"),
        ("mou_signed", "agreement_signed"),
    ]:
        InterestTransition.objects.create(interest=signed, from_state=frm, to_state=to)
    Interest.objects.filter(pk=signed.pk).update(
        state="agreement_signed",
        signed_value=Decimal("50000000"),
        signed_currency="CNY",
        signed_at=timezone.now(),
    )
    interest_make(project=warehouse, enterprise=ForeignEnterpriseFactory(country="SG"))
    client.force_login(soe_staff)

    response = client.get(reverse("web:dashboard"))

    totals = response.context["totals"]
    assert (totals.projects, totals.total_investment_cny, totals.sought_cny) == (
        2,
        Decimal("1000000000"),
        Decimal("500000000"),
    )
    assert totals.agreements_value_cny == Decimal("50000000")
    content = response.content.decode()
    assert "CNY 1 billion" in content
    assert "Logistics: CNY 300 million" in content  # 100 m + half of 400 m
    assert "Services: CNY 200 million" in content
    assert "Deep-sea shipping lines: CNY 100 million" in content
    assert (
        "New: 2; In discussion: 1; Meeting scheduled: 1; MoU signed: 1; Agreement signed: 1"
        in content
    )
    assert "Singapore: 1" in content
    assert "Thailand: 1" in content
    for chart_id in (
        "chart-totals",
        "chart-sectors",
        "chart-corridors",
        "chart-funnel",
        "chart-countries",
    ):
        assert f'id="{chart_id}"' in content


def test_totals_chart_compares_every_list(client, soe_staff):
    first = OpportunityListFactory(name="List A")
    second = OpportunityListFactory(name="List B")
    ProjectFactory(
        opportunity_list=first,
        total_investment=Decimal("2000000000"),
        external_investment_sought=Decimal("1000000000"),
    )
    ProjectFactory(
        opportunity_list=second,
        total_investment=Decimal("500000000"),
        external_investment_sought=Decimal("100000000"),
    )
    client.force_login(soe_staff)

    response = client.get(reverse("web:dashboard"), {"list": second.pk})

    assert response.context["chosen"] == second
    assert response.context["totals"].projects == 1
    chart = str(response.context["totals_chart"])
    assert "List A: Total investment CNY 2 billion, Sought CNY 1 billion, Signed CNY 0" in chart
    assert "List B: Total investment CNY 500 million, Sought CNY 100 million, Signed CNY 0" in chart
