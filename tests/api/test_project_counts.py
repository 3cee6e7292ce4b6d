"""The project list's `count` is cached (core.api.base.CappedCountPaginator) and follows
every write to projects at once: a client never sees a count that disagrees with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Project
from projects.signals import project_changed
from tests.factories import ProjectFactory

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
