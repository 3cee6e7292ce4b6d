from datetime import date
from decimal import Decimal

import pytest

from core.imports import ImportResult, RowError
from projects.importers import projects_import
from projects.models import OpportunityList, Park, Project, ProjectTransition
from projects.signals import project_changed, project_status_changed
from tests.factories import ParkFactory, ProjectFactory, SoeFactory
from tests.imports.files import AIR_LOGISTICS, PROJECT_HEADER, SHIPPING_ROUTES, csv_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return SoeFactory(reference="ENT-0002", name="Chongqing Airport Group")


@pytest.fixture
def signals_received():
    received: list[tuple] = []

    def on_changed(sender, project_ids, **kwargs):
        received.append(("changed", sorted(project_ids)))

    def on_status(sender, project_id, from_status, to_status, by_id, **kwargs):
        received.append(("status", project_id, from_status, to_status, by_id))

    project_changed.connect(on_changed)
    project_status_changed.connect(on_status)
    yield received
    project_changed.disconnect(on_changed)
    project_status_changed.disconnect(on_status)


def codes(manager) -> list[str]:
    return sorted(manager.values_list("pk", flat=True))


def test_valid_csv_creates_projects_with_every_field(tmp_path, owner):
    path = csv_write(tmp_path / "list-2025.csv", PROJECT_HEADER, [AIR_LOGISTICS, SHIPPING_ROUTES])

    result = projects_import(path=path)

    assert result == ImportResult(created=2, updated=0, unchanged=0, errors=[])
    air = Project.objects.get(reference="ILSTC-2025-07")
    assert air.title == "High-end air logistics hub"
    assert air.description == "Air cargo terminal and bonded warehousing at the airport zone."
    assert air.owner == owner
    assert air.opportunity_list.name == "2025 SOE strategic cooperation opportunity list"
    assert air.park.name == "Chongqing Airport Economic Demonstration Zone"
    assert air.park.kind == Park.Kind.ECONOMIC_DEVELOPMENT_ZONE
    assert air.park.country.code == "CN"
    assert codes(air.sectors) == ["logistics.air_cargo", "logistics.warehousing"]
    assert codes(air.cooperation_modes) == ["equity_investment", "operation"]
    assert codes(air.corridors) == ["air_cargo"]
    assert codes(air.target_regions) == ["ASEAN"]
    assert [c.code for c in air.target_countries] == ["DE"]
    assert codes(air.partner_ownership) == ["foreign", "private"]
    assert air.total_investment == Decimal("4200000000.00")
    assert air.external_investment_sought == Decimal("2000000000.00")
    assert air.currency == "CNY"
    assert air.location_country.code == "CN"
    assert air.location_city == "Chongqing"
    assert air.status == Project.Status.PUBLISHED
    assert air.published_at is not None
    assert air.deadline == date(2026, 6, 30)
    routes = Project.objects.get(reference="ILSTC-2025-12")
    assert routes.status == Project.Status.DRAFT
    assert routes.published_at is None
    assert routes.external_investment_sought == Decimal("800000000.00")
    assert routes.opportunity_list is None
    assert routes.park is None
    assert codes(routes.target_regions) == []
    assert routes.target_countries == []


def test_new_projects_get_an_import_transition_and_status_signal(tmp_path, owner, signals_received):
    path = csv_write(tmp_path / "list-2025.csv", PROJECT_HEADER, [AIR_LOGISTICS, SHIPPING_ROUTES])

    projects_import(path=path)

    air = Project.objects.get(reference="ILSTC-2025-07")
    routes = Project.objects.get(reference="ILSTC-2025-12")
    transitions = set(
        ProjectTransition.objects.values_list(
            "project__reference", "from_status", "to_status", "by", "note"
        )
    )
    assert transitions == {
        ("ILSTC-2025-07", "draft", "published", None, "Imported from list-2025.csv"),
        ("ILSTC-2025-12", "draft", "draft", None, "Imported from list-2025.csv"),
    }
    assert signals_received == [
        ("changed", sorted([air.pk, routes.pk])),
        ("status", air.pk, "draft", "published", None),
    ]


def test_importing_the_same_file_again_changes_nothing(tmp_path, owner, signals_received):
    path = csv_write(tmp_path / "list-2025.csv", PROJECT_HEADER, [AIR_LOGISTICS, SHIPPING_ROUTES])
    projects_import(path=path)
    stamps = dict(Project.objects.values_list("reference", "updated_at"))
    signals_received.clear()

    result = projects_import(path=path)

    assert result == ImportResult(created=0, updated=0, unchanged=2, errors=[])
    assert dict(Project.objects.values_list("reference", "updated_at")) == stamps
    assert ProjectTransition.objects.count() == 2
    assert OpportunityList.objects.count() == 1
    assert Park.objects.count() == 1
    assert signals_received == []


def test_publishing_a_draft_by_import_records_the_transition(tmp_path, owner, signals_received):
    projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, [SHIPPING_ROUTES]))
    signals_received.clear()

    result = projects_import(
        path=csv_write(
            tmp_path / "b.csv", PROJECT_HEADER, [{**SHIPPING_ROUTES, "status": "published"}]
        )
    )

    assert result == ImportResult(created=0, updated=1, unchanged=0, errors=[])
    routes = Project.objects.get(reference="ILSTC-2025-12")
    assert routes.status == Project.Status.PUBLISHED
    assert routes.published_at is not None
    latest = routes.transitions.order_by("-id").first()
    assert (latest.from_status, latest.to_status, latest.by, latest.note) == (
        "draft",
        "published",
        None,
        "Imported from b.csv",
    )
    assert signals_received == [
        ("changed", [routes.pk]),
        ("status", routes.pk, "draft", "published", None),
    ]


def test_an_import_does_not_undo_a_negotiation(tmp_path, owner):
    ProjectFactory(
        reference="ILSTC-2025-12", owner=owner, status=Project.Status.NEGOTIATING, title="Old"
    )

    result = projects_import(
        path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, [{**SHIPPING_ROUTES, "status": ""}])
    )

    assert result.updated == 1
    routes = Project.objects.get(reference="ILSTC-2025-12")
    assert routes.title == "Premium shipping routes to Latin America"
    assert routes.status == Project.Status.NEGOTIATING
    assert ProjectTransition.objects.count() == 0


def test_an_existing_park_is_reused_by_name(tmp_path, owner):
    park = ParkFactory(name="Chongqing Airport Economic Demonstration Zone")

    projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, [AIR_LOGISTICS]))

    assert Project.objects.get().park == park
    assert Park.objects.count() == 1


def test_unknown_owner_reference_is_reported_and_nothing_is_written(tmp_path, owner):
    rows = [AIR_LOGISTICS, {**SHIPPING_ROUTES, "owner": "ENT-9999"}]

    result = projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, rows))

    assert result.errors == [
        RowError(3, "owner", "ENT-9999", "no enterprise with this reference"),
    ]
    assert Project.objects.count() == 0
    assert OpportunityList.objects.count() == 0
    assert Park.objects.count() == 0
    assert ProjectTransition.objects.count() == 0


def test_sought_above_total_and_bad_values_are_reported(tmp_path, owner):
    rows = [
        {
            **AIR_LOGISTICS,
            "external_investment_sought": "5000000000",
            "status": "signed",
            "deadline": "30/06/2026",
            "cooperation_modes": "",
        },
        {**SHIPPING_ROUTES, "total_investment": "eight hundred", "location_country": "ASEAN"},
    ]

    result = projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, rows))

    assert result.errors == [
        RowError(2, "cooperation_modes", "", "at least one value is required"),
        RowError(
            2,
            "external_investment_sought",
            "5000000000",
            "greater than total_investment (4200000000)",
        ),
        RowError(2, "deadline", "30/06/2026", "not an ISO date (YYYY-MM-DD)"),
        RowError(2, "status", "signed", "must be one of: draft, published"),
        RowError(3, "total_investment", "eight hundred", "not a number"),
        RowError(
            3,
            "location_country",
            "ASEAN",
            "unknown country code (use ISO 3166-1 alpha-2, e.g. CN)",
        ),
    ]
    assert Project.objects.count() == 0


def test_duplicate_reference_in_one_file_is_reported(tmp_path, owner):
    rows = [AIR_LOGISTICS, SHIPPING_ROUTES, {**AIR_LOGISTICS, "title": "Again"}]

    result = projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, rows))

    assert result.errors == [
        RowError(4, "reference", "ILSTC-2025-07", "repeated in the file (first in row 2)")
    ]
    assert Project.objects.count() == 0


def test_xlsx_with_date_and_number_cells_imports(tmp_path, owner):
    from datetime import datetime

    from tests.imports.files import xlsx_write

    header = ["reference", "title", "description", "owner", "sectors", "cooperation_modes"]
    header += ["total_investment", "external_investment_sought", "deadline", "target_regions"]
    path = xlsx_write(
        tmp_path / "projects.xlsx",
        header,
        [
            [
                "ILSTC-2025-20",
                "Overseas warehouse in Thailand",
                "20,000 m² warehouse near Laem Chabang.",
                "ENT-0002",
                "logistics.warehousing",
                "leasing;operation",
                350000000,
                120000000.25,
                datetime(2026, 3, 31),  # noqa: DTZ001 (a spreadsheet date cell has no zone)
                "TH",
            ]
        ],
    )

    result = projects_import(path=path)

    assert result == ImportResult(created=1, updated=0, unchanged=0, errors=[])
    project = Project.objects.get()
    assert project.total_investment == Decimal("350000000.00")
    assert project.external_investment_sought == Decimal("120000000.25")
    assert project.deadline == date(2026, 3, 31)
    assert [c.code for c in project.target_countries] == ["TH"]
    assert codes(project.target_regions) == []
    assert projects_import(path=path) == ImportResult(unchanged=1)
