"""The project list keeps each page's ids (and ranks) with its count in the cache, under the
selection, the ordering, the page and the generation every project write moves on; the
rows' columns are read by id on every request. A client sees what it would see uncached."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise
from projects import services
from projects.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/api/v1/projects/?sector=energy&page_size=2",
    "/api/v1/projects/?sector=energy&page_size=2&page=2",
    "/api/v1/projects/?sector=energy&page_size=2&ordering=-amount",
    "/api/v1/projects/?sector=energy&page_size=3",
    "/api/v1/projects/?q=harbour&page_size=2",
    "/api/v1/projects/?q=harbour&page_size=2&ordering=title",
]


def _projects(owner) -> None:
    for i, amount in enumerate([500, 300, 900, 100]):
        ProjectFactory(
            owner=owner,
            reference=f"P-E{i}",
            title=f"Harbour grid {'xyz'[i % 3]}{i}",
            description="harbour " * (i + 1),
            sectors=["energy"],
            total_investment=amount,
            external_investment_sought=amount,
            currency="CNY",
        )


def _project_queries(client, url: str) -> tuple[bytes, int]:
    """The response's bytes and how many queries read projects_project (ids, count, rows)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.content, sum(
        'FROM "projects_project"' in query["sql"] for query in queries.captured_queries
    )


def test_a_repeated_page_is_not_selected_again_and_reads_the_same(api, soe, soe_staff):
    _projects(soe)
    for client in (api(None), api(soe_staff)):
        for url in URLS:
            first, selecting = _project_queries(client, url)
            again, rows_only = _project_queries(client, url)
            assert again == first, url
            assert (selecting, rows_only) in {(3, 1), (2, 1)}, url  # ids (+ count), rows


def test_cached_pages_are_those_of_an_empty_cache(api, soe, soe_staff):
    """Every URL and viewer, each page read through a warm cache, byte for byte the same
    as with the cache emptied before each request."""
    _projects(soe)
    ProjectFactory(owner=soe, reference="P-DRAFT", sectors=["energy"], status="draft")
    clients = [api(None), api(soe_staff)]
    warm = []
    for url in URLS:
        for client in clients:
            client.get(url)
            warm.append(client.get(url).content)
    cold = []
    for url in URLS:
        for client in clients:
            cache.clear()
            cold.append(client.get(url).content)
    assert warm == cold


def test_a_cached_page_follows_project_writes_and_shows_fresh_rows(api, soe, soe_staff):
    _projects(soe)
    client = api(None)
    url = "/api/v1/projects/?q=harbour&page_size=10"

    def references() -> list[str]:
        return [row["reference"] for row in client.get(url).json()["results"]]

    before = references()
    assert references() == before  # from the cache
    ProjectFactory(owner=soe, reference="P-NEW", title="Harbour harbour harbour")
    assert "P-NEW" in references()

    withdrawn = Project.objects.get(reference="P-E0")
    services.project_update(project=withdrawn, by=soe_staff, title="Solar farm")
    assert "P-E0" in references()  # still a "harbour" in its description
    Project.objects.filter(reference="P-E0").update(status=Project.Status.DRAFT)
    Project.objects.get(reference="P-E0").save()  # a save moves the generation on
    assert "P-E0" not in references()

    # The owner's name is read with the rows on every request, not kept with the page.
    Enterprise.objects.filter(pk=soe.pk).update(name="Renamed Group")
    owners = {row["owner"]["name"] for row in client.get(url).json()["results"]}
    assert owners == {"Renamed Group"}
