"""Expressions of interest (and invitations), their pipeline history and signed agreements."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import currency_validator
from deals import workflow


class Interest(models.Model):
    """One enterprise's interest in one project, from the first message to a signed agreement.

    Created by the enterprise (an expression of interest) or by the project owner's SOE
    staff (an invitation of a candidate). At most one *open* interest per pair.
    """

    class State(models.TextChoices):
        NEW = workflow.NEW, _("New")
        IN_DISCUSSION = workflow.IN_DISCUSSION, _("In discussion")
        MEETING_SCHEDULED = workflow.MEETING_SCHEDULED, _("Meeting scheduled")
        MOU_SIGNED = workflow.MOU_SIGNED, _("MoU signed")
        AGREEMENT_SIGNED = workflow.AGREEMENT_SIGNED, _("Agreement signed")
        DECLINED = workflow.DECLINED, _("Declined")
        WITHDRAWN = workflow.WITHDRAWN, _("Withdrawn")

    class Initiator(models.TextChoices):
        ENTERPRISE = "enterprise", _("Expressed by the enterprise")
        PROJECT_OWNER = "project_owner", _("Invited by the project owner")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="interests",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="interests",
    )
    initiated_by = models.CharField(_("initiated by"), max_length=16, choices=Initiator.choices)
    message = models.TextField(_("message"), blank=True)
    cooperation_mode = models.ForeignKey(
        "core.CooperationMode",
        verbose_name=_("proposed cooperation mode"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    indicative_amount = models.DecimalField(
        _("indicative amount"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW, db_index=True
    )
    # The agreement: recorded when the interest reaches `agreement_signed`.
    signed_value = models.DecimalField(
        _("signed value"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    signed_currency = models.CharField(
        _("signed currency"), max_length=3, blank=True, validators=[currency_validator]
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical interest"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "project"],
                condition=Q(state__in=sorted(workflow.OPEN_STATES)),
                name="interest_one_open_per_pair",
                violation_error_message=_(
                    "This enterprise already has an open interest in this project."
                ),
            ),
            models.CheckConstraint(
                condition=Q(indicative_amount__isnull=True) | Q(indicative_amount__gte=0),
                name="interest_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state=workflow.AGREEMENT_SIGNED)
                | (Q(signed_value__gt=0) & ~Q(signed_currency="")),
                name="interest_agreement_has_value",
            ),
        ]
        indexes = [models.Index(fields=["project", "state"], name="interest_project_state")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} -> {self.project_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in workflow.OPEN_STATES


class InterestTransition(models.Model):
    """Who moved an interest from one state to another, when, and why; both sides see it."""

    interest = models.ForeignKey(
        Interest,
        verbose_name=_("interest"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_state = models.CharField(_("from"), max_length=20, choices=Interest.State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=Interest.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("interest transition")
        verbose_name_plural = _("interest transitions")

    def __str__(self) -> str:
        return f"{self.interest_id}: {self.from_state} -> {self.to_state}"
