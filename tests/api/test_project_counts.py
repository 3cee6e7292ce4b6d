"""The project list's `count` is cached (core.api.base.CappedCountPaginator) and follows
every write to projects at once: a client never sees a count that disagrees with the rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import ExchangeRate
from projects import services
from projects.models import Project
from projects.signals import project_changed
from tests.api.test_project_filter_sharing import _catalogue
from tests.factories import OpportunityListFactory, ParkFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/?sector=logistics"


def _count(client, url: str = URL) -> int:
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["count_exact"] is True
    return body["count"]


def _counted(client, url: str = URL) -> bool:
    """True when the request ran the capped COUNT query (not served from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return any("COUNT(" in query["sql"] for query in queries.captured_queries)


def test_an_unchanged_list_is_counted_once(api, soe):
    ProjectFactory(owner=soe)
    client = api(None)
    assert _counted(client)
    assert not _counted(client)
    assert _count(client) == 1


def test_the_count_follows_new_edited_and_deleted_projects(api, soe, soe_staff):
    first = ProjectFactory(owner=soe)
    client = api(None)
    assert _count(client) == 1

    second = ProjectFactory(owner=soe)
    assert _count(client) == 2

    services.project_update(project=second, by=soe_staff, sectors=["energy"])
    assert _count(client) == 1  # its sector codes changed: no longer logistics

    Project.objects.filter(pk=first.pk).delete()
    assert _count(client) == 0


def test_bulk_writes_that_announce_themselves_move_the_count_on(api, soe):
    project = ProjectFactory(owner=soe)
    client = api(None)
    assert _count(client) == 1

    # An importer's bulk UPDATE sends no save signal; it announces project_changed.
    Project.objects.filter(pk=project.pk).update(status=Project.Status.DRAFT)
    project_changed.send(sender=Project, project_ids=[project.pk])

    assert _count(client) == 0


def test_each_viewer_has_the_count_of_what_they_may_see(api, soe, soe_staff):
    ProjectFactory(owner=soe)
    ProjectFactory(owner=soe, status=Project.Status.DRAFT)

    assert _count(api(None)) == 1
    assert _count(api(soe_staff)) == 2  # their own draft too
    assert _count(api(None)) == 1


def _counts_agree_with_rows(client, url: str) -> int:
    """The list's count and its rows (all on one page) agree; returns the count."""
    response = client.get(f"/api/v1/projects/{url}&page_size=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"]), url
    return body["count"]


def test_each_filter_and_viewer_has_a_cached_count_of_its_own(
    api, soe, other_soe, soe_staff, admin_user
):
    """Counts are cached under a name of the selection (filters, rates, viewer), not the
    counting SQL; URLs that differ in one parameter or viewer never share a count."""
    _catalogue(soe)
    hub, asean_list = ParkFactory(), OpportunityListFactory()
    Project.objects.filter(reference="P-RAIL").update(park=hub, opportunity_list=asean_list)
    ProjectFactory(owner=soe, reference="P-DRAFT", status=Project.Status.DRAFT)
    ProjectFactory(owner=other_soe, reference="P-OTHER", deadline=datetime.date(2031, 1, 1))
    urls = [
        "?sector=logistics",
        "?sector=manufacturing",
        "?sector=logistics,manufacturing",
        "?corridor=ilstc_rail",
        "?mode=joint_venture",
        "?place=TH",
        "?place=BR",
        "?min_amount=1000&currency=USD",
        "?min_amount=1000&currency=CNY",
        "?max_amount=1000",
        f"?park={hub.pk}",
        f"?list={asean_list.pk}",
        f"?owner={other_soe.pk}",
        f"?owner={soe.pk}",
        "?status=draft",
        "?status=published",
        "?deadline_after=2030-01-01",
        "?deadline_before=2030-01-01",
        "?q=cold+chain",
        "?q=terminal",
        "?ordering=-amount",
    ]
    clients = {"anonymous": api(None), "soe_staff": api(soe_staff), "admin": api(admin_user)}
    first = {
        (viewer, url): _counts_agree_with_rows(client, url)
        for url in urls
        for viewer, client in clients.items()
    }
    # Again, now from the cache: every count still agrees with its own rows.
    again = {
        (viewer, url): _counts_agree_with_rows(client, url)
        for url in reversed(urls)
        for viewer, client in clients.items()
    }
    assert again == first
    assert len(set(first.values())) > 3  # the cases do differ
    assert first["anonymous", "?status=draft"] == 0
    assert first["soe_staff", "?status=draft"] == first["admin", "?status=draft"] == 1
    assert first["soe_staff", f"?owner={other_soe.pk}"] == 1


def test_a_new_exchange_rate_changes_a_cached_count_of_amounts(api, soe):
    _catalogue(soe)  # P-RAIL: 1,000 USD; P-COLD: 800 CNY; P-CARS: 100 EUR
    client = api(None)
    url = "?min_amount=5000&currency=CNY"
    assert _counts_agree_with_rows(client, url) == 1  # 1,000 USD at 7.17
    assert not _counted(client, f"/api/v1/projects/{url}&page_size=100")

    newest = ExchangeRate.objects.filter(currency="USD").order_by("-valid_on").first()
    ExchangeRate.objects.create(
        currency="USD",
        rate_to_cny=Decimal("4.5"),
        valid_on=newest.valid_on + datetime.timedelta(days=1),
    )

    assert _counts_agree_with_rows(client, url) == 0  # 4,500 CNY now
