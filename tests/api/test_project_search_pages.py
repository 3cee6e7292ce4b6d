"""A searched project list is counted with its page's rows (COUNT(*) OVER (), one query):
its `count`, `count_exact`, pages and page errors are those of any other list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api.base import CappedCountPaginator
from projects.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SEARCHED = "/api/v1/projects/?q=harbour&page_size=3"
# The same projects without a search: counted by the capped COUNT query.
UNSEARCHED = "/api/v1/projects/?sector=energy&page_size=3"


def _harbours(owner, n: int) -> list[Project]:
    return [
        ProjectFactory(
            owner=owner,
            reference=f"P-H{i:02d}",
            title=f"Harbour terminal {i}",
            description="harbour " * (i + 1),  # a rank of its own for each
            sectors=["energy"],
        )
        for i in range(n)
    ]


def _page(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_searched_list_pages_and_counts_like_any_list(api, soe):
    _harbours(soe, 7)
    ProjectFactory(owner=soe, title="Solar park", sectors=["logistics"])
    client = api(None)

    pages = [_page(client, f"{SEARCHED}&page={n}") for n in (1, 2, 3)]

    assert [body["count"] for body in pages] == [7, 7, 7]
    assert all(body["count_exact"] for body in pages)
    assert [len(body["results"]) for body in pages] == [3, 3, 1]
    seen = [row["reference"] for body in pages for row in body["results"]]
    assert sorted(seen) == [f"P-H{i:02d}" for i in range(7)]  # each once, none missing
    ranks = [row["rank"] for body in pages for row in body["results"]]
    assert ranks == sorted(ranks, reverse=True)
    assert "page=2" in pages[0]["next"]
    assert pages[2]["next"] is None
    assert _page(client, f"{SEARCHED}&page=last")["results"] == pages[2]["results"]
    unsearched = [_page(client, f"{UNSEARCHED}&page={n}") for n in (1, 2, 3)]
    assert [body["count"] for body in unsearched] == [7, 7, 7]


@pytest.mark.parametrize("page", ["4", "0", "-1", "two", "1.5"])
def test_a_searched_page_that_does_not_exist_is_a_400_naming_page(api, soe, page):
    _harbours(soe, 7)
    response = api(None).get(f"{SEARCHED}&page={page}")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page"]


def test_a_search_without_results_has_an_empty_first_page(api, soe):
    _harbours(soe, 2)
    body = _page(api(None), "/api/v1/projects/?q=airport")
    assert (body["count"], body["count_exact"], body["results"]) == (0, True, [])
    assert api(None).get("/api/v1/projects/?q=airport&page=2").status_code == 400


def test_above_the_cap_a_searched_list_is_capped_like_any_list(api, soe, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    _harbours(soe, 7)
    client = api(None)

    for url in (SEARCHED, UNSEARCHED):
        first, second = _page(client, f"{url}&page=1"), _page(client, f"{url}&page=2")
        assert (first["count"], first["count_exact"]) == (5, False), url
        assert (second["count"], second["count_exact"]) == (5, False), url
        assert (len(first["results"]), len(second["results"])) == (3, 2), url
        assert second["next"] is None, url
        assert client.get(f"{url}&page=3").status_code == 400, url


def test_a_searched_list_runs_no_count_query_and_follows_writes(api, soe, soe_staff):
    _harbours(soe, 2)
    client = api(soe_staff)
    with CaptureQueriesContext(connection) as queries:
        assert _page(client, SEARCHED)["count"] == 2
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum("COUNT(*) OVER ()" in statement for statement in sql) == 1
    assert not any("SELECT COUNT(*)" in statement for statement in sql)

    ProjectFactory(owner=soe, title="Harbour crane", sectors=["energy"])
    assert _page(client, SEARCHED)["count"] == 3
    ProjectFactory(owner=soe, title="Harbour draft", status=Project.Status.DRAFT)
    assert _page(client, SEARCHED)["count"] == 4  # the owner's staff see their draft
    assert _page(api(None), SEARCHED)["count"] == 3
