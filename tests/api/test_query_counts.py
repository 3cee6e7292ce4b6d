"""Hot lists run a fixed number of queries, whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Region
from tests.api.world import match_create
from tests.factories import EnterpriseFactory, OpportunityListFactory, ParkFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _projects(owner, n: int) -> None:
    for _ in range(n):
        project = ProjectFactory(
            owner=owner,
            sectors=["logistics.rail", "logistics.warehousing"],
            cooperation_modes=["joint_venture", "operation"],
            corridors=["ilstc_rail", "ilstc_rail_sea"],
        )
        project.target_regions.set(Region.objects.filter(code__in=["ASEAN", "EUROPE"]))


def _count(client, url: str, expected_results: int) -> int:
    client.get(url)  # warm: process-wide caches (e.g. reason labels) fill on first use
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_results
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "owner_staff"])
def test_project_list_queries_do_not_grow_with_page_size(
    api, soe, role_user, role, django_assert_num_queries
):
    client = api(role_user(role))
    url = "/api/v1/projects/?page_size=50&sector=logistics&place=TH&q=project&min_amount=1"
    _projects(soe, 1)
    one = _count(client, url, 1)
    _projects(soe, 49)
    client.get(url)  # the writes made the cached count stale: counted again, cached again

    with django_assert_num_queries(one):
        response = client.get(url)

    assert len(response.json()["results"]) == 50


def test_project_list_query_count_is_exact(api, soe, django_assert_num_queries):
    _projects(soe, 50)
    api(None).get("/api/v1/projects/")

    # sector codes, regions with their countries and rates in one query (read once, for
    # validation and filtering both); then the page's ids with the count (the selection is
    # under the count's cap: CappedCountPaginator._page_counted_from_capped_rows), the
    # page's rows. The page is 50 rows, each with two codes in four M2M fields, which come
    # as arrays in the rows query (PostgreSQL).
    url = "/api/v1/projects/?page_size=50&sector=logistics&place=TH&min_amount=1"
    with django_assert_num_queries(3):
        api(None).get(url)
    # The same list again, no project changed: the count and the page's ids come from the
    # cache (core.api.base.CappedCountPaginator); the reference data and the rows are read.
    with django_assert_num_queries(2):
        api(None).get(url)


@pytest.mark.parametrize("side", ["candidates", "recommendations"])
def test_match_list_queries_do_not_grow_with_page_size(
    api, soe, soe_staff, foreign_enterprise, foreign_member, side, django_assert_num_queries
):
    first = ProjectFactory(owner=soe)
    match_create(project=first, enterprise=foreign_enterprise)
    if side == "candidates":
        client, url = api(soe_staff), f"/api/v1/matches/?project={first.pk}&page_size=50"
    else:
        client, url = api(foreign_member), "/api/v1/matches/?page_size=50"
    one = _count(client, url, 1)

    for i in range(49):
        if side == "candidates":
            match_create(project=first, enterprise=EnterpriseFactory(), score=50 + i / 10)
        else:
            match_create(project=ProjectFactory(owner=soe), enterprise=foreign_enterprise)

    with django_assert_num_queries(one):
        response = client.get(url)

    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("role", ["anonymous", "owner_staff"])
def test_project_rows_with_a_list_and_a_park_take_no_query_of_their_own(
    api, soe, role_user, role, django_assert_num_queries
):
    """List rows read their owner, list and park with the page (only the columns shown)."""
    client = api(role_user(role))
    url = "/api/v1/projects/?page_size=50"
    opportunity_list, park = OpportunityListFactory(), ParkFactory()
    ProjectFactory(owner=soe, opportunity_list=opportunity_list, park=park)
    one = _count(client, url, 1)
    for _ in range(4):
        ProjectFactory(owner=soe, opportunity_list=OpportunityListFactory(), park=ParkFactory())
    client.get(url)  # counted again after the writes, and cached

    with django_assert_num_queries(one):
        response = client.get(url)

    rows = response.json()["results"]
    assert len(rows) == 5
    assert all(row["park"]["name"] and row["opportunity_list"]["name"] for row in rows)
    assert all(row["owner"]["name"] == soe.name for row in rows)
