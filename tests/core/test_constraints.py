"""The database itself refuses invalid rows (real PostgreSQL), whatever code writes them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.models import ExchangeRate
from enterprises.models import Enterprise
from projects.models import Project
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _refused(update, model, pk, constraint: str | tuple[str, ...]) -> None:
    """`update` raises IntegrityError naming `constraint` (or one of them); row unchanged."""
    names = (constraint,) if isinstance(constraint, str) else constraint
    before = model.objects.filter(pk=pk).values().get()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        update()
    assert any(f'check constraint "{name}"' in str(excinfo.value) for name in names)
    assert model.objects.filter(pk=pk).values().get() == before


def test_duplicate_enterprise_reference_is_refused():
    EnterpriseFactory(reference="ENT-0001")
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        EnterpriseFactory(reference="ENT-0001")
    assert "enterprises_enterprise_reference_key" in str(excinfo.value)
    assert Enterprise.objects.filter(reference="ENT-0001").count() == 1


def test_duplicate_project_reference_is_refused():
    ProjectFactory(reference="ILSTC-2025-07")
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        ProjectFactory(reference="ILSTC-2025-07")
    assert "projects_project_reference_key" in str(excinfo.value)
    assert Project.objects.filter(reference="ILSTC-2025-07").count() == 1


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"investment_min": Decimal("-1")}, "enterprise_investment_min_non_negative"),
        ({"investment_max": Decimal("-0.01")}, "enterprise_investment_max_non_negative"),
        (
            {"investment_min": Decimal("500"), "investment_max": Decimal("499.99")},
            "enterprise_investment_min_lte_max",
        ),
    ],
)
def test_enterprise_amount_rules_are_enforced_by_the_database(values, constraint):
    enterprise = EnterpriseFactory(investment_min=Decimal(1), investment_max=Decimal(10))
    _refused(
        lambda: Enterprise.objects.filter(pk=enterprise.pk).update(**values),
        Enterprise,
        enterprise.pk,
        constraint,
    )


def test_enterprise_min_equal_to_max_is_accepted():
    enterprise = EnterpriseFactory()
    Enterprise.objects.filter(pk=enterprise.pk).update(
        investment_min=Decimal(5), investment_max=Decimal(5)
    )
    enterprise.refresh_from_db()
    assert (enterprise.investment_min, enterprise.investment_max) == (Decimal(5), Decimal(5))


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        # A negative total with a non-negative sought amount also breaks sought <= total,
        # and with a negative one breaks sought >= 0: PostgreSQL names whichever it checks first.
        (
            {"total_investment": Decimal("-1"), "external_investment_sought": Decimal("0")},
            ("project_total_non_negative", "project_sought_lte_total"),
        ),
        ({"external_investment_sought": Decimal("-5")}, "project_sought_non_negative"),
        ({"external_investment_sought": Decimal("100.01")}, "project_sought_lte_total"),
    ],
)
def test_project_amount_rules_are_enforced_by_the_database(values, constraint):
    project = ProjectFactory(total_investment=Decimal(100), external_investment_sought=Decimal(50))
    _refused(
        lambda: Project.objects.filter(pk=project.pk).update(**values),
        Project,
        project.pk,
        constraint,
    )


def test_project_sought_equal_to_total_is_accepted():
    project = ProjectFactory(total_investment=Decimal(100), external_investment_sought=Decimal(100))
    project.refresh_from_db()
    assert project.external_investment_sought == project.total_investment == Decimal(100)


def test_duplicate_exchange_rate_for_a_currency_and_date_is_refused():
    ExchangeRate.objects.create(
        currency="USD", rate_to_cny=Decimal("7.1"), valid_on=dt.date(2026, 1, 2)
    )
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        ExchangeRate.objects.create(
            currency="USD", rate_to_cny=Decimal("7.3"), valid_on=dt.date(2026, 1, 2)
        )
    assert "exchangerate_unique_currency_date" in str(excinfo.value)
    assert list(
        ExchangeRate.objects.filter(currency="USD", valid_on=dt.date(2026, 1, 2)).values_list(
            "rate_to_cny", flat=True
        )
    ) == [Decimal("7.1")]


def test_same_date_for_another_currency_is_accepted():
    ExchangeRate.objects.create(
        currency="USD", rate_to_cny=Decimal("7.1"), valid_on=dt.date(2026, 1, 2)
    )
    ExchangeRate.objects.create(
        currency="EUR", rate_to_cny=Decimal("8.1"), valid_on=dt.date(2026, 1, 2)
    )
    assert ExchangeRate.objects.filter(valid_on=dt.date(2026, 1, 2)).count() == 2


@pytest.mark.parametrize("rate", [Decimal(0), Decimal("-7.17")])
def test_non_positive_exchange_rate_is_refused(rate):
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        ExchangeRate.objects.create(currency="USD", rate_to_cny=rate, valid_on=dt.date(2026, 1, 3))
    assert "exchangerate_rate_positive" in str(excinfo.value)
    assert not ExchangeRate.objects.filter(valid_on=dt.date(2026, 1, 3)).exists()
