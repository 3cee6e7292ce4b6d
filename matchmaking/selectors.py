"""Reads of matches and of the matching configuration (the services write).

Ordering everywhere: eligible pairs first, then by score, best first. Enterprises are
recommended only published projects; a project's owner sees every match stored for it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.models import Enterprise
from matchmaking.models import Match, MatchingConfig
from matchmaking.scoring import Weights
from projects.models import Project

RANKING = ("-eligible", "-score", "pk")


def matching_config_current() -> MatchingConfig:
    """The configuration in force: the newest version (a default one if none exists)."""
    config = MatchingConfig.objects.order_by("-version").first()
    return config if config is not None else MatchingConfig(version=1)


def matching_weights(*, config: MatchingConfig) -> Weights:
    return Weights(
        sector=config.weight_sector,
        text=config.weight_text,
        corridor=config.weight_corridor,
        region=config.weight_region,
        capacity=config.weight_capacity,
        mode=config.weight_mode,
        ownership=config.weight_ownership,
        top_k=config.top_k,
        min_score=config.min_score,
    )


def match_list_for_project(*, project: Project) -> QuerySet[Match]:
    """The project's candidate partners, eligible first, best first."""
    return Match.objects.filter(project=project).select_related("enterprise").order_by(*RANKING)


def match_list_for_enterprise(*, enterprise: Enterprise) -> QuerySet[Match]:
    """Published projects recommended to the enterprise (eligible pairs only), best first.

    An ineligible pairing is shown to the project's owner with its reason, but a firm is
    never pushed towards a project it may not legally join.
    """
    return (
        Match.objects.filter(
            enterprise=enterprise, eligible=True, project__status=Project.Status.PUBLISHED
        )
        .select_related("project")
        .order_by(*RANKING)
    )


def match_list_for_export(*, project: Project | None = None) -> QuerySet[Match]:
    """Stored matches of published projects, grouped by project reference, ranked."""
    qs = Match.objects.filter(project__status=Project.Status.PUBLISHED)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.select_related("project", "enterprise").order_by("project__reference", *RANKING)
