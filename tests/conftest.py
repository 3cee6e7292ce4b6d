"""Role fixtures shared by every test: anonymous, enterprise member, SOE staff, admin."""

import pytest

from tests.factories import (
    ForeignEnterpriseFactory,
    MembershipFactory,
    SoeFactory,
    UserFactory,
)


def pytest_collection_modifyitems(items):
    """Give every transactional test a serialized rollback.

    A transactional test (a real worker, a live server, threads) ends by flushing every table,
    which would also delete the reference data the migrations seeded (sectors, ownership types,
    exchange rates, the first matching configuration) for the tests after it. With a serialized
    rollback Django restores that initial content before each such test.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(
                pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False
            )


@pytest.fixture(scope="session")
def _initial_db_content(django_db_setup) -> str:
    """The test database's initial content (seeded reference data), as Django serialized it.

    Captured before any browser test starts Playwright: once its event loop runs, this thread
    sees other (greenlet-local) connection objects, without the serialized copy that Django's
    serialized rollback restores, so the restore below does it explicitly.
    """
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", "") or ""


@pytest.fixture(autouse=True)
def _initial_db_content_restored(request):
    """Let Django's serialized rollback work on whichever connection object this test sees."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    content = request.getfixturevalue("_initial_db_content")
    from django.db import connection

    if content and not getattr(connection, "_test_serialized_contents", None):
        # So this test's closing flush keeps post_migrate quiet, as serialized rollback wants.
        connection._test_serialized_contents = content
    request.getfixturevalue("transactional_db")
    from core.models import Sector

    if content and not Sector.objects.exists():
        # The setup ran before this connection object had the copy: restore it now.
        connection.creation.deserialize_db_from_string(content)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def soe(db):
    return SoeFactory(name="Chongqing Port Logistics Group")


@pytest.fixture
def other_soe(db):
    return SoeFactory(name="Chongqing Airport Group")


@pytest.fixture
def foreign_enterprise(db):
    return ForeignEnterpriseFactory(name="Straits Logistics Pte Ltd")


@pytest.fixture
def soe_staff(soe):
    return MembershipFactory(enterprise=soe, user=UserFactory(username="soe_staff")).user


@pytest.fixture
def other_soe_staff(other_soe):
    return MembershipFactory(enterprise=other_soe, user=UserFactory(username="other_soe")).user


@pytest.fixture
def foreign_member(foreign_enterprise):
    return MembershipFactory(
        enterprise=foreign_enterprise, user=UserFactory(username="foreign_member")
    ).user


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker process on the real Redis broker, reading the test database."""
    from config.celery import app
    from tests.workers import running_worker

    app.control.purge()
    with running_worker() as proc:
        yield proc
