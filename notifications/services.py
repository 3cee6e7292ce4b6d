"""Writes of notifications: the outbox (notifications + deliveries), sending, digests, settings.

`notifications_create` runs inside the caller's transaction (signal receivers call it
while the event's transaction is open), so the notification exists if and only if the
event committed. Each instant email is a `Delivery` with a unique idempotency key;
`transaction.on_commit` enqueues `notifications.deliver`, and if the broker is down
then, the delivery stays pending for `deliveries_sweep` to re-enqueue. `delivery_send`
locks the row, sends, and marks it sent in one transaction, so a redelivered or doubled
task sends nothing twice.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import (
    Delivery,
    Follow,
    Frequency,
    Kind,
    Notification,
    NotificationSettings,
    Preference,
    SavedSearch,
)
from notifications.rendering import notification_detail, notification_title
from notifications.tokens import unsubscribe_token_make

logger = logging.getLogger(__name__)

# Notifications written per round trip; 1,000 rows of a few hundred bytes each.
CREATE_BATCH_SIZE = 1000
# Up to this many deliveries are published as one task each; more go in batches of
# DELIVER_BATCH_SIZE per task (a batch of ids is a few hundred bytes on the broker).
DIRECT_ENQUEUE_LIMIT = 20
DELIVER_BATCH_SIZE = 100
# Deliveries the sweeper re-enqueues per run (it runs every minute).
SWEEP_BATCH_SIZE = 5000
# A pending delivery with no scheduled retry is re-enqueued when older than this.
SWEEP_AFTER_SECONDS = 60
# Email attempts before a delivery is marked failed ("we often use 5 as our retry limit").
MAX_ATTEMPTS = 5
# Publishing to the broker after commit: fail fast, the sweeper retries later.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def retry_delay_seconds(attempts: int) -> float:
    """Exponential backoff after `attempts` failed attempts: base, 2x base, 4x base ..."""
    base = float(getattr(settings, "NOTIFICATIONS_RETRY_BASE_SECONDS", 30))
    return base * 2 ** (max(attempts, 1) - 1)


@dataclass(frozen=True)
class NotificationSpec:
    recipient_id: int
    kind: str
    key: str
    context: dict = field(default_factory=dict)
    project_id: int | None = None


# --- the outbox -----------------------------------------------------------------------------


def notifications_create(*, specs: Iterable[NotificationSpec]) -> int:
    """Write the notifications of an event (and their instant email deliveries).

    Idempotent: a (recipient, kind, key) already notified is skipped, so seeing the same
    event again notifies nobody again. Returns how many notifications are new. Must run
    inside the event's transaction; the emails are enqueued after it commits.
    """
    unique: dict[tuple[int, str, str], NotificationSpec] = {}
    for spec in specs:
        unique.setdefault((spec.recipient_id, spec.kind, spec.key), spec)
    created = 0
    delivery_ids: list[int] = []
    for batch in _chunks(unique.values(), CREATE_BATCH_SIZE):
        n, ids = _create_batch(batch)
        created += n
        delivery_ids.extend(ids)
    if delivery_ids:
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=delivery_ids))
    return created


def _create_batch(batch: Sequence[NotificationSpec]) -> tuple[int, list[int]]:
    user_ids = {s.recipient_id for s in batch}
    keys = {s.key for s in batch}
    kinds = {s.kind for s in batch}
    existing = set(
        Notification.objects.filter(recipient_id__in=user_ids, key__in=keys, kind__in=kinds)
        .values_list("recipient_id", "kind", "key")
        .order_by()
    )
    fresh = [s for s in batch if (s.recipient_id, s.kind, s.key) not in existing]
    if not fresh:
        return 0, []
    emails = dict(
        get_user_model()
        .objects.filter(pk__in={s.recipient_id for s in fresh}, is_active=True)
        .values_list("pk", "email")
    )
    fresh = [s for s in fresh if s.recipient_id in emails]
    frequencies = {
        (user_id, kind): frequency
        for user_id, kind, frequency in Preference.objects.filter(
            user_id__in=emails, kind__in=kinds
        ).values_list("user_id", "kind", "frequency")
    }

    def frequency_of(spec: NotificationSpec) -> str:
        if not emails[spec.recipient_id]:
            return Frequency.OFF
        return frequencies.get((spec.recipient_id, spec.kind), Frequency.INSTANT)

    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=s.recipient_id,
                kind=s.kind,
                key=s.key,
                context=s.context,
                project_id=s.project_id,
                email_frequency=frequency_of(s),
            )
            for s in fresh
        ],
        ignore_conflicts=True,  # a concurrent writer of the same event wins; we skip
    )
    wanted = {(s.recipient_id, s.kind, s.key) for s in fresh}
    instant = [
        (pk, user_id)
        for pk, user_id, kind, key in Notification.objects.filter(
            recipient_id__in={s.recipient_id for s in fresh},
            key__in={s.key for s in fresh},
            email_frequency=Frequency.INSTANT,
            deliveries__isnull=True,
        )
        .values_list("pk", "recipient_id", "kind", "key")
        .order_by()
        if (user_id, kind, key) in wanted
    ]
    Delivery.objects.bulk_create(
        [
            Delivery(recipient_id=user_id, notification_id=pk, idempotency_key=f"email:n{pk}")
            for pk, user_id in instant
        ],
        ignore_conflicts=True,
    )
    delivery_ids = list(
        Delivery.objects.filter(
            notification_id__in=[pk for pk, _user in instant], status=Delivery.Status.PENDING
        ).values_list("pk", flat=True)
    )
    return len(fresh), delivery_ids


def deliveries_enqueue(*, delivery_ids: Sequence[int]) -> int:
    """Publish the deliveries to the broker; call after commit. Returns how many were published.

    A few deliveries get one `notifications.deliver` task each (lowest latency); a fan-out
    gets one `notifications.deliver_batch` task per DELIVER_BATCH_SIZE, so a request that
    notifies 10,000 people publishes 100 messages, not 10,000. Never raises: if the broker
    is unreachable the deliveries stay pending and the sweeper enqueues them again.
    """
    from notifications.tasks import deliveries_send_batch_task, delivery_send_task

    ids = list(delivery_ids)
    if len(ids) <= DIRECT_ENQUEUE_LIMIT:
        messages = [(delivery_send_task, (i,), 1) for i in ids]
    else:
        messages = [
            (deliveries_send_batch_task, (chunk,), len(chunk))
            for chunk in _chunks(ids, DELIVER_BATCH_SIZE)
        ]
    published = 0
    try:
        with delivery_send_task.app.producer_or_acquire() as producer:
            for task, args, count in messages:
                task.apply_async(
                    args=args, producer=producer, retry=True, retry_policy=PUBLISH_RETRY_POLICY
                )
                published += count
    except Exception:
        logger.warning(
            "Could not enqueue %d of %d deliveries; the sweeper will retry them.",
            len(ids) - published,
            len(ids),
            exc_info=True,
        )
    return published


def deliveries_send(*, delivery_ids: Sequence[int]) -> dict[str, int]:
    """Send several deliveries one by one (each locked and marked in its own transaction)."""
    outcomes: dict[str, int] = defaultdict(int)
    for delivery_id in delivery_ids:
        outcomes[delivery_send(delivery_id=delivery_id)] += 1
    return dict(outcomes)


def deliveries_sweep(
    *, now: datetime | None = None, older_than_seconds: float | None = None
) -> int:
    """Re-enqueue pending deliveries that look lost or are due for a retry. Returns the count."""
    now = now or timezone.now()
    older = SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=older))
            | Q(next_attempt_at__lte=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    if due:
        deliveries_enqueue(delivery_ids=due)
    return len(due)


@transaction.atomic
def deliveries_retry(*, delivery_ids: Iterable[int]) -> int:
    """Give failed deliveries a fresh set of attempts (the admin's "retry" action)."""
    ids = list(
        Delivery.objects.filter(pk__in=list(delivery_ids))
        .exclude(status=Delivery.Status.SENT)
        .values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        next_attempt_at=None,
        last_error="",
        updated_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=ids))
    return len(ids)


# --- sending ---------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    base = getattr(settings, "SITE_URL", "http://localhost:8000").rstrip("/")
    return f"{base}{path}"


def _unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token_make(user_id=user_id, kind=kind)
    try:
        path = reverse("notifications:unsubscribe", kwargs={"token": token})
    except NoReverseMatch:  # the URLconf does not include notifications.urls (yet)
        path = f"/notifications/unsubscribe/{token}/"
    return _absolute(path)


def _inbox_url() -> str:
    try:
        return _absolute(reverse("web:notifications"))
    except NoReverseMatch:
        return _absolute("/")


def user_language(*, user_id: int) -> str:
    language = (
        NotificationSettings.objects.filter(user_id=user_id)
        .values_list("language", flat=True)
        .first()
    )
    return language or "en"


def delivery_message(*, delivery: Delivery) -> EmailMultiAlternatives:
    """The email of a delivery, HTML and plain text, in the recipient's language."""
    recipient = delivery.recipient
    if delivery.notification_id is not None:
        items = [delivery.notification]
        kind = delivery.notification.kind
        template = "notifications/email/notification"
    else:
        items = list(delivery.digest_items.order_by("created_at", "pk"))
        kind = ""
        template = "notifications/email/digest"
    unsubscribe_url = _unsubscribe_url(user_id=recipient.pk, kind=kind)
    preferences = getattr(recipient, "notification_settings", None)
    with translation.override(preferences.language if preferences else "en"):
        entries = [
            {"title": notification_title(n), "detail": notification_detail(n), "at": n.created_at}
            for n in items
        ]
        if kind:
            subject = entries[0]["title"]
        else:
            subject = ngettext(
                "Parklink: %(count)d update for you",
                "Parklink: %(count)d updates for you",
                len(entries),
            ) % {"count": len(entries)}
        context = {
            "user": recipient,
            "entries": entries,
            "subject": subject,
            "unsubscribe_url": unsubscribe_url,
            "inbox_url": _inbox_url(),
            "kind_label": Kind(kind).label if kind else "",
            "LANGUAGE_CODE": translation.get_language(),
        }
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    domain = getattr(settings, "NOTIFICATIONS_MESSAGE_ID_DOMAIN", "parklink.example")
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={
            "Message-ID": f"<{delivery.idempotency_key.replace(':', '.')}@{domain}>",
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery at most once. Returns sent, retry, failed or skipped.

    The row is locked (skip_locked: another worker holding it means it is being sent),
    sent, and marked sent in the same transaction. A worker killed mid-send rolls the
    transaction back and leaves the delivery pending for redelivery.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient__notification_settings", "notification")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Delivery.Status.PENDING:
            return "skipped"
        if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1):
            return "skipped"  # an early copy of a scheduled retry; the retry will come
        delivery.attempts += 1
        try:
            if not delivery.recipient.email:
                raise ValueError(_("The recipient has no email address."))
            delivery_message(delivery=delivery).send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - any backend error is a failed attempt
            return _delivery_failed(delivery=delivery, error=exc, now=now)
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=["status", "attempts", "sent_at", "next_attempt_at", "updated_at"]
        )
    return "sent"


def _delivery_failed(*, delivery: Delivery, error: Exception, now: datetime) -> str:
    delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        outcome = "failed"
        logger.error(
            "Delivery %s failed after %d attempts: %s", delivery.pk, delivery.attempts, error
        )
    else:
        delay = retry_delay_seconds(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        outcome = "retry"
        transaction.on_commit(lambda: _schedule_retry(delivery_id=delivery.pk, delay=delay))
    delivery.save(
        update_fields=["status", "attempts", "last_error", "next_attempt_at", "updated_at"]
    )
    return outcome


def _schedule_retry(*, delivery_id: int, delay: float) -> None:
    from notifications.tasks import delivery_send_task

    if delivery_send_task.app.conf.task_always_eager:
        return  # in-process (quick start, tests): the sweeper picks it up when due
    try:
        delivery_send_task.apply_async(
            args=(delivery_id,), countdown=delay, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:
        logger.warning("Could not schedule retry of delivery %s", delivery_id, exc_info=True)


# --- digests and reminders -------------------------------------------------------------------


def digests_send(*, frequency: str) -> int:
    """Group every item due for `frequency` into one email per user. Returns emails queued."""
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        raise ValueError(f"not a digest frequency: {frequency}")
    with transaction.atomic():
        items = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_frequency=frequency, digest_delivery__isnull=True)
            .order_by("recipient_id", "pk")
            .only("pk", "recipient_id")
        )
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for item in items:
            by_user[item.recipient_id].append(item)
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    recipient_id=user_id,
                    idempotency_key=f"email:digest:{frequency}:{user_id}:{group[0].pk}",
                )
                for user_id, group in by_user.items()
            ]
        )
        for delivery in deliveries:
            for item in by_user[delivery.recipient_id]:
                item.digest_delivery = delivery
        Notification.objects.bulk_update(items, ["digest_delivery"], batch_size=CREATE_BATCH_SIZE)
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=ids))
    return len(ids)


# How many days before a followed project's deadline its followers are reminded.
DEADLINE_REMINDER_DAYS = 7


@transaction.atomic
def deadline_reminders_create(*, today=None) -> int:
    """Remind followers of projects closing within DEADLINE_REMINDER_DAYS (once per deadline)."""
    from notifications.recipients import follower_specs
    from projects.models import Project

    today = today or timezone.localdate()
    projects = list(
        Project.objects.filter(
            status__in=[Project.Status.PUBLISHED, Project.Status.NEGOTIATING],
            deadline__gte=today,
            deadline__lte=today + timedelta(days=DEADLINE_REMINDER_DAYS),
            followers__isnull=False,
        ).distinct()
    )
    specs = follower_specs(
        projects=projects,
        kind=Kind.DEADLINE,
        key=lambda p: f"deadline:{p.pk}:{p.deadline.isoformat()}",
        extra=lambda p: {"deadline": p.deadline.isoformat()},
    )
    return notifications_create(specs=specs)


# --- in-app, preferences, searches, follows --------------------------------------------------


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when no ids). Returns the count."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user_id: int, kind: str, frequency: str) -> None:
    """Set how `user_id` gets emails of `kind` ('' = every kind); off also drops queued digests."""
    if frequency not in Frequency.values:
        raise ValueError(f"not a frequency: {frequency}")
    kinds = [kind] if kind else list(Kind.values)
    for each in kinds:
        if each not in Kind.values:
            raise ValueError(f"not a notification kind: {each}")
        Preference.objects.update_or_create(
            user_id=user_id, kind=each, defaults={"frequency": frequency}
        )
    if frequency == Frequency.OFF:
        Notification.objects.filter(
            recipient_id=user_id,
            kind__in=kinds,
            digest_delivery__isnull=True,
            email_frequency__in=[Frequency.DAILY, Frequency.WEEKLY],
        ).update(email_frequency=Frequency.OFF)


def notification_settings_set(*, user_id: int, language: str) -> NotificationSettings:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language: {language}")
    obj, _created = NotificationSettings.objects.update_or_create(
        user_id=user_id, defaults={"language": language}
    )
    return obj


def saved_search_create(*, user, name: str, filters: dict) -> SavedSearch:
    """Save the opportunity browser's filters (query parameters) under a name."""
    allowed = {
        "sector",
        "corridor",
        "mode",
        "place",
        "park",
        "list",
        "min_amount",
        "max_amount",
        "currency",
        "q",
    }
    unknown = sorted(set(filters) - allowed)
    if unknown:
        raise ValueError(_("Unknown filters: %(names)s") % {"names": ", ".join(unknown)})
    return SavedSearch.objects.create(user=user, name=name, filters=filters)


def follow_create(*, enterprise, project, by=None) -> Follow:
    follow, _created = Follow.objects.get_or_create(
        enterprise=enterprise, project=project, defaults={"created_by": by}
    )
    return follow


def follow_delete(*, enterprise, project) -> None:
    Follow.objects.filter(enterprise=enterprise, project=project).delete()
