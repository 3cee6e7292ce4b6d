"""Celery tasks of matchmaking: thin wrappers over services, routed to the `scoring` queue.

Delivery is at least once (acks late): every task is idempotent, since a rescore
upserts on (project, enterprise) and deletes only untouched rows outside the top-K sets,
so running one twice leaves the same rows. A task whose object is gone returns quietly.
Retries only for transient database/broker errors, bounded.
"""

import logging
from datetime import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from matchmaking import services
from matchmaking.features import StaleFeatures

logger = logging.getLogger(__name__)

# StaleFeatures: another worker rewrote the feature store while this task read it.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, StaleFeatures)
RETRY = {"autoretry_for": TRANSIENT, "max_retries": 5, "retry_backoff": True}


@shared_task(name="matchmaking.project_rescore", soft_time_limit=120, time_limit=180, **RETRY)
def project_rescore_task(project_id: int) -> dict:
    summary = services.project_rescore(project_id=project_id)
    return {"stored": summary.stored, "created": summary.created, "deleted": summary.deleted}


@shared_task(name="matchmaking.enterprise_rescore", soft_time_limit=120, time_limit=180, **RETRY)
def enterprise_rescore_task(enterprise_id: int) -> dict:
    summary = services.enterprise_rescore(enterprise_id=enterprise_id)
    return {"stored": summary.stored, "created": summary.created, "deleted": summary.deleted}


@shared_task(name="matchmaking.rescore_all", soft_time_limit=300, time_limit=360, **RETRY)
def rescore_all_task() -> int:
    """Fan a full rescore out in chunks of RESCORE_CHUNK_SIZE projects; the last chunk prunes
    and the prune announces the pairs the run created that survived it."""
    since = services.rescore_run_since().isoformat()
    services.matches_retire_unpublished()
    services.feature_store_refresh()
    chunks = services.rescore_chunks()
    if not chunks:
        return 0
    run_id = services.rescore_run_start(chunks=len(chunks))
    for chunk in chunks:
        rescore_chunk_task.delay(project_ids=chunk, run_id=run_id, since=since)
    return len(chunks)


@shared_task(name="matchmaking.rescore_chunk", soft_time_limit=1500, time_limit=1800, **RETRY)
def rescore_chunk_task(
    project_ids: list[int], run_id: str | None = None, since: str | None = None
) -> dict:
    """One chunk of a full rescore. With `since` (the run's start), its new pairs are
    announced by the run's final prune, not here (most enterprise-side pairs are pruned)."""
    summary = services.matches_rescore_projects(
        project_ids=project_ids, prune=False, notify=since is None
    )
    if run_id is None or services.rescore_run_chunk_done(run_id=run_id):
        prune_task.delay(created_since=since)
    return {"stored": summary.stored, "created": summary.created, "deleted": summary.deleted}


@shared_task(name="matchmaking.prune", soft_time_limit=600, time_limit=720, **RETRY)
def prune_task(
    project_ids: list[int] | None = None,
    enterprise_ids: list[int] | None = None,
    created_since: str | None = None,
    announce_ids: list[int] | None = None,
) -> int:
    """Delete untouched matches outside both top-K sets (all, or those of the given ids);
    with `created_since` (ISO 8601), then announce the eligible pairs created since; with
    `announce_ids` (a project's rescore's new pairs), those the prune kept."""
    return services.matches_prune(
        project_ids=project_ids,
        enterprise_ids=enterprise_ids,
        created_since=None if created_since is None else datetime.fromisoformat(created_since),
        announce_ids=announce_ids,
    )
