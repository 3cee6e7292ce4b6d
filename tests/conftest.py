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
