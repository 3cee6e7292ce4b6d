"""Reads of the deal flow: interests visible to a user, their history, totals per list."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.models import OwnershipType
from core.money import compact_amount, exchange_rates_latest, to_cny
from deals import workflow
from deals.models import Interest, InterestTransition
from projects.models import OpportunityList, Project

# Foreign for reporting, as Enterprise.is_foreign: foreign-owned or headquartered abroad.
FOREIGN_ENTERPRISE = Q(enterprise__ownership_id=OwnershipType.FOREIGN) | ~Q(
    enterprise__country="CN"
)


def interest_list_visible_to(*, user: AbstractBaseUser) -> QuerySet[Interest]:
    """Interests `user` is a party to: their enterprise's, or on their enterprise's projects."""
    qs = Interest.objects.select_related("enterprise", "project", "cooperation_mode")
    if user.is_superuser:
        return qs
    membership = getattr(user, "membership", None)
    if membership is None:
        return qs.none()
    enterprise_id = membership.enterprise_id
    return qs.filter(Q(enterprise_id=enterprise_id) | Q(project__owner_id=enterprise_id))


def interest_transition_list(*, interest: Interest) -> QuerySet[InterestTransition]:
    """The pipeline history of `interest`, oldest first (both sides see the same list)."""
    return interest.transitions.select_related("by").order_by("at", "id")


def interest_get_open(*, enterprise_id: int, project_id: int) -> Interest | None:
    return Interest.objects.filter(
        enterprise_id=enterprise_id, project_id=project_id, state__in=workflow.OPEN_STATES
    ).first()


@dataclass(frozen=True)
class OpportunityListTotals:
    projects: int
    total_investment_cny: Decimal
    sought_cny: Decimal
    interests_by_state: dict[str, int] = field(default_factory=dict)
    agreements_signed: int = 0
    agreements_value_cny: Decimal = Decimal(0)
    agreements_with_foreign: int = 0

    def signed_line(self) -> str:
        """E.g. "14 signed, 12.2 billion yuan, 4 with foreign firms" ("122 亿元" in Chinese)."""
        return _("%(signed)s, %(value)s yuan, %(foreign)s") % {
            "signed": ngettext("%(n)d signed", "%(n)d signed", self.agreements_signed)
            % {"n": self.agreements_signed},
            "value": compact_amount(self.agreements_value_cny),
            "foreign": ngettext(
                "%(n)d with foreign firms", "%(n)d with foreign firms", self.agreements_with_foreign
            )
            % {"n": self.agreements_with_foreign},
        }


def opportunity_list_totals(*, opportunity_list: OpportunityList) -> OpportunityListTotals:
    """What SOE staff and admins report on for one list, amounts in CNY (five queries)."""
    rates = exchange_rates_latest()
    total = sought = Decimal(0)
    projects = 0
    for amount_total, amount_sought, currency in Project.objects.filter(
        opportunity_list=opportunity_list
    ).values_list("total_investment", "external_investment_sought", "currency"):
        projects += 1
        total += to_cny(amount_total, currency, rates=rates)
        sought += to_cny(amount_sought, currency, rates=rates)

    interests = Interest.objects.filter(project__opportunity_list=opportunity_list)
    by_state = dict.fromkeys(Interest.State.values, 0)
    for row in interests.values("state").annotate(n=Count("id")).order_by():
        by_state[row["state"]] = row["n"]

    signed = interests.filter(state=workflow.AGREEMENT_SIGNED)
    value = Decimal(0)
    for amount, currency in signed.values_list("signed_value", "signed_currency"):
        value += to_cny(amount, currency, rates=rates)
    return OpportunityListTotals(
        projects=projects,
        total_investment_cny=total,
        sought_cny=sought,
        interests_by_state=by_state,
        agreements_signed=by_state[workflow.AGREEMENT_SIGNED],
        agreements_value_cny=value,
        agreements_with_foreign=signed.filter(FOREIGN_ENTERPRISE).count(),
    )
