"""A project list in reference order (the default) whose selection is within the count's
cap is counted and paged in one query from the selected rows
(CappedCountPaginator._page_counted_from_capped_rows); a broader one is paged in index
order, capped, as before. Either way the pages are those of the list's order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.base import CappedCountPaginator
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/projects/?sector=energy&page_size=3"


@pytest.fixture
def energy(soe):
    # Created out of reference order, with other projects in between.
    for i in (4, 1, 6, 0, 3, 5, 2):
        ProjectFactory(owner=soe, reference=f"P-E{i}", sectors=["energy"])
        ProjectFactory(owner=soe, sectors=["logistics"])


def _pages(client, url: str, numbers) -> list[dict]:
    bodies = []
    for n in numbers:
        response = client.get(f"{url}&page={n}")
        assert response.status_code == 200, response.content
        bodies.append(response.json())
    return bodies


def _references(bodies: list[dict]) -> list[str]:
    return [row["reference"] for body in bodies for row in body["results"]]


def _page_sql(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "projects_project" in q["sql"]]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("", [f"P-E{i}" for i in range(7)]), ("-reference", [f"P-E{i}" for i in range(6, -1, -1)])],
)
def test_a_small_selection_pages_in_reference_order_with_an_exact_count(
    api, energy, ordering, expected
):
    url = f"{LIST}&ordering={ordering}" if ordering else LIST
    bodies = _pages(api(None), url, (1, 2, 3))
    assert _references(bodies) == expected
    assert [(body["count"], body["count_exact"]) for body in bodies] == [(7, True)] * 3
    assert api(None).get(f"{url}&page=4").status_code == 400


def test_a_small_selection_is_counted_with_its_page(api, energy):
    sql = _page_sql(api(None), f"{LIST}&page=2")
    assert sum("COUNT(*) OVER ()" in statement for statement in sql) == 1
    assert not any("SELECT COUNT(*)" in statement for statement in sql)


def test_above_the_cap_the_first_rows_in_reference_order_are_paged(api, energy, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    client = api(None)
    bodies = _pages(client, LIST, (1, 2))
    assert [(body["count"], body["count_exact"]) for body in bodies] == [(5, False)] * 2
    # Not whichever rows the capped read met first: the list's first five.
    assert _references(bodies) == [f"P-E{i}" for i in range(5)]
    assert client.get(f"{LIST}&page=3").status_code == 400

    # Known to be broad now (the count is cached): another page is read in index order,
    # with no count and no counted read.
    sql = _page_sql(client, f"{LIST}&page_size=2&page=2")
    assert not any("COUNT(*)" in statement for statement in sql)


def test_the_count_follows_writes(api, soe, energy):
    client = api(None)
    assert _pages(client, LIST, (1,))[0]["count"] == 7
    ProjectFactory(owner=soe, reference="P-E7", sectors=["energy"])
    body = _pages(client, LIST, (3,))[0]
    assert (body["count"], _references([body])) == (8, ["P-E6", "P-E7"])
