"""Tasks and receivers: idempotent, enqueued after commit, and a real worker on the real Redis."""

from datetime import date
from decimal import Decimal

import pytest

from core.services import exchange_rate_save
from enterprises.services import enterprise_update
from matchmaking.models import Match
from matchmaking.tasks import enterprise_rescore_task, project_rescore_task, rescore_all_task
from projects.models import Project
from projects.services import project_publish
from tests.factories import EnterpriseFactory, ProjectFactory
from tests.workers import wait_until


def rows():
    return sorted(
        Match.objects.values_list("pk", "project_id", "enterprise_id", "score", "eligible", "state")
    )


@pytest.fixture
def scene(soe):
    firms = [
        EnterpriseFactory(
            sectors=["logistics.warehousing"], cooperation_modes=["operation"], description=d
        )
        for d in ("Bonded warehouse.", "Cold chain warehouse.", "Rail yard.")
    ]
    projects = [
        ProjectFactory(
            owner=soe, sectors=["logistics.warehousing"], cooperation_modes=["operation"]
        )
        for _ in range(2)
    ]
    return projects, firms


@pytest.mark.django_db
def test_running_each_task_twice_leaves_the_same_rows(scene):
    (project, _), (firm, *_) = scene

    project_rescore_task.apply(args=[project.pk]).get()
    first = rows()
    project_rescore_task.apply(args=[project.pk]).get()
    assert rows() == first

    rescore_all_task.apply().get()
    after_all = rows()
    rescore_all_task.apply().get()
    assert rows() == after_all

    enterprise_rescore_task.apply(args=[firm.pk]).get()
    enterprise_rescore_task.apply(args=[firm.pk]).get()
    assert rows() == after_all
    assert len(after_all) == 6


@pytest.mark.django_db
def test_a_task_for_a_deleted_object_returns_quietly():
    assert project_rescore_task.apply(args=[987654]).get() == {
        "stored": 0,
        "created": 0,
        "deleted": 0,
    }
    assert enterprise_rescore_task.apply(args=[987654]).get()["stored"] == 0


@pytest.mark.django_db
def test_publishing_a_project_rescores_it_after_commit(
    soe, soe_staff, django_capture_on_commit_callbacks
):
    EnterpriseFactory(sectors=["logistics.warehousing"])
    project = ProjectFactory(owner=soe, status=Project.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        project_publish(project=project, by=soe_staff)
    assert not Match.objects.exists()  # nothing before commit

    for callback in callbacks:
        callback()
    assert Match.objects.filter(project=project).count() == 1


@pytest.mark.django_db
def test_an_enterprise_profile_change_rescores_it_after_commit(
    scene, admin_user, django_capture_on_commit_callbacks
):
    _projects, (firm, *_) = scene

    with django_capture_on_commit_callbacks(execute=True):
        enterprise_update(enterprise=firm, by=admin_user, description="Bonded warehousing hub.")

    assert Match.objects.filter(enterprise=firm).count() == 2


@pytest.mark.django_db
def test_an_exchange_rate_change_rescores_everything_after_commit(
    scene, django_capture_on_commit_callbacks
):
    (project, _), (firm, *_) = scene
    firm.currency, firm.investment_max = "USD", Decimal("1000000")
    firm.save()

    with django_capture_on_commit_callbacks(execute=True):
        exchange_rate_save(currency="USD", rate_to_cny="700", valid_on=date(2026, 2, 1))

    match = Match.objects.get(project=project, enterprise=firm)
    assert match.components["capacity"]["fit"] == 1.0  # 700 million CNY covers 500 million


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_a_newly_published_project(celery_worker, soe, soe_staff):
    firm = EnterpriseFactory(sectors=["logistics.warehousing"], cooperation_modes=["operation"])
    project = ProjectFactory(
        owner=soe,
        status=Project.Status.DRAFT,
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
    )

    project_publish(project=project, by=soe_staff)

    wait_until(lambda: Match.objects.filter(project=project, enterprise=firm).exists(), timeout=60)
    match = Match.objects.get(project=project, enterprise=firm)
    assert match.eligible is True
    assert match.config_version == 1


@pytest.mark.django_db
def test_a_full_rescore_fans_out_in_chunks_and_prunes_once_at_the_end(scene, monkeypatch):
    from matchmaking import services

    matches_done = services.matches_rescore_all()
    expected = sorted(Match.objects.values_list("project_id", "enterprise_id", "score"))
    Match.objects.all().delete()
    monkeypatch.setattr(services, "RESCORE_CHUNK_SIZE", 1)
    chunks, prunes = [], []
    real_chunk = services.matches_rescore_projects
    monkeypatch.setattr(
        services,
        "matches_rescore_projects",
        lambda **kw: chunks.append(kw["project_ids"]) or real_chunk(**kw),
    )
    real_prune = services.matches_prune
    monkeypatch.setattr(
        services, "matches_prune", lambda **kw: prunes.append(kw) or real_prune(**kw)
    )

    assert rescore_all_task.apply().get() == 2

    (first, second), _firms = scene
    assert chunks == [[first.pk], [second.pk]]
    assert len(prunes) == 1
    assert (prunes[0]["project_ids"], prunes[0]["enterprise_ids"]) == (None, None)
    assert prunes[0]["created_since"] is not None
    assert sorted(Match.objects.values_list("project_id", "enterprise_id", "score")) == expected
    assert matches_done.projects == 2


@pytest.mark.django_db
def test_a_new_negative_list_rule_rescores_everything_after_commit(
    soe, tmp_path, django_capture_on_commit_callbacks
):
    from core.importers import negative_list_import
    from tests.factories import ForeignEnterpriseFactory
    from tests.imports.files import csv_write

    firm = ForeignEnterpriseFactory(
        sectors=["logistics.warehousing"], cooperation_modes=["operation"]
    )
    project = ProjectFactory(
        owner=soe, sectors=["logistics.warehousing"], cooperation_modes=["operation"]
    )
    project_rescore_task.apply(args=[project.pk]).get()
    assert Match.objects.get(project=project, enterprise=firm).eligible is True
    rules = [{"sector": "logistics", "rule": "prohibited", "note": ""}]

    with django_capture_on_commit_callbacks(execute=True):
        negative_list_import(
            path=csv_write(tmp_path / "rules.csv", ["sector", "rule", "note"], rules)
        )

    assert Match.objects.get(project=project, enterprise=firm).eligible is False
