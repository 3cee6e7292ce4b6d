"""Reads about projects and who may see or change them (the services write).

Visibility: everybody sees published, negotiating and signed projects; SOE staff also
see every project of their own enterprise (drafts, in review, withdrawn, expired);
platform admins (staff, superusers) see everything. Editing: SOE staff of the owning
enterprise, and platform admins.
"""

from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from core.models import ExchangeRate
from enterprises.selectors import enterprise_for_user, user_is_platform_admin
from projects import workflow
from projects.models import OpportunityList, Project

_AMOUNT = DecimalField(max_digits=30, decimal_places=2)
# `enterprise` not given: looked up from the user.
_LOOK_UP = object()


def _visibility(*, user: Any, enterprise: Any) -> tuple[str, int | None]:
    """Which visibility case applies to `user`: ("all", None) for platform admins,
    ("public", <enterprise id>) for SOE staff (their own projects too), else ("public", None)."""
    if user_is_platform_admin(user=user):
        return "all", None
    if enterprise is _LOOK_UP:
        enterprise = enterprise_for_user(user=user)
    if enterprise is not None and enterprise.is_soe:
        return "public", enterprise.pk
    return "public", None


def project_list_visible_to(*, user: Any, enterprise: Any = _LOOK_UP) -> QuerySet[Project]:
    """The projects `user` (possibly anonymous) may see. `enterprise`: the user's, when the
    caller already read it (enterprise_for_user), to save the query."""
    projects = Project.objects.all()
    case, own = _visibility(user=user, enterprise=enterprise)
    if case == "all":
        return projects
    public = Q(status__in=workflow.PUBLIC_STATUSES)
    if own is not None:
        return projects.filter(public | Q(owner_id=own))
    return projects.filter(public)


def project_visibility_key(*, user: Any, enterprise: Any = _LOOK_UP) -> str:
    """Names the visibility case of `user`: users with the same key see the same projects
    ("all", "public", or "public+<enterprise id>" for SOE staff). The project list's cached
    counts are kept under it."""
    case, own = _visibility(user=user, enterprise=enterprise)
    return case if own is None else f"{case}+{own}"


def project_can_edit(*, user: Any, project: Project, enterprise: Any = _LOOK_UP) -> bool:
    """True for platform admins and for SOE staff of the project's owner (`enterprise`: as
    for project_list_visible_to)."""
    if user_is_platform_admin(user=user):
        return True
    if enterprise is _LOOK_UP:
        enterprise = enterprise_for_user(user=user)
    return enterprise is not None and enterprise.is_soe and enterprise.pk == project.owner_id


def project_get_for_update(*, project_id: int) -> Project:
    """The project row, locked until the end of the current transaction."""
    return Project.objects.select_for_update().get(pk=project_id)


def _rate_expression(currency_ref: str) -> Case:
    """CNY per unit of the currency in `currency_ref`: 1 for CNY, else the newest rate."""
    newest = ExchangeRate.objects.filter(currency=OuterRef(currency_ref)).order_by("-valid_on")
    return Case(
        When(**{currency_ref: "CNY"}, then=Value(Decimal(1))),
        default=Subquery(newest.values("rate_to_cny")[:1]),
        output_field=DecimalField(max_digits=20, decimal_places=10),
    )


def project_annotate_cny(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Add `total_investment_cny` and `external_investment_sought_cny` (one query, in SQL).

    Same conversion as core.money.to_cny: the newest rate, rounded to the fen; NULL when
    the currency has no rate.
    """
    rate = _rate_expression("currency")
    return projects.annotate(
        total_investment_cny=Round(
            ExpressionWrapper(F("total_investment") * rate, output_field=_AMOUNT), 2
        ),
        external_investment_sought_cny=Round(
            ExpressionWrapper(F("external_investment_sought") * rate, output_field=_AMOUNT), 2
        ),
    )


def opportunity_list_annotate_totals(
    lists: QuerySet[OpportunityList],
) -> QuerySet[OpportunityList]:
    """Add `project_count`, `total_investment_cny`, `external_investment_sought_cny` per list.

    One query for the whole changelist: each total is a correlated subquery summing the
    list's projects converted to CNY.
    """

    def _sum(field: str) -> Subquery:
        per_list = (
            project_annotate_cny(Project.objects.filter(opportunity_list=OuterRef("pk")))
            .order_by()
            .values("opportunity_list")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Subquery(per_list, output_field=_AMOUNT)

    def _count() -> Subquery:
        per_list = (
            Project.objects.filter(opportunity_list=OuterRef("pk"))
            .order_by()
            .values("opportunity_list")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Subquery(per_list, output_field=IntegerField())

    return lists.annotate(
        project_count=Coalesce(_count(), Value(0)),
        total_investment_cny=Coalesce(_sum("total_investment_cny"), Value(Decimal(0))),
        external_investment_sought_cny=Coalesce(
            _sum("external_investment_sought_cny"), Value(Decimal(0))
        ),
    )
