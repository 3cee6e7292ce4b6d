"""Reads the web pages need that no app selector offers yet: list totals, similar projects,
and a user's own data for download (`user_data_export`).

Read-only and small; visibility always starts from projects.selectors.project_list_visible_to.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from core.money import to_cny
from deals.models import Interest
from enterprises.models import Membership
from notifications.models import Follow, Notification, Preference, SavedSearch
from notifications.services import user_language
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


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def user_data_export(*, user) -> dict:
    """Everything Parklink holds about `user`, as JSON-ready data (the "download my data").

    Account, membership, the enterprise profile, interests the user created or that involve
    their enterprise (with their history), notifications, notification preferences, saved
    searches and follows.
    """
    membership = Membership.objects.select_related("enterprise").filter(user_id=user.pk).first()
    enterprise = membership.enterprise if membership else None
    data: dict = {
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "membership": None,
        "enterprise": None,
    }
    if membership is not None:
        data["membership"] = {
            "enterprise": enterprise.reference,
            "role": membership.role,
            "since": _iso(membership.created_at),
        }
        data["enterprise"] = {
            "reference": enterprise.reference,
            "name": enterprise.name,
            "name_local": enterprise.name_local,
            "ownership": enterprise.ownership_id,
            "country": enterprise.country.code,
            "sectors": sorted(enterprise.sectors.values_list("code", flat=True)),
            "cooperation_modes": sorted(
                enterprise.cooperation_modes.values_list("code", flat=True)
            ),
            "corridors": sorted(enterprise.corridors.values_list("code", flat=True)),
            "regions": sorted(enterprise.regions.values_list("code", flat=True)),
            "countries": [country.code for country in enterprise.countries],
            "investment_min": _decimal(enterprise.investment_min),
            "investment_max": _decimal(enterprise.investment_max),
            "currency": enterprise.currency,
            "description": enterprise.description,
            "website": enterprise.website,
            "contact_email": enterprise.contact_email,
            "is_verified": enterprise.is_verified,
        }
    involving = Q(created_by_id=user.pk)
    if enterprise is not None:
        involving |= Q(enterprise_id=enterprise.pk) | Q(project__owner_id=enterprise.pk)
    interests = (
        Interest.objects.filter(involving)
        .select_related("enterprise", "project")
        .prefetch_related("transitions")
        .order_by("created_at", "id")
    )
    data["interests"] = [
        {
            "id": interest.pk,
            "project": interest.project.reference,
            "enterprise": interest.enterprise.reference,
            "initiated_by": interest.initiated_by,
            "created_by_me": interest.created_by_id == user.pk,
            "state": interest.state,
            "message": interest.message,
            "indicative_amount": _decimal(interest.indicative_amount),
            "currency": interest.currency,
            "signed_value": _decimal(interest.signed_value),
            "signed_currency": interest.signed_currency,
            "created_at": _iso(interest.created_at),
            "history": [
                {
                    "from": step.from_state,
                    "to": step.to_state,
                    "at": _iso(step.at),
                    "by_me": step.by_id == user.pk,
                    "note": step.note,
                }
                for step in interest.transitions.all()
            ],
        }
        for interest in interests
    ]
    data["notifications"] = [
        {
            "kind": n.kind,
            "project": n.project.reference if n.project else None,
            "context": n.context,
            "created_at": _iso(n.created_at),
            "read_at": _iso(n.read_at),
        }
        for n in Notification.objects.filter(recipient_id=user.pk)
        .select_related("project")
        .order_by("created_at", "id")
    ]
    data["preferences"] = {
        "language": user_language(user_id=user.pk),
        "frequencies": dict(
            Preference.objects.filter(user_id=user.pk)
            .order_by("kind")
            .values_list("kind", "frequency")
        ),
    }
    data["saved_searches"] = [
        {
            "name": s.name,
            "filters": s.filters,
            "active": s.is_active,
            "created_at": _iso(s.created_at),
        }
        for s in SavedSearch.objects.filter(user_id=user.pk).order_by("created_at", "id")
    ]
    data["follows"] = [
        {"project": f.project.reference, "created_at": _iso(f.created_at)}
        for f in Follow.objects.filter(created_by_id=user.pk)
        .select_related("project")
        .order_by("created_at", "id")
    ]
    return data


def _decimal(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
