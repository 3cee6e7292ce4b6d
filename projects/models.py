"""Opportunity lists, parks, projects and the record of every project status change."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from core.models import currency_validator


class OpportunityList(models.Model):
    """A released batch of projects, e.g. an SOE strategic cooperation opportunity list."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=255, blank=True)
    publisher = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("publisher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunity_lists",
    )
    released_on = models.DateField(_("released on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-released_on", "name"]
        verbose_name = _("opportunity list")
        verbose_name_plural = _("opportunity lists")

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    class Kind(models.TextChoices):
        FREE_TRADE_ZONE = "free_trade_zone", _("Free trade zone")
        BONDED_ZONE = "bonded_zone", _("Bonded zone")
        INTERNATIONAL_COOPERATION_PARK = (
            "international_cooperation_park",
            _("International cooperation park"),
        )
        LOGISTICS_HUB = "logistics_hub", _("Logistics hub")
        ECONOMIC_DEVELOPMENT_ZONE = "economic_development_zone", _("Economic development zone")

    name = models.CharField(_("name"), max_length=255, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=255, blank=True)
    kind = models.CharField(
        _("kind"), max_length=40, choices=Kind.choices, default=Kind.ECONOMIC_DEVELOPMENT_ZONE
    )
    country = CountryField(_("country"), default="CN")
    city = models.CharField(_("city"), max_length=120, blank=True)
    # For jointly operated cross-border parks: the partner economies.
    partner_countries = CountryField(_("partner countries"), multiple=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("park")
        verbose_name_plural = _("parks")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        NEGOTIATING = "negotiating", _("Negotiating")
        SIGNED = "signed", _("Signed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    reference = models.CharField(_("reference"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    opportunity_list = models.ForeignKey(
        OpportunityList,
        verbose_name=_("opportunity list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("sectors"), related_name="projects"
    )
    cooperation_modes = models.ManyToManyField(
        "core.CooperationMode", verbose_name=_("cooperation modes"), related_name="projects"
    )
    corridors = models.ManyToManyField(
        "core.Corridor", verbose_name=_("corridors"), related_name="projects", blank=True
    )
    # The contract's `target_regions` column mixes region codes and country codes;
    # both empty means partners are sought anywhere.
    target_regions = models.ManyToManyField(
        "core.Region", verbose_name=_("target regions"), related_name="projects", blank=True
    )
    target_countries = CountryField(_("target countries"), multiple=True, blank=True)
    # Empty means any ownership type is welcome.
    partner_ownership = models.ManyToManyField(
        "core.OwnershipType",
        verbose_name=_("partner ownership sought"),
        related_name="projects_seeking",
        blank=True,
    )
    total_investment = models.DecimalField(_("total investment"), max_digits=20, decimal_places=2)
    external_investment_sought = models.DecimalField(
        _("external investment sought"), max_digits=20, decimal_places=2
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    location_country = CountryField(_("location country"), default="CN")
    location_city = models.CharField(_("location city"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    review_note = models.TextField(
        _("review note"), blank=True, help_text=_("Why an admin sent the publication back.")
    )
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
    history = HistoricalRecords(verbose_name=_("historical project"))

    class Meta:
        ordering = ["reference"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__gte=0), name="project_total_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(external_investment_sought__gte=0),
                name="project_sought_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(external_investment_sought__lte=F("total_investment")),
                name="project_sought_lte_total",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="project_status_deadline")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ProjectTransition(models.Model):
    """Who moved a project from one status to another, when, and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=Project.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Project.Status.choices)
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
        ordering = ["-at", "-id"]
        verbose_name = _("project transition")
        verbose_name_plural = _("project transitions")

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.from_status} -> {self.to_status}"
