"""Reads the web pages need that no app selector offers yet: list totals, similar projects.

Read-only and small; visibility always starts from projects.selectors.project_list_visible_to.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from core.money import to_cny
from projects import workflow
from projects.models import OpportunityList, Project

SIMILAR_PROJECTS = 4


@dataclass(frozen=True)
class ListTotals:
    opportunity_list: OpportunityList | None
    projects: int
    total_cny: Decimal
    sought_cny: Decimal


def public_projects() -> QuerySet[Project]:
    return Project.objects.filter(status__in=workflow.PUBLIC_STATUSES)


def opportunity_lists_with_totals(*, rates: Mapping[str, Decimal]) -> list[ListTotals]:
    """Every list with public projects: how many, total investment and sought, in CNY."""
    rows = public_projects().values_list(
        "opportunity_list_id", "total_investment", "external_investment_sought", "currency"
    )
    sums: dict[int | None, list] = {}
    for list_id, total, sought, currency in rows:
        entry = sums.setdefault(list_id, [0, Decimal(0), Decimal(0)])
        entry[0] += 1
        entry[1] += to_cny(total, currency, rates=rates) if currency in rates else Decimal(0)
        entry[2] += to_cny(sought, currency, rates=rates) if currency in rates else Decimal(0)
    lists = OpportunityList.objects.in_bulk([pk for pk in sums if pk is not None])
    result = [
        ListTotals(lists[pk], count, total, sought)
        for pk, (count, total, sought) in sums.items()
        if pk is not None
    ]
    result.sort(key=lambda t: (-(t.total_cny), t.opportunity_list.name))
    return result


def project_list_similar(*, project: Project, visible: QuerySet[Project]) -> list[Project]:
    """Up to SIMILAR_PROJECTS public projects sharing a sector family with `project`."""
    codes = set(project.sectors.values_list("code", flat=True))
    families = {code.split(".", 1)[0] for code in codes}
    return list(
        visible.filter(status__in=workflow.PUBLIC_STATUSES)
        .exclude(pk=project.pk)
        .filter(Q(sectors__code__in=codes | families) | Q(sectors__parent_id__in=families))
        .annotate(shared=Count("sectors", distinct=True))
        .select_related("owner", "park")
        .order_by("-shared", "-published_at", "reference")[:SIMILAR_PROJECTS]
    )


@dataclass(frozen=True)
class DashboardData:
    sought_by_sector: list[tuple[str, Decimal]]
    sought_by_corridor: list[tuple[str, Decimal]]
    funnel: list[tuple[str, int]]
    interests_by_country: list[tuple[str, int]]


def dashboard_data(
    *, opportunity_list: OpportunityList | None, rates: Mapping[str, Decimal]
) -> DashboardData:
    """The dashboard's breakdowns for one list (every project when `opportunity_list` is None).

    A project in several sector families (or corridors) has its sought amount split evenly
    between them, so the bars add up to the list's total sought.
    """
    from django.utils.translation import gettext as _
    from django_countries import countries

    from core.models import Corridor, Sector
    from deals import workflow as deal_workflow
    from deals.models import Interest, InterestTransition

    projects = Project.objects.all()
    if opportunity_list is not None:
        projects = projects.filter(opportunity_list=opportunity_list)
    amounts = {
        pk: to_cny(sought, currency, rates=rates) if currency in rates else Decimal(0)
        for pk, sought, currency in projects.values_list(
            "pk", "external_investment_sought", "currency"
        )
    }
    families: dict[int, set[str]] = {pk: set() for pk in amounts}
    for pk, code in Project.sectors.through.objects.filter(project_id__in=amounts).values_list(
        "project_id", "sector_id"
    ):
        families[pk].add(code.split(".", 1)[0])
    corridors: dict[int, set[str]] = {pk: set() for pk in amounts}
    for pk, code in Project.corridors.through.objects.filter(project_id__in=amounts).values_list(
        "project_id", "corridor_id"
    ):
        corridors[pk].add(code)

    def split(groups: dict[int, set[str]], none_label: str) -> dict[str, Decimal]:
        sums: dict[str, Decimal] = {}
        for pk, codes in groups.items():
            keys = codes or {none_label}
            share = amounts[pk] / len(keys)
            for key in keys:
                sums[key] = sums.get(key, Decimal(0)) + share
        return sums

    no_corridor = "__none__"
    sector_labels = {s.code: s.label for s in Sector.objects.filter(parent__isnull=True)}
    corridor_labels = {c.code: c.label for c in Corridor.objects.all()}
    corridor_labels[no_corridor] = _("No corridor named")
    by_sector = sorted(
        ((sector_labels.get(code, code), value) for code, value in split(families, "").items()),
        key=lambda item: -item[1],
    )
    by_corridor = sorted(
        (
            (corridor_labels.get(code, code), value)
            for code, value in split(corridors, no_corridor).items()
        ),
        key=lambda item: -item[1],
    )

    interests = Interest.objects.filter(project_id__in=amounts)
    furthest: dict[int, int] = {}
    order = {state: i for i, state in enumerate(deal_workflow.FORWARD)}
    for pk, state in interests.values_list("pk", "state"):
        furthest[pk] = order.get(state, 0)
    for pk, state in InterestTransition.objects.filter(interest__in=interests).values_list(
        "interest_id", "to_state"
    ):
        if state in order:
            furthest[pk] = max(furthest.get(pk, 0), order[state])
    funnel = [
        (Interest.State(state).label, sum(1 for reached in furthest.values() if reached >= i))
        for i, state in enumerate(deal_workflow.FORWARD)
    ]
    by_country = [
        (countries.name(row["enterprise__country"]) or row["enterprise__country"], row["n"])
        for row in interests.values("enterprise__country")
        .annotate(n=Count("id"))
        .order_by("-n", "enterprise__country")
    ]
    return DashboardData(by_sector, by_corridor, funnel, by_country)
