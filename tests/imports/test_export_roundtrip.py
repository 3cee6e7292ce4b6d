"""An exported file is a valid import file that changes nothing when imported back."""

from datetime import date
from decimal import Decimal

import pytest

from core.importers import negative_list_import
from core.imports import ImportResult
from core.models import NegativeListRule, Region
from core.resources import NegativeListRuleResource
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise
from enterprises.resources import EnterpriseResource
from projects.importers import projects_import
from projects.models import Project
from projects.resources import ProjectResource
from tests.factories import (
    EnterpriseFactory,
    ForeignEnterpriseFactory,
    OpportunityListFactory,
    ParkFactory,
    ProjectFactory,
    SoeFactory,
)
from tests.imports.files import ENTERPRISE_HEADER, PROJECT_HEADER

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    foreign = ForeignEnterpriseFactory(
        reference="ENT-SG-1",
        name="Straits Logistics, Pte. Ltd.",
        name_local="海峡物流",
        sectors=["logistics.warehousing", "services"],
        cooperation_modes=["joint_venture", "operation"],
        corridors=["ilstc_rail_sea", "ocean_shipping"],
        countries=["AE", "CN"],
        investment_min=Decimal("50000000.00"),
        investment_max=Decimal("300000000.50"),
        currency="USD",
        description='Bonded warehouses; "cold chain" too.\nSecond line.',
        website="https://straits.example.com",
        contact_email="bd@straits.example.com",
    )
    foreign.regions.set(Region.objects.filter(code__in=["ASEAN", "EUROPE"]))
    EnterpriseFactory(reference="ENT-CN-2", name="Minimal Ltd")
    owner = SoeFactory(reference="ENT-CQ-3", name="Chongqing Airport Group")
    air = ProjectFactory(
        reference="ILSTC-2025-07",
        title="High-end air logistics",
        owner=owner,
        opportunity_list=OpportunityListFactory(name="2025 list"),
        park=ParkFactory(name="Airport Zone"),
        sectors=["logistics.air_cargo"],
        cooperation_modes=["equity_investment", "operation"],
        corridors=["air_cargo"],
        target_countries=["DE", "TH"],
        total_investment=Decimal("4200000000"),
        external_investment_sought=Decimal("2000000000"),
        location_city="Chongqing",
        deadline=date(2026, 6, 30),
    )
    air.target_regions.set(Region.objects.filter(code="ASEAN"))
    air.partner_ownership.set(["foreign", "private"])
    ProjectFactory(reference="ILSTC-2025-08", owner=owner, status=Project.Status.DRAFT)
    ProjectFactory(reference="ILSTC-2025-09", owner=owner, status=Project.Status.NEGOTIATING)
    NegativeListRule.objects.create(sector_id="services.finance", rule="chinese_control", note="")


def snapshot(model):
    return list(model.objects.order_by("pk").values())


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exported_enterprises_and_projects_import_back_unchanged(tmp_path, catalogue, file_format):
    enterprises_file = tmp_path / f"enterprises.{file_format}"
    projects_file = tmp_path / f"projects.{file_format}"
    mode = "w" if file_format == "csv" else "wb"
    with enterprises_file.open(mode) as handle:
        handle.write(EnterpriseResource().export().export(file_format))
    with projects_file.open(mode) as handle:
        handle.write(ProjectResource().export().export(file_format))
    before = (snapshot(Enterprise), snapshot(Project))

    assert enterprises_import(path=enterprises_file) == ImportResult(unchanged=3)
    assert projects_import(path=projects_file) == ImportResult(unchanged=3)
    assert (snapshot(Enterprise), snapshot(Project)) == before


def test_export_columns_are_the_contract_columns_with_codes(catalogue):
    enterprises = EnterpriseResource().export()
    projects = ProjectResource().export()

    assert enterprises.headers == ENTERPRISE_HEADER
    assert projects.headers == PROJECT_HEADER
    straits = dict(zip(enterprises.headers, enterprises[0], strict=True))
    assert straits == {
        "reference": "ENT-SG-1",
        "name": "Straits Logistics, Pte. Ltd.",
        "name_local": "海峡物流",
        "ownership": "foreign",
        "country": "SG",
        "sectors": "logistics.warehousing;services",
        "cooperation_modes": "joint_venture;operation",
        "corridors": "ilstc_rail_sea;ocean_shipping",
        "regions": "AE;ASEAN;CN;EUROPE",
        "investment_min": "50000000.00",
        "investment_max": "300000000.50",
        "currency": "USD",
        "description": 'Bonded warehouses; "cold chain" too.\nSecond line.',
        "website": "https://straits.example.com",
        "contact_email": "bd@straits.example.com",
    }
    air = dict(zip(projects.headers, projects[0], strict=True))
    assert air["owner"] == "ENT-CQ-3"
    assert air["target_regions"] == "ASEAN;DE;TH"
    assert air["partner_ownership"] == "foreign;private"
    assert air["total_investment"] == "4200000000.00"
    assert air["deadline"] == "2026-06-30"
    assert air["status"] == "published"


def test_exported_projects_recreate_the_same_projects_after_deletion(tmp_path, catalogue):
    path = tmp_path / "projects.csv"
    path.write_text(ProjectResource().export().export("csv"))
    fields = ["reference", "title", "owner_id", "park_id", "opportunity_list_id", "status"]
    before = list(Project.objects.order_by("reference").values(*fields))
    Project.objects.all().delete()

    result = projects_import(path=path)

    assert result == ImportResult(created=3)
    after = list(Project.objects.order_by("reference").values(*fields))
    # A project past publication comes back published: the contract knows only two statuses.
    before[2]["status"] = "published"
    assert after == before


def test_exported_negative_list_imports_back_unchanged(tmp_path, catalogue):
    path = tmp_path / "negative.csv"
    path.write_text(NegativeListRuleResource().export().export("csv"))

    assert negative_list_import(path=path) == ImportResult(unchanged=1)
