"""ProjectFilter instances share their class's form class and the filters' form fields, but
each filters by its own parameters, also when gunicorn's threads build them at once."""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from core.models import Region
from projects.api.filters import ProjectFilter
from projects.models import Project
from tests.factories import ProjectFactory

# parameters -> the references they select, in the order the filterset gives them
CASES = {
    "sector=logistics": ["P-COLD", "P-RAIL"],
    "sector=manufacturing": ["P-CARS"],
    "place=TH": ["P-CARS", "P-RAIL"],
    "place=BR": ["P-CARS", "P-COLD"],
    "min_amount=1000&currency=USD": ["P-RAIL"],
    "min_amount=100": ["P-CARS", "P-COLD", "P-RAIL"],
    "max_amount=1000&currency=CNY": ["P-CARS", "P-COLD"],
    "q=cold+chain": ["P-COLD"],
    "q=terminal&sector=logistics": ["P-RAIL"],
    "corridor=ilstc_rail": ["P-RAIL"],
    "mode=joint_venture": ["P-CARS"],
    "ordering=-amount": ["P-RAIL", "P-CARS", "P-COLD"],
}


def _catalogue(owner) -> None:
    rail = ProjectFactory(
        owner=owner,
        reference="P-RAIL",
        title="Rail freight terminal",
        description="A terminal on the China-Laos railway.",
        sectors=["logistics.rail"],
        corridors=["ilstc_rail"],
        cooperation_modes=["operation"],
        total_investment=Decimal("1000"),
        external_investment_sought=Decimal("1000"),
        currency="USD",
    )
    rail.target_regions.set(Region.objects.filter(code="ASEAN"))
    ProjectFactory(
        owner=owner,
        reference="P-COLD",
        title="Cold chain warehouse",
        description="A cold chain hub for fruit.",
        sectors=["logistics.cold_chain"],
        cooperation_modes=["operation"],
        total_investment=Decimal("800"),
        external_investment_sought=Decimal("800"),
        currency="CNY",
        target_countries=["BR"],
    )
    ProjectFactory(
        owner=owner,
        reference="P-CARS",
        title="Vehicle assembly",
        description="Assembly plant for export vehicles.",
        sectors=["manufacturing.automotive"],
        cooperation_modes=["joint_venture"],
        total_investment=Decimal("100"),
        external_investment_sought=Decimal("100"),
        currency="EUR",
    )


def _references(params: str) -> list[str]:
    filterset = ProjectFilter(QueryDict(params), queryset=Project.objects.all())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("reference", flat=True))


@pytest.mark.django_db
def test_each_filterset_has_its_own_filters_and_form(soe):
    _catalogue(soe)
    first = ProjectFilter(QueryDict("sector=logistics"), queryset=Project.objects.all())
    second = ProjectFilter(QueryDict("sector=manufacturing"), queryset=Project.objects.all())

    assert type(first.form) is type(second.form) is ProjectFilter.shared_form_class()
    for name, filter_ in first.filters.items():
        assert filter_.parent is first
        assert second.filters[name].parent is second
        assert not hasattr(ProjectFilter.base_filters[name], "parent")
        assert first.form.fields[name] is not second.form.fields[name]
    # A method filter resolves its method on its own filterset.
    assert first.filters["sector"].filter.method.__self__ is first
    assert second.filters["sector"].filter.method.__self__ is second
    assert list(first.qs.values_list("reference", flat=True)) == ["P-COLD", "P-RAIL"]
    assert list(second.qs.values_list("reference", flat=True)) == ["P-CARS"]
    bad = ProjectFilter(QueryDict("sector=nope&currency=XXX"), queryset=Project.objects.all())
    assert not bad.is_valid()
    assert set(bad.errors) == {"sector", "currency"}
    assert first.is_valid()  # another instance's errors are its own


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_filtersets_built_in_many_threads_at_once_filter_by_their_own_parameters(soe):
    _catalogue(soe)
    assert {params: _references(params) for params in CASES} == CASES
    cases = list(CASES.items())
    threads_count, rounds = 8, 6
    start = threading.Barrier(threads_count)

    def work(offset: int) -> list[tuple[str, list[str]]]:
        wrong = []
        try:
            start.wait(timeout=20)
            for i in range(rounds * len(cases)):
                params, expected = cases[(offset + i) % len(cases)]
                got = _references(params)
                if got != expected:
                    wrong.append((params, got))
        finally:
            connection.close()
        return wrong

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=threads_count) as pool:
            results = [pool.submit(work, n) for n in range(threads_count)]
            wrong = [case for result in results for case in result.result(timeout=120)]
    finally:
        sys.setswitchinterval(interval)

    assert wrong == []
