"""Matching configuration (versioned weights) and stored candidate partnerships."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MatchingConfig(models.Model):
    """One version of the matching weights. The newest version is the one in force."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    weight_sector = models.FloatField(_("sector weight"), default=0.25)
    weight_text = models.FloatField(_("text weight"), default=0.20)
    weight_corridor = models.FloatField(_("corridor weight"), default=0.15)
    weight_region = models.FloatField(_("region weight"), default=0.15)
    weight_capacity = models.FloatField(_("capacity weight"), default=0.10)
    weight_mode = models.FloatField(_("cooperation mode weight"), default=0.10)
    weight_ownership = models.FloatField(_("ownership weight"), default=0.05)
    top_k = models.PositiveIntegerField(
        _("candidates kept per project and per enterprise"), default=50
    )
    notify_threshold = models.FloatField(_("notification score threshold"), default=60.0)
    min_score = models.FloatField(
        _("smallest score recommended to an enterprise"),
        default=60.0,
        help_text=_(
            "An enterprise is recommended its best eligible projects among those scoring at "
            "least this much; a project always keeps its best candidates."
        ),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historical matching configuration"))

    class Meta:
        ordering = ["-version"]
        verbose_name = _("matching configuration")
        verbose_name_plural = _("matching configurations")
        constraints = [
            models.CheckConstraint(condition=Q(top_k__gte=1), name="matchingconfig_top_k_positive"),
            models.CheckConstraint(
                condition=Q(notify_threshold__gte=0) & Q(notify_threshold__lte=100),
                name="matchingconfig_threshold_0_100",
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0) & Q(min_score__lte=100),
                name="matchingconfig_min_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(weight_sector__gte=0)
                & Q(weight_text__gte=0)
                & Q(weight_corridor__gte=0)
                & Q(weight_region__gte=0)
                & Q(weight_capacity__gte=0)
                & Q(weight_mode__gte=0)
                & Q(weight_ownership__gte=0),
                name="matchingconfig_weights_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class Match(models.Model):
    """A scored, explained candidate partnership of a project and an enterprise."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        VIEWED = "viewed", _("Viewed")
        DISMISSED = "dismissed", _("Dismissed")
        CONTACTED = "contacted", _("Contacted")

    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="matches",
        # Lookups by it use the leading column of the rank indexes (and the unique pair).
        db_index=False,
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="matches",
        # Lookups by it use the leading column of the rank indexes (and the unique pair).
        db_index=False,
    )
    score = models.FloatField(_("score"))
    eligible = models.BooleanField(_("eligible"), default=True)
    # The reason code of the hard rule that makes the pair ineligible (translated when shown).
    ineligibility_reason = models.CharField(_("ineligibility reason"), max_length=255, blank=True)
    # Each component's contribution, e.g. {"sector": 0.8, "text": 0.3, ...}.
    components = models.JSONField(_("components"), default=dict)
    # Reason codes with parameters, translated when shown: [{"code": ..., "params": {...}}].
    reasons = models.JSONField(_("reasons"), default=list)
    config_version = models.PositiveIntegerField(_("configuration version"))
    computed_at = models.DateTimeField(_("computed at"))
    # When the pair was first stored (set by the database, never rewritten): a full rescore
    # announces the pairs it created only after its final prune, as those created since it
    # started that are still there (see services.matches_notify_created).
    created_at = models.DateTimeField(_("created at"), db_default=Now())
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.NEW)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-eligible", "-score"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["project", "enterprise"], name="match_unique_pair"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="match_score_0_100"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "-eligible", "-score"], name="match_project_rank"),
            models.Index(
                fields=["enterprise", "-eligible", "-score"], name="match_enterprise_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} x {self.enterprise_id}: {self.score:.1f}"


class EnterpriseFeatureIndex(models.Model):
    """The text statistics every encoded enterprise chunk was weighted with (one row).

    Together with `EnterpriseFeatureChunk` it is the encoded-feature store every worker
    loads instead of re-encoding enterprises from their profiles (see matchmaking/features.py).
    """

    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    documents = models.PositiveIntegerField(_("documents"))
    idf = models.BinaryField(_("inverse document frequencies"))
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        verbose_name = _("enterprise feature index")
        verbose_name_plural = _("enterprise feature indexes")

    def __str__(self) -> str:
        return f"{self.documents} documents, {self.built_at:%Y-%m-%d %H:%M}"


class EnterpriseFeatureChunk(models.Model):
    """Encoded features of the enterprises with ids from `first_id` up to the next chunk's."""

    # The first chunk also takes any smaller id, the last one any larger id.
    first_id = models.BigIntegerField(_("first id"), unique=True)
    size = models.PositiveIntegerField(_("size"))
    # The newest `updated_at` among the enterprises encoded (to notice later edits).
    last_updated = models.DateTimeField(_("last updated"), null=True)
    # Changes on every write, so a worker knows its decoded copy is still this one.
    token = models.CharField(_("token"), max_length=32)
    payload = models.BinaryField(_("payload"))
    # Records and texts, which only reasons need (decoded on demand, see scoring/packed.py).
    details = models.BinaryField(_("details"), default=b"")

    class Meta:
        ordering = ["first_id"]
        verbose_name = _("enterprise feature chunk")
        verbose_name_plural = _("enterprise feature chunks")

    def __str__(self) -> str:
        return f"from {self.first_id}: {self.size}"


class EnterpriseFeatureChange(models.Model):
    """An enterprise whose encoded features must be refreshed (recorded after commit)."""

    enterprise_id = models.BigIntegerField(_("enterprise id"))

    class Meta:
        verbose_name = _("enterprise feature change")
        verbose_name_plural = _("enterprise feature changes")

    def __str__(self) -> str:
        return str(self.enterprise_id)
