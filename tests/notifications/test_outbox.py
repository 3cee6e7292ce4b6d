"""Email delivery in-process (eager tasks): preferences, language, digests, retries, admin,
unsubscribe. The real-worker guarantees are in test_delivery_guarantees.py."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from deals.services import interest_express, interest_transition
from notifications.models import Delivery, Frequency, Notification, Preference
from notifications.selectors import (
    notification_list_for_user,
    notification_render,
    notification_unread_count,
)
from notifications.services import (
    MAX_ATTEMPTS,
    delivery_send,
    digests_send,
    notification_settings_set,
    notifications_mark_read,
    preference_set,
    retry_delay_seconds,
)
from notifications.tokens import unsubscribe_token_make
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.urls("tests.notifications.urls")


class BrokenBackend:
    """A mail server that refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def project(soe):
    return ProjectFactory(owner=soe, reference="CQ-AIR-01", title="Air logistics hub")


def express(project, user, capture, message="Hello"):
    with capture(execute=True):
        return interest_express(project=project, by=user, message=message)


def test_instant_email_goes_to_the_recipient_in_html_and_text(
    project, soe_staff, foreign_member, django_capture_on_commit_callbacks
):
    express(project, foreign_member, django_capture_on_commit_callbacks, "Air cargo partner")

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["soe_staff@example.com"]
    assert email.subject == "Straits Logistics Pte Ltd expressed interest in Air logistics hub"
    assert "Air cargo partner" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert "Air cargo partner" in html
    assert '<html lang="en">' in html
    delivery = Delivery.objects.get()
    assert (
        email.extra_headers["Message-ID"] == f"<email.n{delivery.notification_id}@parklink.example>"
    )
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_email_is_rendered_in_the_recipients_language(
    project, soe_staff, foreign_member, django_capture_on_commit_callbacks
):
    notification_settings_set(user_id=soe_staff.pk, language="zh-hans")

    express(project, foreign_member, django_capture_on_commit_callbacks)

    html, _mimetype = mail.outbox[0].alternatives[0]
    assert '<html lang="zh-hans">' in html


def test_a_delivery_is_sent_at_most_once(
    project, soe_staff, foreign_member, django_capture_on_commit_callbacks
):
    express(project, foreign_member, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()

    assert delivery_send(delivery_id=delivery.pk) == "skipped"
    assert delivery_send(delivery_id=delivery.pk) == "skipped"

    assert len(mail.outbox) == 1


def test_off_means_in_app_only(
    project, soe_staff, foreign_member, django_capture_on_commit_callbacks
):
    preference_set(user_id=soe_staff.pk, kind="interest", frequency="off")

    express(project, foreign_member, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert Delivery.objects.count() == 0
    assert notification_unread_count(user=soe_staff) == 1


def test_a_user_without_an_email_address_gets_in_app_notifications_only(
    project, foreign_member, django_capture_on_commit_callbacks
):
    MembershipFactory(enterprise=project.owner, user=UserFactory(username="noemail", email=""))

    express(project, foreign_member, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert Notification.objects.get().email_frequency == Frequency.OFF


def test_in_app_list_unread_count_and_mark_read(
    project, soe_staff, foreign_member, django_capture_on_commit_callbacks
):
    interest = express(project, foreign_member, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        interest_transition(interest=interest, to="in_discussion", by=foreign_member)
    assert notification_unread_count(user=soe_staff) == 2
    newest, oldest = notification_list_for_user(user=soe_staff)
    assert newest.kind == "transition"
    rendered = notification_render(newest)
    assert rendered["title"] == (
        f"Air logistics hub with {foreign_member.membership.enterprise.name}: now In discussion"
    )
    assert rendered["read"] is False

    assert notifications_mark_read(user=soe_staff, notification_ids=[oldest.pk]) == 1
    assert notification_unread_count(user=soe_staff) == 1
    assert list(notification_list_for_user(user=soe_staff, unread_only=True)) == [newest]
    assert notifications_mark_read(user=foreign_member, notification_ids=[newest.pk]) == 0
    assert notifications_mark_read(user=soe_staff) == 1
    assert notification_unread_count(user=soe_staff) == 0


def test_daily_digest_groups_everything_due_into_one_email(
    soe, soe_staff, foreign_member, other_soe_staff, django_capture_on_commit_callbacks
):
    preference_set(user_id=soe_staff.pk, kind="", frequency="daily")
    preference_set(user_id=other_soe_staff.pk, kind="interest", frequency="weekly")
    first = express(
        ProjectFactory(owner=soe, title="Hub one"),
        foreign_member,
        django_capture_on_commit_callbacks,
    )
    express(
        ProjectFactory(owner=soe, title="Hub two"),
        foreign_member,
        django_capture_on_commit_callbacks,
    )
    with django_capture_on_commit_callbacks(execute=True):
        interest_transition(interest=first, to="in_discussion", by=foreign_member, note="Go")
    other_project = ProjectFactory(owner=other_soe_staff.membership.enterprise, title="Airport")
    express(other_project, foreign_member, django_capture_on_commit_callbacks)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(frequency="daily") == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(frequency="daily") == 0

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["soe_staff@example.com"]
    assert digest.subject == "Parklink: 3 updates for you"
    for title in ("Hub one", "Hub two", "now In discussion"):
        assert title in digest.body
    assert "Airport" not in digest.body

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send(frequency="weekly") == 1
    assert mail.outbox[1].to == ["other_soe@example.com"]
    assert mail.outbox[1].subject == "Parklink: 1 update for you"


def test_mail_failures_back_off_exponentially_then_fail(
    project, soe_staff, foreign_member, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.BrokenBackend"
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    express(project, foreign_member, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    gaps = []
    now = timezone.now()
    for _attempt in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        gaps.append(round((delivery.next_attempt_at - now).total_seconds()))
        now = delivery.next_attempt_at
        assert delivery_send(delivery_id=delivery.pk, now=now) in ("retry", "failed")

    delivery.refresh_from_db()
    assert gaps == [30, 60, 120, 240]
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert delivery.status == "failed"
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert delivery.next_attempt_at is None
    assert delivery_send(delivery_id=delivery.pk, now=now + timedelta(days=1)) == "skipped"
    assert mail.outbox == []


def test_admin_retry_action_sends_a_failed_delivery_again(
    project,
    soe_staff,
    foreign_member,
    admin_user,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.BrokenBackend"
    express(project, foreign_member, django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=5)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/delivery/",
            {"action": "retry", "_selected_action": [delivery.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 delivery queued again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert [m.to for m in mail.outbox] == [["soe_staff@example.com"]]


def test_admin_lists_failed_deliveries(admin_user, client, soe_staff):
    Delivery.objects.create(
        recipient=soe_staff,
        idempotency_key="email:n999",
        status="failed",
        attempts=5,
        last_error="SMTPException: 554 rejected",
    )
    client.force_login(admin_user)
    response = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert response.status_code == 200
    assert "554 rejected" in response.content.decode()


def test_unsubscribe_link_works_without_login(
    project, soe_staff, foreign_member, client, django_capture_on_commit_callbacks
):
    express(project, foreign_member, django_capture_on_commit_callbacks)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://localhost:8000")

    response = client.get(path)

    assert response.status_code == 200
    assert "You will no longer receive emails about: New expression of interest." in (
        response.content.decode()
    )
    assert Preference.objects.get(user=soe_staff, kind="interest").frequency == "off"
    express(ProjectFactory(owner=project.owner), foreign_member, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_one_click_post_unsubscribes_from_everything(soe_staff, client):
    token = unsubscribe_token_make(user_id=soe_staff.pk)

    response = client.post(
        f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert set(Preference.objects.filter(user=soe_staff).values_list("frequency", flat=True)) == {
        "off"
    }
    assert Preference.objects.filter(user=soe_staff).count() == 7


def test_a_tampered_unsubscribe_token_is_rejected_and_changes_nothing(
    soe_staff, other_soe_staff, client
):
    token = unsubscribe_token_make(user_id=soe_staff.pk, kind="match")
    payload, signature = token.rsplit(":", 1)
    forged = signing.dumps({"u": other_soe_staff.pk, "k": "match"}, salt="wrong", compress=True)

    for bad in (f"{payload}:{signature[:-2]}xx", forged, "garbage"):
        response = client.get(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid." in response.content.decode()
    assert Preference.objects.count() == 0


def test_a_fan_out_is_delivered_in_batches_once_to_each_recipient(
    soe, django_capture_on_commit_callbacks, monkeypatch
):
    from datetime import date

    from notifications import services
    from notifications.services import (
        DELIVER_BATCH_SIZE,
        DIRECT_ENQUEUE_LIMIT,
        deadline_reminders_create,
        follow_create,
    )
    from tests.factories import EnterpriseFactory

    monkeypatch.setattr(services, "DELIVER_BATCH_SIZE", 10)
    batches = []
    real_send = services.deliveries_send

    def recording_send(*, delivery_ids):
        batches.append(len(delivery_ids))
        return real_send(delivery_ids=delivery_ids)

    monkeypatch.setattr(services, "deliveries_send", recording_send)
    follower = EnterpriseFactory()
    count = DIRECT_ENQUEUE_LIMIT + 5
    for i in range(count):
        MembershipFactory(enterprise=follower, user=UserFactory(username=f"fan{i:02d}"))
    project = ProjectFactory(owner=soe, deadline=date(2026, 6, 30))
    follow_create(enterprise=follower, project=project)

    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_create(today=date(2026, 6, 25)) == count

    assert DELIVER_BATCH_SIZE == 100
    assert batches == [10, 10, 5]
    assert sorted(m.to[0] for m in mail.outbox) == [f"fan{i:02d}@example.com" for i in range(count)]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
