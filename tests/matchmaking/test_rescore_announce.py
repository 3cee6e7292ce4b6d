"""A single project's rescore announces only the new pairs its prune keeps.

The rescore stores, for every enterprise, the pair when it is among the enterprise's K best
among this one project; the prune task then deletes those whose enterprise already holds K
better ones. Announcing at store time notified both sides of matches that vanished seconds
later: the prune announces the survivors instead, only this project's.
"""

import pytest

from matchmaking import services
from matchmaking.models import Match, MatchingConfig
from notifications.models import Notification
from projects.models import Project
from projects.services import project_publish
from tests.factories import EnterpriseFactory, MembershipFactory, ProjectFactory
from tests.workers import wait_until

WAREHOUSE = "Bonded warehouse at the port."
COLD = "Cold chain storage for fruit."


@pytest.fixture
def scene(soe):
    """K = 1. The warehouse firm prefers the warehouse project; the cold chain project
    prefers the cold chain firm. Every eligible pair is worth a notification."""
    MatchingConfig.objects.create(version=2, top_k=1, min_score=0, notify_threshold=0)
    warehouse_firm = EnterpriseFactory(
        sectors=["logistics.warehousing"], cooperation_modes=["operation"], description=WAREHOUSE
    )
    cold_firm = EnterpriseFactory(
        sectors=["logistics.cold_chain"], cooperation_modes=["operation"], description=COLD
    )
    warehouse = ProjectFactory(
        owner=soe,
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
        description=WAREHOUSE,
    )
    cold = ProjectFactory(
        owner=soe,
        status=Project.Status.DRAFT,
        sectors=["logistics.cold_chain"],
        cooperation_modes=["operation"],
        description=COLD,
    )
    return warehouse, cold, warehouse_firm, cold_firm


def _pk(project, firm) -> int:
    return Match.objects.get(project=project, enterprise=firm).pk


@pytest.mark.django_db
def test_a_project_rescore_announces_only_its_pairs_that_survive_the_prune(
    scene, announced, monkeypatch, django_capture_on_commit_callbacks
):
    warehouse, cold, warehouse_firm, cold_firm = scene
    with django_capture_on_commit_callbacks(execute=True):
        services.project_rescore(project_id=warehouse.pk)
    assert announced == [sorted([_pk(warehouse, warehouse_firm), _pk(warehouse, cold_firm)])]
    Project.objects.filter(pk=cold.pk).update(status=Project.Status.PUBLISHED)
    announced.clear()
    stored: list[int] = []
    real = services._Writer.finish

    def finish(writer):  # what the rescore stored, before its prune
        stored.extend(Match.objects.filter(project=cold).values_list("enterprise_id", flat=True))
        real(writer)

    monkeypatch.setattr(services._Writer, "finish", finish)

    with django_capture_on_commit_callbacks(execute=True):
        services.project_rescore(project_id=cold.pk)

    # Both firms got the cold chain project on their side; the warehouse firm holds a
    # better one, so the prune deleted that pair: it is never announced. The survivor is,
    # once, and the warehouse project's recent pairs in the same firms are not named again.
    assert sorted(stored) == sorted([warehouse_firm.pk, cold_firm.pk])
    assert not Match.objects.filter(project=cold, enterprise=warehouse_firm).exists()
    assert announced == [[_pk(cold, cold_firm)]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_notifies_nobody_of_a_pair_its_prune_deletes(celery_worker, scene, soe_staff):
    warehouse, cold, warehouse_firm, cold_firm = scene
    for firm in (warehouse_firm, cold_firm):
        MembershipFactory(enterprise=firm)
    services.project_rescore(project_id=warehouse.pk)  # its prune runs on the worker
    wait_until(lambda: Notification.objects.filter(key__startswith="match:").exists(), timeout=60)

    project_publish(project=cold, by=soe_staff)

    survivor = f"match:{cold.pk}:{cold_firm.pk}"
    wait_until(lambda: Notification.objects.filter(key=survivor).exists(), timeout=60)
    wait_until(lambda: Notification.objects.filter(key=survivor).count() >= 2, timeout=10)
    assert not Match.objects.filter(project=cold, enterprise=warehouse_firm).exists()
    assert not Notification.objects.filter(key=f"match:{cold.pk}:{warehouse_firm.pk}").exists()
    # The cold chain firm's member and the project owner's staff, once each.
    assert Notification.objects.filter(key=survivor).count() == 2
