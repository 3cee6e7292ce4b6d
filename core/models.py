"""Reference data of the data contract, money (exchange rates) and the negative list.

Codes are primary keys, so other apps refer to them by their contract code and a
row can never point at a code that does not exist.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

code_validator = RegexValidator(
    r"^[a-z0-9_.]+$", _("Lowercase ASCII letters, digits, _ and . only.")
)
region_code_validator = RegexValidator(r"^[A-Z_]+$", _("Uppercase ASCII letters and _ only."))
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code such as CNY or USD."))


def localized(label_en: str, label_zh: str) -> str:
    """The label in the active language: Chinese for any zh-* language, English otherwise."""
    language = get_language() or "en"
    return label_zh if language.startswith("zh") and label_zh else label_en


class Sector(models.Model):
    code = models.CharField(_("code"), max_length=64, primary_key=True, validators=[code_validator])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    label_en = models.CharField(_("English label"), max_length=120)
    label_zh = models.CharField(_("Chinese label"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_zh)

    @property
    def parent_code(self) -> str:
        return self.code.split(".", 1)[0]


class Corridor(models.Model):
    code = models.CharField(_("code"), max_length=64, primary_key=True, validators=[code_validator])
    label_en = models.CharField(_("English label"), max_length=120)
    label_zh = models.CharField(_("Chinese label"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("corridor")
        verbose_name_plural = _("corridors")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_zh)


class CooperationMode(models.Model):
    code = models.CharField(_("code"), max_length=64, primary_key=True, validators=[code_validator])
    label_en = models.CharField(_("English label"), max_length=120)
    label_zh = models.CharField(_("Chinese label"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("cooperation mode")
        verbose_name_plural = _("cooperation modes")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_zh)


class OwnershipType(models.Model):
    SOE = "soe"
    PRIVATE = "private"
    FOREIGN = "foreign"
    JOINT_VENTURE = "joint_venture"

    code = models.CharField(_("code"), max_length=32, primary_key=True, validators=[code_validator])
    label_en = models.CharField(_("English label"), max_length=120)
    label_zh = models.CharField(_("Chinese label"), max_length=120)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("ownership type")
        verbose_name_plural = _("ownership types")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_zh)


class Region(models.Model):
    """A place grouping of the contract (ASEAN, EUROPE ...) standing for its member countries."""

    code = models.CharField(
        _("code"), max_length=32, primary_key=True, validators=[region_code_validator]
    )
    label_en = models.CharField(_("English label"), max_length=120)
    label_zh = models.CharField(_("Chinese label"), max_length=120)
    countries = CountryField(_("member countries"), multiple=True, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self.label_en, self.label_zh)


class ExchangeRate(models.Model):
    """How many CNY one unit of `currency` was worth on `valid_on`. The newest date wins."""

    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    rate_to_cny = models.DecimalField(
        _("CNY per unit"),
        max_digits=20,
        decimal_places=10,
        validators=[MinValueValidator(Decimal("0.0000000001"))],
    )
    valid_on = models.DateField(_("valid on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical exchange rate"))

    class Meta:
        ordering = ["currency", "-valid_on"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_on"], name="exchangerate_unique_currency_date"
            ),
            models.CheckConstraint(
                condition=models.Q(rate_to_cny__gt=0), name="exchangerate_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate_to_cny} CNY ({self.valid_on})"


class NegativeListRule(models.Model):
    """A measure of the foreign investment negative list, on a sector (a parent covers its children).

    Applies to enterprises whose ownership is foreign or whose country is not CN, on
    projects located in CN.
    """

    class Rule(models.TextChoices):
        PROHIBITED = "prohibited", _("Prohibited to foreign investors")
        CHINESE_CONTROL = "chinese_control", _("Chinese control required")

    sector = models.OneToOneField(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="negative_rule"
    )
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("historical negative list rule"))

    class Meta:
        ordering = ["sector__code"]
        verbose_name = _("negative list rule")
        verbose_name_plural = _("negative list rules")

    def __str__(self) -> str:
        return f"{self.sector_id}: {self.get_rule_display()}"
