"""Every filter of the project list, search ranking, ordering, pagination and the 400s."""

import datetime
from decimal import Decimal

import pytest

from core.models import Region
from projects.models import Project
from tests.factories import OpportunityListFactory, ParkFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(soe):
    """Three published projects and a draft, different in every filtered dimension."""
    asean_list = OpportunityListFactory(name="ASEAN list")
    hub = ParkFactory(name="Guoyuan Port")
    rail = ProjectFactory(
        owner=soe,
        reference="P-RAIL",
        title="Rail freight terminal",
        description="A terminal on the China-Laos railway.",
        sectors=["logistics.rail"],
        corridors=["ilstc_rail"],
        cooperation_modes=["operation"],
        total_investment=Decimal("100"),
        external_investment_sought=Decimal("100"),
        currency="USD",  # 717.00 CNY
        deadline=datetime.date(2025, 9, 30),
        opportunity_list=asean_list,
        park=hub,
    )
    rail.target_regions.set(Region.objects.filter(code="ASEAN"))
    logistics = ProjectFactory(
        owner=soe,
        reference="P-LOGI",
        title="Logistics services",
        description="General logistics.",
        sectors=["logistics"],
        cooperation_modes=["equity_investment"],
        total_investment=Decimal("1000"),
        external_investment_sought=Decimal("500"),
        currency="CNY",
        deadline=datetime.date(2025, 12, 31),
        target_countries=["BR"],
    )
    cars = ProjectFactory(
        owner=soe,
        reference="P-CARS",
        title="Vehicle assembly",
        description="Assembly plant for export vehicles.",
        sectors=["manufacturing.automotive"],
        cooperation_modes=["joint_venture"],
        total_investment=Decimal("100"),
        external_investment_sought=Decimal("100"),
        currency="EUR",  # 840.00 CNY
    )
    ProjectFactory(
        owner=soe,
        reference="P-DRAFT",
        title="Rail draft",
        sectors=["logistics.rail"],
        status=Project.Status.DRAFT,
    )
    return {"rail": rail, "logistics": logistics, "cars": cars, "list": asean_list, "park": hub}


def references(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/projects/?{query}")
    assert response.status_code == 200, response.content
    return [p["reference"] for p in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["P-CARS", "P-LOGI", "P-RAIL"]),
        ("sector=logistics", ["P-LOGI", "P-RAIL"]),
        ("sector=logistics.rail", ["P-RAIL"]),
        ("sector=manufacturing", ["P-CARS"]),
        ("sector=logistics.rail&sector=manufacturing", ["P-CARS", "P-RAIL"]),
        ("sector=logistics.rail,manufacturing.automotive", ["P-CARS", "P-RAIL"]),
        ("corridor=ilstc_rail", ["P-RAIL"]),
        ("corridor=air_cargo", []),
        ("mode=joint_venture", ["P-CARS"]),
        ("mode=operation,equity_investment", ["P-LOGI", "P-RAIL"]),
        ("place=TH", ["P-CARS", "P-RAIL"]),
        ("place=th", ["P-CARS", "P-RAIL"]),
        ("place=BR", ["P-CARS", "P-LOGI"]),
        ("place=DE", ["P-CARS"]),
        ("place=ASEAN", ["P-CARS", "P-RAIL"]),
        ("place=LATIN_AMERICA", ["P-CARS", "P-LOGI"]),
        ("status=published", ["P-CARS", "P-LOGI", "P-RAIL"]),
        ("status=draft", []),
        ("min_amount=800", ["P-CARS", "P-LOGI"]),
        ("min_amount=800&currency=CNY", ["P-CARS", "P-LOGI"]),
        ("max_amount=100&currency=USD", ["P-RAIL"]),
        ("min_amount=110&currency=USD", ["P-CARS", "P-LOGI"]),
        ("min_amount=100&max_amount=100&currency=EUR", ["P-CARS"]),
        ("deadline_after=2025-10-01", ["P-LOGI"]),
        ("deadline_before=2025-09-30", ["P-RAIL"]),
        ("deadline_after=2025-09-30&deadline_before=2025-12-31", ["P-LOGI", "P-RAIL"]),
        ("q=terminal", ["P-RAIL"]),
        ("q=vehicles", ["P-CARS"]),
        ("ordering=-amount", ["P-LOGI", "P-CARS", "P-RAIL"]),
        ("ordering=amount", ["P-RAIL", "P-CARS", "P-LOGI"]),
        ("ordering=-sought", ["P-CARS", "P-RAIL", "P-LOGI"]),
        ("ordering=title", ["P-LOGI", "P-RAIL", "P-CARS"]),
    ],
)
def test_project_filters(api, catalogue, query, expected):
    assert references(api(None), query) == expected


def test_park_list_and_owner_filters(api, catalogue, soe, other_soe):
    client = api(None)

    assert references(client, f"park={catalogue['park'].pk}") == ["P-RAIL"]
    assert references(client, f"list={catalogue['list'].pk}") == ["P-RAIL"]
    assert references(client, f"owner={soe.pk}") == ["P-CARS", "P-LOGI", "P-RAIL"]
    assert references(client, f"owner={other_soe.pk}") == []


def test_status_filter_shows_drafts_to_their_owner_only(api, catalogue, soe_staff):
    assert references(api(soe_staff), "status=draft") == ["P-DRAFT"]
    assert references(api(None), "status=draft") == []


def test_amounts_are_shown_in_cny(api, catalogue):
    rows = api(None).get("/api/v1/projects/?ordering=reference").json()["results"]

    assert [(p["reference"], p["total_investment_cny"]) for p in rows] == [
        ("P-CARS", "840.00"),
        ("P-LOGI", "1000.00"),
        ("P-RAIL", "717.00"),
    ]


def test_a_title_hit_ranks_above_a_description_hit(api, soe):
    ProjectFactory(
        owner=soe,
        reference="A-DESC",
        title="Bonded logistics park",
        description="The park includes a cold chain warehouse for ASEAN fruit.",
    )
    ProjectFactory(
        owner=soe,
        reference="Z-TITLE",
        title="Cold chain warehouse at Guoyuan",
        description="A warehouse for imported produce.",
    )
    ProjectFactory(owner=soe, reference="M-NONE", title="Air cargo", description="Freighters.")

    response = api(None).get("/api/v1/projects/?q=cold+chain")

    results = response.json()["results"]
    assert [p["reference"] for p in results] == ["Z-TITLE", "A-DESC"]
    assert results[0]["rank"] > results[1]["rank"] > 0


def test_search_combines_with_filters_and_explicit_ordering(api, soe):
    ProjectFactory(owner=soe, reference="B", title="Cold chain B", sectors=["logistics"])
    ProjectFactory(owner=soe, reference="A", title="Cold chain A", sectors=["energy"])

    assert references(api(None), "q=cold+chain&sector=logistics") == ["B"]
    assert references(api(None), "q=cold+chain&ordering=reference") == ["A", "B"]


def test_pagination(api, catalogue):
    response = api(None).get("/api/v1/projects/?page_size=2")

    body = response.json()
    assert body["count"] == 3
    assert [p["reference"] for p in body["results"]] == ["P-CARS", "P-LOGI"]
    assert body["next"].endswith("/api/v1/projects/?page=2&page_size=2")
    assert references(api(None), "page_size=2&page=2") == ["P-RAIL"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("sector=nope", "sector", "Unknown code: nope."),
        ("corridor=moon_rail", "corridor", "Unknown code: moon_rail."),
        ("mode=barter", "mode", "Unknown code: barter."),
        ("place=XX", "place", "Unknown code: XX."),
        ("min_amount=abc", "min_amount", "Enter a number."),
        ("max_amount=-5", "max_amount", "Ensure this value is greater than or equal to 0."),
        ("currency=XYZ", "currency", "No exchange rate for currency XYZ."),
        ("min_amount=9&max_amount=1", "min_amount", "The minimum is above the maximum."),
        ("deadline_after=2025-13-01", "deadline_after", "Enter a valid date."),
        (
            "status=lost",
            "status",
            "Select a valid choice. lost is not one of the available choices.",
        ),
        (
            "park=999999",
            "park",
            "Select a valid choice. 999999 is not one of the available choices.",
        ),
        (
            "ordering=price",
            "ordering",
            "Select a valid choice. price is not one of the available choices.",
        ),
    ],
)
def test_invalid_filter_is_a_400_naming_the_parameter(api, catalogue, query, field, message):
    response = api(None).get(f"/api/v1/projects/?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "message": "Invalid input.",
            "fields": {field: [message]},
        }
    }


@pytest.mark.parametrize("page", ["9", "0", "last-but-one"])
def test_a_page_that_does_not_exist_is_a_400_naming_page(api, catalogue, page):
    response = api(None).get(f"/api/v1/projects/?page={page}")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page": ["Invalid page."]}


def test_an_unknown_api_url_is_a_json_404(api):
    response = api(None).get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_count_is_exact_up_to_the_cap(api, catalogue, monkeypatch):
    from core.api.base import CappedCountPaginator

    exact = api(None).get("/api/v1/projects/?page_size=2").json()
    assert (exact["count"], exact["count_exact"]) == (3, True)

    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    capped = api(None).get("/api/v1/projects/?page_size=1").json()

    assert (capped["count"], capped["count_exact"]) == (2, False)
    assert [p["reference"] for p in capped["results"]] == ["P-CARS"]
    assert api(None).get("/api/v1/projects/?page_size=1&page=3").status_code == 400
