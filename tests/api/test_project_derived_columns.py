"""The project list filters and searches columns PostgreSQL keeps on the project row
(projects/migrations/0004): they must follow every way a project's codes and text change,
not only the project services."""

import pytest

from core.models import Region, Sector
from projects.models import Project
from projects.services import project_update
from projects.signals import project_changed
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


def _bulk_update(project: Project, **fields) -> None:
    Project.objects.filter(pk=project.pk).update(**fields)
    project_changed.send(sender=Project, project_ids=[project.pk])


def test_place_filter_follows_every_way_a_projects_places_change(api, soe):
    """The place filter reads `place_codes` (projects/migrations/0006), which PostgreSQL
    generates from the countries and the trigger-kept region codes on every row write."""
    project = ProjectFactory(owner=soe, reference="P-1", target_countries=["BR"])
    ProjectFactory(owner=soe, reference="P-ANY")  # no target: anywhere
    client = api(None)
    assert references(client, "place=BR") == ["P-1", "P-ANY"]
    assert references(client, "place=LATIN_AMERICA") == ["P-1", "P-ANY"]
    assert references(client, "place=TH") == ["P-ANY"]

    # A queryset UPDATE (the importers' bulk writes, which announce it): the column follows.
    _bulk_update(project, target_countries="TH,DE")
    assert references(client, "place=BR") == ["P-ANY"]
    assert references(client, "place=DE") == ["P-1", "P-ANY"]
    assert references(client, "place=ASEAN") == ["P-1", "P-ANY"]

    # Regions through the M2M table (the 0004 trigger rewrites region_codes).
    _bulk_update(project, target_countries="")
    assert references(client, "place=MIDDLE_EAST") == ["P-1", "P-ANY"]  # anywhere again
    project.target_regions.set(Region.objects.filter(code="EUROPE"))
    assert references(client, "place=MIDDLE_EAST") == ["P-ANY"]
    assert references(client, "place=DE") == ["P-1", "P-ANY"]
    assert references(client, "place=EUROPE") == ["P-1", "P-ANY"]


def test_a_region_code_is_never_taken_for_a_country(api, soe):
    """Countries and regions are told apart in place_codes (`c:BR`): a region whose code
    has two letters does not match projects targeting the country of those letters."""
    Region.objects.create(code="BR", label_en="Bay Region", label_zh="湾区", countries=["DE"])
    ProjectFactory(owner=soe, reference="P-BRAZIL", target_countries=["BR"])
    germany = ProjectFactory(owner=soe, reference="P-GERMANY", target_countries=["DE"])
    assert references(api(None), "place=BR") == ["P-GERMANY"]  # the region "BR": its members
    germany.target_regions.set(Region.objects.filter(code="BR"))
    _bulk_update(germany, target_countries="")
    assert references(api(None), "place=BR") == ["P-GERMANY"]
