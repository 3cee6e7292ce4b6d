"""A full rescore announces the pairs it created only once its final prune has run.

Each chunk of a full rescore keeps every enterprise's K best among the chunk's own projects;
the final prune keeps only each enterprise's K best overall. Pairs the prune deletes must
never reach `matches_stored` (they used to be announced, then deleted, on every run).
"""

from datetime import timedelta

import pytest
from django.db.models import F

from matchmaking import services
from matchmaking.models import Match
from matchmaking.services import matches_rescore_all, matching_config_create
from matchmaking.tasks import rescore_all_task
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(soe, admin_user, monkeypatch):
    """Three projects in chunks of one; every firm keeps only its single best project."""
    matching_config_create(by=admin_user, top_k=1, min_score=0)
    monkeypatch.setattr(services, "RESCORE_CHUNK_SIZE", 1)
    spec = EnterpriseFactory(
        reference="ENT-SPEC",
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
        description="Bonded warehousing next to the port.",
    )
    weak = EnterpriseFactory(reference="ENT-WEAK", sectors=["logistics"])
    projects = [
        ProjectFactory(
            owner=soe,
            sectors=["logistics.warehousing"],
            cooperation_modes=["operation"],
            description=text,
        )
        for text in ("Bonded warehousing.", "A warehouse.", "Cold storage.")
    ]
    return spec, weak, projects


def test_a_full_rescore_announces_only_the_pairs_its_prune_keeps(crowded, announced, monkeypatch):
    spec, weak, _projects = crowded
    stored_by_chunks: list[int] = []
    monkeypatch.setattr(
        services,
        "matches_rescore_projects",
        _recording(services.matches_rescore_projects, stored_by_chunks),
    )

    matches_rescore_all()

    kept = sorted(Match.objects.filter(eligible=True).values_list("pk", flat=True))
    # each chunk stored the weak firm's pair with its own project: two of three were pruned
    assert sum(stored_by_chunks) == 6
    assert Match.objects.filter(enterprise=weak).count() == 1
    assert Match.objects.filter(enterprise=spec).count() == 3
    # one announcement, after the prune, of exactly the pairs that are still there
    assert announced == [kept]
    assert len(kept) == 4


def _recording(real, stored):
    def call(**kwargs):
        summary = real(**kwargs)
        stored.append(summary.stored)
        return summary

    return call


def test_the_next_nightly_rescore_of_unchanged_data_announces_nothing(crowded, announced):
    matches_rescore_all()
    first = sorted(Match.objects.values_list("pk", "project_id", "enterprise_id", "score"))
    Match.objects.update(created_at=F("created_at") - timedelta(days=1))  # a night later

    matches_rescore_all()

    assert sorted(Match.objects.values_list("pk", "project_id", "enterprise_id", "score")) == first
    assert len(announced) == 2
    assert announced[1] == []


def test_a_rescore_soon_after_another_names_its_pairs_again_but_notifies_nobody_twice(
    crowded, announced
):
    """The run looks RUN_CLOCK_MARGIN back (other machines' clocks): receivers key by pair."""
    from notifications.models import Notification
    from tests.factories import MembershipFactory

    spec, _weak, _projects = crowded
    MembershipFactory(enterprise=spec)
    matches_rescore_all()
    sent = Notification.objects.count()

    matches_rescore_all()

    assert announced[1] == announced[0]
    assert sent > 0
    assert Notification.objects.count() == sent


def test_the_fanned_out_rescore_announces_after_its_last_chunk_prunes(crowded, announced):
    _spec, weak, _projects = crowded

    assert rescore_all_task.apply().get() == 3

    kept = sorted(Match.objects.filter(eligible=True).values_list("pk", flat=True))
    assert Match.objects.filter(enterprise=weak).count() == 1
    assert announced == [kept]


def test_a_chunk_task_of_an_older_run_without_a_start_still_announces_its_pairs(crowded, announced):
    """A chunk enqueued before this change (no `since`) announces its pairs itself."""
    from matchmaking.tasks import rescore_chunk_task

    _spec, _weak, projects = crowded

    rescore_chunk_task.apply(kwargs={"project_ids": [projects[0].pk]}).get()

    assert announced[0] == sorted(
        Match.objects.filter(project=projects[0], eligible=True).values_list("pk", flat=True)
    )


def test_the_announcing_prune_deletes_what_the_plain_prune_deletes(crowded, announced):
    from django.db import transaction

    for chunk in services.rescore_chunks():
        services.matches_rescore_projects(project_ids=chunk, prune=False, notify=False)
    before = set(Match.objects.values_list("pk", flat=True))

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            plain = services.matches_prune()
            kept_plain = set(Match.objects.values_list("pk", flat=True))
            raise Undo
    except Undo:
        pass
    announcing = services.matches_prune(created_since=services.rescore_run_since())

    assert set(Match.objects.values_list("pk", flat=True)) == kept_plain
    assert announcing == plain == len(before - kept_plain) == 2
    assert announced == [sorted(Match.objects.filter(eligible=True).values_list("pk", flat=True))]


def test_the_final_prune_names_a_large_run_in_batches_each_pair_once(
    crowded, announced, monkeypatch
):
    """After a first rescore of many enterprises the new pairs run into millions: the prune
    hands them to `matches_stored` a batch at a time instead of holding them all."""
    monkeypatch.setattr(services, "ANNOUNCE_BATCH_SIZE", 3)
    for chunk in services.rescore_chunks():
        services.matches_rescore_projects(project_ids=chunk, prune=False, notify=False)

    services.matches_prune(created_since=services.rescore_run_since())

    kept = sorted(Match.objects.filter(eligible=True).values_list("pk", flat=True))
    assert len(kept) == 4
    assert [len(batch) for batch in announced] == [3, 1]
    assert [pk for batch in announced for pk in batch] == kept
