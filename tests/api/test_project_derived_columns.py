"""The project list filters and searches columns PostgreSQL keeps on the project row
(projects/migrations/0004): they must follow every way a project's codes and text change,
not only the project services."""

import pytest

from core.models import Region, Sector
from projects.models import Project
from projects.services import project_update
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def references(client, query: str) -> list[str]:
    response = client.get(f"/api/v1/projects/?{query}")
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def test_codes_filters_follow_direct_m2m_writes(api, soe):
    project = ProjectFactory(owner=soe, reference="P-1", sectors=["energy"])
    client = api(None)
    assert references(client, "sector=logistics") == []

    # The admin and the importers write the M2M tables through Django's managers.
    project.sectors.add(Sector.objects.get(code="logistics.rail"))
    assert references(client, "sector=logistics") == ["P-1"]

    # Bulk loads insert M2M rows directly.
    Project.corridors.through.objects.bulk_create(
        [Project.corridors.through(project_id=project.pk, corridor_id="ilstc_rail")]
    )
    assert references(client, "corridor=ilstc_rail") == ["P-1"]

    project.sectors.remove(Sector.objects.get(code="logistics.rail"))
    assert references(client, "sector=logistics") == []
    assert references(client, "sector=energy") == ["P-1"]

    Project.cooperation_modes.through.objects.filter(project_id=project.pk).update(
        cooperationmode_id="operation"
    )
    assert references(client, "mode=operation") == ["P-1"]
    assert references(client, "mode=equity_investment") == []


def test_place_filter_follows_target_region_changes(api, soe):
    project = ProjectFactory(owner=soe, reference="P-1")
    client = api(None)
    assert references(client, "place=BR") == ["P-1"]  # no target: anywhere

    project.target_regions.set(Region.objects.filter(code="ASEAN"))
    assert references(client, "place=BR") == []
    assert references(client, "place=TH") == ["P-1"]

    project.target_regions.clear()
    assert references(client, "place=BR") == ["P-1"]


def test_services_keep_the_codes_filters_right(api, soe, soe_staff):
    project = ProjectFactory(owner=soe, reference="P-1", sectors=["energy"])

    project_update(project=project, by=soe_staff, sectors=["logistics.cold_chain"])

    assert references(api(None), "sector=logistics") == ["P-1"]
    assert references(api(None), "sector=energy") == []


def test_search_follows_title_and_description_changes(api, soe, soe_staff):
    project = ProjectFactory(owner=soe, reference="P-1", title="Rail freight terminal")
    client = api(None)
    assert references(client, "q=terminal") == ["P-1"]

    project_update(project=project, by=soe_staff, title="Cold chain hub")
    assert references(client, "q=terminal") == []
    assert references(client, "q=cold+chain") == ["P-1"]

    # A write that bypasses the model (a data fix in SQL) is searchable too.
    Project.objects.filter(pk=project.pk).update(description="Bonded warehouse for durian")
    assert references(client, "q=durian") == ["P-1"]
