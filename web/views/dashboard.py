"""The list-level dashboard for SOE staff and admins: totals and server-side SVG charts."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.models import localized
from deals.selectors import opportunity_list_totals
from projects.models import OpportunityList
from web import charts
from web.access import dashboard_required
from web.money import compact_amount, request_rates
from web.selectors import dashboard_data


def _cny(value) -> str:
    return f"CNY {compact_amount(value)}"


@dashboard_required
def dashboard(request: HttpRequest) -> HttpResponse:
    lists = list(OpportunityList.objects.all())
    chosen = None
    asked = request.GET.get("list", "")
    if asked.isdigit():
        chosen = next((item for item in lists if item.pk == int(asked)), None)
    if chosen is None and lists:
        chosen = lists[0]
    rates = request_rates(request)
    context: dict = {"lists": lists, "chosen": chosen}
    if chosen is not None:
        per_list = {item.pk: opportunity_list_totals(opportunity_list=item) for item in lists}
        totals = per_list[chosen.pk]
        data = dashboard_data(opportunity_list=chosen, rates=rates)
        context.update(
            totals=totals,
            totals_chart=charts.grouped_bar_chart(
                chart_id="chart-totals",
                title=_("Total investment, sought and signed (CNY)"),
                series=[_("Total investment"), _("Sought"), _("Signed")],
                groups=[
                    (
                        localized(item.name, item.name_zh),
                        [
                            per_list[item.pk].total_investment_cny,
                            per_list[item.pk].sought_cny,
                            per_list[item.pk].agreements_value_cny,
                        ],
                    )
                    for item in lists
                ],
                value_format=_cny,
            ),
            sector_chart=charts.bar_chart(
                chart_id="chart-sectors",
                title=_("Investment sought by sector (CNY)"),
                items=data.sought_by_sector,
                value_format=_cny,
            ),
            corridor_chart=charts.bar_chart(
                chart_id="chart-corridors",
                title=_("Investment sought by corridor (CNY)"),
                items=data.sought_by_corridor,
                value_format=_cny,
                colour=charts.PALETTE[1],
            ),
            funnel_chart=charts.funnel_chart(
                chart_id="chart-funnel", title=_("Pipeline funnel"), stages=data.funnel
            )
            if data.interests_by_country
            else None,
            country_chart=charts.bar_chart(
                chart_id="chart-countries",
                title=_("Interests by partner country"),
                items=data.interests_by_country,
                colour=charts.PALETTE[2],
            )
            if data.interests_by_country
            else None,
        )
    return render(request, "web/dashboard.html", context)
