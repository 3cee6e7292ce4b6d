"""Enterprises (SOEs, private, foreign-invested, joint ventures) and their members."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from core.models import OwnershipType, currency_validator


class Enterprise(models.Model):
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_local = models.CharField(_("local name"), max_length=255, blank=True)
    ownership = models.ForeignKey(
        "core.OwnershipType",
        verbose_name=_("ownership"),
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    country = CountryField(_("headquarters country"))
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("sectors"), related_name="enterprises"
    )
    cooperation_modes = models.ManyToManyField(
        "core.CooperationMode",
        verbose_name=_("cooperation modes"),
        related_name="enterprises",
        blank=True,
    )
    corridors = models.ManyToManyField(
        "core.Corridor", verbose_name=_("corridors"), related_name="enterprises", blank=True
    )
    # The contract's `regions` column mixes region codes and country codes.
    regions = models.ManyToManyField(
        "core.Region", verbose_name=_("operating regions"), related_name="enterprises", blank=True
    )
    countries = CountryField(_("operating countries"), multiple=True, blank=True)
    investment_min = models.DecimalField(
        _("smallest commitment"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    investment_max = models.DecimalField(
        _("largest commitment"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="CNY", validators=[currency_validator]
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical enterprise"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                condition=Q(investment_min__isnull=True) | Q(investment_min__gte=0),
                name="enterprise_investment_min_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(investment_max__isnull=True) | Q(investment_max__gte=0),
                name="enterprise_investment_max_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(investment_min__isnull=True)
                | Q(investment_max__isnull=True)
                | Q(investment_min__lte=F("investment_max")),
                name="enterprise_investment_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"

    @property
    def is_soe(self) -> bool:
        return self.ownership_id == OwnershipType.SOE

    @property
    def is_foreign(self) -> bool:
        """Foreign for the negative list: foreign-owned, or headquartered outside China."""
        return self.ownership_id == OwnershipType.FOREIGN or self.country.code != "CN"


class Membership(models.Model):
    """A user belongs to exactly one enterprise, with a role in it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical membership"))

    class Meta:
        ordering = ["enterprise__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise.reference} ({self.get_role_display()})"
