"""On the demo opportunity list, the candidates are the kinds of firms the SOE would want."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.codes import region_members
from enterprises.models import Enterprise
from matchmaking.models import Match
from matchmaking.selectors import match_list_for_project
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", stdout=StringIO())
    call_command("rescore", stdout=StringIO())


def top(reference: str, n: int) -> list[Enterprise]:
    project = Project.objects.get(reference=reference)
    return [m.enterprise for m in match_list_for_project(project=project)[:n]]


def sectors(enterprise: Enterprise) -> set[str]:
    return set(enterprise.sectors.values_list("code", flat=True))


def test_air_logistics_project_gets_air_cargo_carriers_first(demo):
    best = top("ILSTC-2025-01", 3)

    assert all("logistics.air_cargo" in sectors(e) for e in best)
    assert all(e.country.code != "CN" for e in best)  # foreign carriers bring the routes


def test_vehicle_routes_project_gets_carmakers_and_traders_from_its_target_regions(demo):
    best = top("ILSTC-2025-02", 8)
    targets = region_members()
    target_countries = targets["LATIN_AMERICA"] | targets["MIDDLE_EAST"] | targets["AFRICA"]

    assert all("manufacturing.automotive" in sectors(e) for e in best)
    assert sum(e.country.code in target_countries for e in best) >= 6
    owner = Project.objects.get(reference="ILSTC-2025-02").owner
    assert not Match.objects.filter(project__owner=owner, enterprise=owner).exists()


def test_thai_warehouse_finds_the_bonded_warehousing_firm_tagged_only_logistics(demo):
    firm = Enterprise.objects.get(reference="ENT-0031")
    assert sectors(firm) == {"logistics"}
    assert "Laem Chabang" in firm.description

    best = top("ILSTC-2025-03", 5)

    assert firm in best[:3]
    asean = region_members()["ASEAN"]
    assert all(e.country.code in asean for e in best)


def test_ineligible_demo_pairs_are_ranked_after_every_eligible_one(demo):
    for project in Project.objects.filter(matches__eligible=False).distinct():
        flags = [m.eligible for m in match_list_for_project(project=project)]
        assert flags == sorted(flags, reverse=True)
    assert Match.objects.filter(eligible=False).exclude(ineligibility_reason="").exists()
