"""A small, complete scenario for API tests: an SOE with a published and a draft project
in a list and a park, a verified foreign enterprise that is a candidate of the published
project and has expressed interest in it, and a second candidate to invite."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from deals.services import interest_express
from matchmaking.models import Match
from projects.models import Project
from tests.factories import EnterpriseFactory, OpportunityListFactory, ParkFactory, ProjectFactory


@dataclass
class World:
    soe: Any
    other_soe: Any
    foreign: Any
    candidate: Any
    opportunity_list: Any
    park: Any
    published: Project
    second_published: Project
    draft: Project
    match: Match
    invite_match: Match
    interest: Any


def match_create(*, project, enterprise, score: float = 75.0, eligible: bool = True) -> Match:
    return Match.objects.create(
        project=project,
        enterprise=enterprise,
        score=score,
        eligible=eligible,
        reasons=[{"code": "sector_same", "params": {"codes": ["logistics"]}}],
        components={"sector": 0.25},
        config_version=1,
        computed_at=timezone.now(),
    )


def build_world(*, soe, other_soe, foreign_enterprise, soe_staff, foreign_member) -> World:
    opportunity_list = OpportunityListFactory(name="2025 SOE strategic cooperation list")
    park = ParkFactory(name="Guoyuan Port International Logistics Hub")
    published = ProjectFactory(
        owner=soe,
        reference="ILSTC-2025-01",
        title="High-end air logistics hub",
        opportunity_list=opportunity_list,
        park=park,
        total_investment=Decimal("4200000000"),
        external_investment_sought=Decimal("2000000000"),
    )
    second_published = ProjectFactory(owner=soe, reference="ILSTC-2025-02", title="Vehicle routes")
    draft = ProjectFactory(
        owner=soe,
        reference="ILSTC-2025-99",
        title="Unannounced cold-chain park",
        status=Project.Status.DRAFT,
        opportunity_list=opportunity_list,
    )
    candidate = EnterpriseFactory(name="Andes Motors", country="BR")
    match = match_create(project=published, enterprise=foreign_enterprise, score=82.0)
    invite_match = match_create(project=published, enterprise=candidate, score=64.0)
    interest = interest_express(project=published, by=foreign_member, message="Bonded warehouses.")
    return World(
        soe=soe,
        other_soe=other_soe,
        foreign=foreign_enterprise,
        candidate=candidate,
        opportunity_list=opportunity_list,
        park=park,
        published=published,
        second_published=second_published,
        draft=draft,
        match=match,
        invite_match=invite_match,
        interest=interest,
    )


def snapshot() -> dict[str, Any]:
    """Everything an API write could change, to assert that a refused write changed nothing."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from deals.models import Interest, InterestTransition
    from enterprises.models import Enterprise
    from notifications.models import (
        Follow,
        Notification,
        NotificationSettings,
        Preference,
        SavedSearch,
    )
    from projects.models import ProjectTransition

    def rows(model, *fields):
        return sorted(model.objects.values_list("pk", *fields))

    return {
        "projects": rows(Project, "status", "title", "deadline", "updated_at"),
        "project_transitions": rows(ProjectTransition, "to_status"),
        "enterprises": rows(Enterprise, "name", "description", "updated_at"),
        "matches": rows(Match, "state"),
        "interests": rows(Interest, "state"),
        "interest_transitions": rows(InterestTransition, "to_state"),
        "tokens": rows(Token),
        "follows": rows(Follow),
        "saved_searches": rows(SavedSearch),
        "preferences": rows(Preference, "frequency"),
        "notification_settings": rows(NotificationSettings, "language"),
        "notifications_read": rows(Notification, "read_at"),
        "users": rows(get_user_model()),
    }
