"""Signal receivers: enqueue rescoring after commit. Nothing else happens here.

- projects.project_changed / project_status_changed -> matchmaking.project_rescore
  (the task rescores a published project, or retires the matches of one that left
  `published`);
- enterprises.enterprise_changed -> matchmaking.enterprise_rescore (and the changed
  enterprises are re-encoded in the shared feature store by the next task that loads it);
- core.exchange_rates_changed -> matchmaking.rescore_all (amounts compared in CNY moved;
  the feature store keeps amounts in their own currency, so nothing is re-encoded);
- core.negative_list_changed -> matchmaking.rescore_all (foreign partners' eligibility moved).
"""

from matchmaking.features import features_invalidate
from matchmaking.tasks import enterprise_rescore_task, project_rescore_task, rescore_all_task

# A change of more objects than this at once (an import) enqueues one full rescore
# instead of a task per object.
BULK_CHANGE_THRESHOLD = 200


def on_project_changed(sender, *, project_ids: list[int], **kwargs) -> None:
    if len(project_ids) > BULK_CHANGE_THRESHOLD:
        rescore_all_task.delay_on_commit()
        return
    for project_id in project_ids:
        project_rescore_task.delay_on_commit(project_id)


def on_project_status_changed(sender, *, project_id: int, **kwargs) -> None:
    project_rescore_task.delay_on_commit(project_id)


def on_enterprise_changed(sender, *, enterprise_ids: list[int], **kwargs) -> None:
    features_invalidate(enterprise_ids=enterprise_ids)
    if len(enterprise_ids) > BULK_CHANGE_THRESHOLD:
        rescore_all_task.delay_on_commit()
        return
    for enterprise_id in enterprise_ids:
        enterprise_rescore_task.delay_on_commit(enterprise_id)


def on_exchange_rates_changed(sender, **kwargs) -> None:
    rescore_all_task.delay_on_commit()


def on_negative_list_changed(sender, **kwargs) -> None:
    rescore_all_task.delay_on_commit()


def connect() -> None:
    from core.signals import exchange_rates_changed, negative_list_changed
    from enterprises.signals import enterprise_changed
    from projects.signals import project_changed, project_status_changed

    project_changed.connect(on_project_changed, dispatch_uid="matchmaking.project_changed")
    project_status_changed.connect(
        on_project_status_changed, dispatch_uid="matchmaking.project_status_changed"
    )
    enterprise_changed.connect(on_enterprise_changed, dispatch_uid="matchmaking.enterprise_changed")
    exchange_rates_changed.connect(
        on_exchange_rates_changed, dispatch_uid="matchmaking.exchange_rates_changed"
    )
    negative_list_changed.connect(
        on_negative_list_changed, dispatch_uid="matchmaking.negative_list_changed"
    )
