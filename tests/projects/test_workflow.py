"""The project status workflow through its services, on the real database."""

import datetime as dt
import threading
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from core.tasks import ping_task
from projects import workflow
from projects.models import Project, ProjectTransition
from projects.services import (
    project_publish,
    project_review_approve,
    project_review_reject,
    project_transition,
    project_withdraw,
    projects_expire_overdue,
)
from projects.signals import project_status_changed
from projects.tasks import projects_expire_overdue_task
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def status_events():
    """Every project_status_changed signal sent during the test, as kwargs dicts."""
    events: list[dict] = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal")
        events.append(kwargs)

    project_status_changed.connect(receiver, dispatch_uid="test-workflow-events")
    yield events
    project_status_changed.disconnect(dispatch_uid="test-workflow-events")


@pytest.fixture
def review_on(settings):
    settings.PROJECT_PUBLICATION_REVIEW = True


@pytest.fixture
def review_off(settings):
    settings.PROJECT_PUBLICATION_REVIEW = False


ALLOWED = {
    # (from, to): needs review on?
    ("draft", "published"): False,
    ("draft", "in_review"): True,
    ("draft", "withdrawn"): None,
    ("in_review", "published"): None,
    ("in_review", "withdrawn"): None,
    ("published", "negotiating"): None,
    ("published", "signed"): None,
    ("published", "withdrawn"): None,
    ("published", "expired"): None,
    ("negotiating", "signed"): None,
    ("negotiating", "withdrawn"): None,
    ("negotiating", "expired"): None,
}


def test_transition_table_is_exactly_the_documented_one():
    for review in (False, True):
        table = {
            (source, target)
            for source in workflow.STATUSES
            for target in workflow.allowed_transitions(source, review_required=review)
        }
        expected = {
            pair
            for pair, needs_review in ALLOWED.items()
            if needs_review is None or needs_review == review
        } | {("in_review", "draft")}
        assert table == expected


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_transition_moves_and_records(
    settings, admin_user, status_events, source, target
):
    settings.PROJECT_PUBLICATION_REVIEW = bool(ALLOWED[(source, target)])
    project = ProjectFactory(status=source, deadline=timezone.localdate() - dt.timedelta(days=1))

    transition = project_transition(project=project, to=target, by=admin_user, note="ok")

    project.refresh_from_db()
    assert project.status == target
    assert (transition.from_status, transition.to_status) == (source, target)
    assert transition.by == admin_user
    assert transition.note == "ok"
    assert list(project.transitions.values_list("from_status", "to_status")) == [(source, target)]
    assert status_events == [
        {
            "project_id": project.pk,
            "from_status": source,
            "to_status": target,
            "by_id": admin_user.pk,
        }
    ]


def test_sending_back_from_review_is_allowed_with_a_reason(admin_user):
    project = ProjectFactory(status="in_review")
    project_transition(project=project, to="draft", by=admin_user, note="Add the amounts")
    project.refresh_from_db()
    assert (project.status, project.review_note) == ("draft", "Add the amounts")


REFUSED = [
    ("draft", "negotiating", False),
    ("draft", "signed", False),
    ("draft", "expired", False),
    ("draft", "published", True),
    ("draft", "in_review", False),
    ("in_review", "negotiating", True),
    ("published", "draft", False),
    ("published", "in_review", False),
    ("published", "published", False),
    ("negotiating", "published", False),
    ("negotiating", "draft", False),
    ("signed", "withdrawn", False),
    ("signed", "negotiating", False),
    ("withdrawn", "published", False),
    ("withdrawn", "draft", False),
    ("expired", "published", False),
    ("expired", "withdrawn", False),
    ("published", "bogus", False),
]


@pytest.mark.parametrize(("source", "target", "review"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(
    settings, admin_user, status_events, source, target, review
):
    settings.PROJECT_PUBLICATION_REVIEW = review
    project = ProjectFactory(status=source, deadline=timezone.localdate() - dt.timedelta(days=3))
    updated_at = project.updated_at

    with pytest.raises(workflow.TransitionError) as excinfo:
        project_transition(project=project, to=target, by=admin_user)

    assert excinfo.value.message
    project.refresh_from_db()
    assert project.status == source
    assert project.updated_at == updated_at
    assert ProjectTransition.objects.count() == 0
    assert status_events == []


def test_refusal_message_is_readable(admin_user):
    project = ProjectFactory(status="signed")
    with pytest.raises(workflow.TransitionError) as excinfo:
        project_transition(project=project, to="withdrawn", by=admin_user)
    assert excinfo.value.message == "The project is “Signed”; that status is final."


def test_expiry_before_the_deadline_is_refused(admin_user):
    project = ProjectFactory(status="published", deadline=timezone.localdate())
    with pytest.raises(workflow.TransitionError) as excinfo:
        project_transition(project=project, to="expired", by=admin_user)
    assert excinfo.value.message == "A project expires only once its deadline has passed."
    project.refresh_from_db()
    assert project.status == "published"


@pytest.mark.usefixtures("review_off")
def test_publish_without_review_publishes_and_stamps_published_at(soe_staff, soe):
    project = ProjectFactory(owner=soe, status="draft")
    assert project.published_at is None

    project_publish(project=project, by=soe_staff)

    project.refresh_from_db()
    assert project.status == "published"
    assert project.published_at is not None
    assert project.transitions.get().to_status == "published"


@pytest.mark.usefixtures("review_on")
def test_publish_with_review_waits_for_an_admin_who_approves(soe_staff, soe, admin_user):
    project = ProjectFactory(owner=soe, status="draft")

    project_publish(project=project, by=soe_staff)
    project.refresh_from_db()
    assert (project.status, project.published_at) == ("in_review", None)

    project_review_approve(project=project, by=admin_user)
    project.refresh_from_db()
    assert project.status == "published"
    assert project.published_at is not None
    assert [(t.from_status, t.to_status, t.by) for t in project.transitions.order_by("id")] == [
        ("draft", "in_review", soe_staff),
        ("in_review", "published", admin_user),
    ]


@pytest.mark.usefixtures("review_on")
def test_review_reject_needs_a_reason_and_stores_it(soe, admin_user):
    project = ProjectFactory(owner=soe, status="in_review")

    with pytest.raises(workflow.TransitionError) as excinfo:
        project_review_reject(project=project, by=admin_user, reason="   ")
    assert excinfo.value.message == "Say why the publication is sent back."
    project.refresh_from_db()
    assert (project.status, project.review_note) == ("in_review", "")
    assert project.transitions.count() == 0

    project_review_reject(project=project, by=admin_user, reason="Total investment is missing")
    project.refresh_from_db()
    assert (project.status, project.review_note) == ("draft", "Total investment is missing")
    transition = project.transitions.get()
    assert (transition.to_status, transition.note, transition.by) == (
        "draft",
        "Total investment is missing",
        admin_user,
    )


@pytest.mark.usefixtures("review_on")
def test_review_note_is_cleared_when_the_project_is_finally_published(soe, soe_staff, admin_user):
    project = ProjectFactory(owner=soe, status="in_review")
    project_review_reject(project=project, by=admin_user, reason="Add a deadline")
    project_publish(project=project, by=soe_staff)
    project_review_approve(project=project, by=admin_user)
    project.refresh_from_db()
    assert (project.status, project.review_note) == ("published", "")


@pytest.mark.usefixtures("review_off")
def test_approve_refuses_a_project_not_in_review(soe, admin_user):
    project = ProjectFactory(owner=soe, status="draft")
    with pytest.raises(workflow.TransitionError) as excinfo:
        project_review_approve(project=project, by=admin_user)
    assert excinfo.value.message == "The project is not waiting for review."
    project.refresh_from_db()
    assert project.status == "draft"


@pytest.mark.usefixtures("review_on")
def test_only_admins_review(soe, soe_staff):
    project = ProjectFactory(owner=soe, status="in_review")
    with pytest.raises(PermissionDenied):
        project_review_approve(project=project, by=soe_staff)
    with pytest.raises(PermissionDenied):
        project_review_reject(project=project, by=soe_staff, reason="no")
    project.refresh_from_db()
    assert project.status == "in_review"


@pytest.mark.usefixtures("review_off")
def test_staff_of_another_enterprise_cannot_publish_or_withdraw(soe, other_soe_staff):
    draft = ProjectFactory(owner=soe, status="draft")
    published = ProjectFactory(owner=soe, status="published")
    with pytest.raises(PermissionDenied):
        project_publish(project=draft, by=other_soe_staff)
    with pytest.raises(PermissionDenied):
        project_withdraw(project=published, by=other_soe_staff, note="not mine")
    assert list(Project.objects.order_by("id").values_list("status", flat=True)) == [
        "draft",
        "published",
    ]
    assert ProjectTransition.objects.count() == 0


def test_withdraw_records_who_when_and_why(soe, soe_staff):
    project = ProjectFactory(owner=soe, status="negotiating")
    before = timezone.now()

    project_withdraw(project=project, by=soe_staff, note="Partner chosen offline")

    transition = ProjectTransition.objects.get(project=project)
    assert (transition.from_status, transition.to_status) == ("negotiating", "withdrawn")
    assert transition.by == soe_staff
    assert transition.note == "Partner chosen offline"
    assert before <= transition.at <= timezone.now()


def test_published_at_is_kept_from_the_first_publication(admin_user, review_off):
    project = ProjectFactory(status="draft")
    project_publish(project=project, by=admin_user)
    project.refresh_from_db()
    first = project.published_at
    project_transition(project=project, to="negotiating", by=admin_user)
    project.refresh_from_db()
    assert project.published_at == first


def test_expire_overdue_expires_only_overdue_open_projects_and_is_idempotent(status_events):
    overdue_published = ProjectFactory(status="published", deadline=YESTERDAY)
    overdue_negotiating = ProjectFactory(status="negotiating", deadline=dt.date(2025, 1, 1))
    due_today = ProjectFactory(status="published", deadline=TODAY)
    no_deadline = ProjectFactory(status="published", deadline=None)
    overdue_draft = ProjectFactory(status="draft", deadline=YESTERDAY)
    overdue_signed = ProjectFactory(status="signed", deadline=YESTERDAY)
    overdue_withdrawn = ProjectFactory(status="withdrawn", deadline=YESTERDAY)

    assert projects_expire_overdue(today=TODAY) == 2
    assert projects_expire_overdue(today=TODAY) == 0

    statuses = dict(Project.objects.values_list("reference", "status"))
    assert statuses == {
        overdue_published.reference: "expired",
        overdue_negotiating.reference: "expired",
        due_today.reference: "published",
        no_deadline.reference: "published",
        overdue_draft.reference: "draft",
        overdue_signed.reference: "signed",
        overdue_withdrawn.reference: "withdrawn",
    }
    assert sorted(
        ProjectTransition.objects.values_list("project__reference", "from_status", "to_status")
    ) == sorted(
        [
            (overdue_published.reference, "published", "expired"),
            (overdue_negotiating.reference, "negotiating", "expired"),
        ]
    )
    assert set(ProjectTransition.objects.values_list("by", "note")) == {(None, "Deadline passed")}
    # The audit history shows the expiry too (a bulk update, recorded by hand), once.
    latest = overdue_negotiating.history.latest()
    assert (latest.history_type, latest.status, latest.history_change_reason) == (
        "~",
        "expired",
        "Deadline passed",
    )
    assert Project.history.filter(status="expired").count() == 2
    assert sorted((e["project_id"], e["to_status"], e["by_id"]) for e in status_events) == sorted(
        [
            (overdue_published.pk, "expired", None),
            (overdue_negotiating.pk, "expired", None),
        ]
    )


def test_expire_task_uses_today_and_is_harmless_twice():
    today = timezone.localdate()
    overdue = ProjectFactory(status="published", deadline=today - dt.timedelta(days=1))
    ProjectFactory(status="published", deadline=today)

    assert projects_expire_overdue_task.apply().get() == 1
    assert projects_expire_overdue_task.apply().get() == 0
    overdue.refresh_from_db()
    assert overdue.status == "expired"
    assert ProjectTransition.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_transitions_are_serialised_by_the_row_lock(admin_user):
    """While one transaction signs the project, a withdrawal waits, then sees it signed."""
    project = ProjectFactory(status="published")
    signed_and_holding = threading.Event()
    outcome: dict[str, object] = {}

    def sign():
        try:
            with transaction.atomic():
                project_transition(project=project, to="signed", by=admin_user)
                signed_and_holding.set()
                time.sleep(0.5)  # keep the lock while the other one tries
        finally:
            connection.close()

    def withdraw():
        try:
            signed_and_holding.wait(timeout=10)
            project_transition(project=Project.objects.get(pk=project.pk), to="withdrawn", by=None)
            outcome["withdraw"] = "done"
        except workflow.TransitionError as exc:
            outcome["withdraw"] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=sign), threading.Thread(target=withdraw)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert outcome == {"withdraw": "The project is “Signed”; that status is final."}
    project.refresh_from_db()
    assert project.status == "signed"
    assert list(project.transitions.values_list("to_status", flat=True)) == ["signed"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_task_name_expires_overdue_projects_on_a_real_worker(celery_worker):
    """What beat sends hourly (the task by name, through Redis) expires overdue projects."""
    from config.celery import app
    from tests.workers import wait_until

    today = timezone.localdate()
    overdue = ProjectFactory(status="negotiating", deadline=today - dt.timedelta(days=2))
    current = ProjectFactory(status="published", deadline=today + dt.timedelta(days=2))

    app.send_task("projects.expire_overdue")
    wait_until(lambda: Project.objects.filter(pk=overdue.pk, status="expired").exists(), timeout=30)
    # A doubled beat is harmless. The worker runs one task at a time, in order, so once
    # the ping sent after it is answered, the second expiry has run too.
    app.send_task("projects.expire_overdue")
    token = uuid.uuid4().hex
    ping_task.delay(token=token)
    wait_until(lambda: cache.get(f"ping:{token}") is not None, timeout=30)

    transition = ProjectTransition.objects.get(project=overdue)
    assert (transition.from_status, transition.to_status, transition.by, transition.note) == (
        "negotiating",
        "expired",
        None,
        "Deadline passed",
    )
    current.refresh_from_db()
    assert current.status == "published"
