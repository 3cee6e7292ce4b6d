"""The project list's code filters and search are answered by one index scan each
(projects/migrations/0007), not by one bitmap per filtered column ANDed together: a broad
filter (a place matches every project without a target) no longer costs a bitmap of most
of the table. Checked on the page query the list really sends."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def page_plan(client, query: str) -> str:
    """EXPLAIN of the list's page query for `query`, sequential scans disabled (the test
    table is tiny, where reading it whole is what PostgreSQL rightly prefers). The client
    is an admin's, whose list has no visibility condition: on six rows the status index
    would otherwise look as good as any."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/projects/?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    (page,) = [q["sql"] for q in captured.captured_queries if "selected_rows" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {page}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def listed(api, soe, admin_user):
    ProjectFactory(
        owner=soe,
        reference="P-1",
        sectors=["logistics.rail"],
        cooperation_modes=["operation"],
        corridors=["ilstc_rail"],
        description="A cold chain hub on the rail corridor.",
    )
    ProjectFactory.create_batch(5, owner=soe, sectors=["energy"], cooperation_modes=["leasing"])
    return api(admin_user)


def index_scans(plan: str) -> list[str]:
    return re.findall(r"Index Scan on (\w+)", plan)


@pytest.mark.parametrize(
    "query",
    [
        "sector=logistics&place=TH&mode=operation&ordering=title",
        "sector=logistics.rail&corridor=ilstc_rail&place=ASEAN&ordering=deadline",
        "place=TH&mode=operation&ordering=-published_at",
        "q=cold+chain&sector=logistics&place=TH",
    ],
)
def test_filters_and_search_are_one_index_scan(listed, query):
    plan = page_plan(listed, query)
    # Either multicolumn index holds the sector and place codes; on six rows PostgreSQL
    # may take either, and tests the remaining condition on the row.
    assert len(index_scans(plan)) == 1, plan
    assert index_scans(plan)[0] in {"project_filter_codes", "project_search_filters"}, plan
    assert "BitmapAnd" not in plan, plan
