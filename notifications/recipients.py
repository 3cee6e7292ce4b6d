"""Who hears about what: turn an event into the notifications it causes (one per recipient).

Each function reads what it needs in a few queries and returns NotificationSpec rows for
notifications.services.notifications_create. Keys name the object, so the same event
seen twice (a rescore that finds the same match) maps to the same key and is skipped.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import F, Q

from core.models import Region
from core.money import exchange_rates_latest, to_cny
from deals.models import Interest, InterestTransition
from enterprises.models import Membership
from matchmaking.models import Match, MatchingConfig
from notifications.matching import ProjectFacts, project_fits_search
from notifications.models import Follow, Kind, SavedSearch
from notifications.services import NotificationSpec
from projects.models import Project

# Saved searches read per round trip when a project is published.
SEARCH_BATCH_SIZE = 2000
DEFAULT_NOTIFY_THRESHOLD = 60.0
# New match ids read per query when a rescore reports them.
MATCH_BATCH_SIZE = 5000


def members_by_enterprise(enterprise_ids: Iterable[int]) -> dict[int, list[int]]:
    """Active users of each enterprise, in one query."""
    members: dict[int, list[int]] = defaultdict(list)
    for enterprise_id, user_id in (
        Membership.objects.filter(enterprise_id__in=set(enterprise_ids), user__is_active=True)
        .values_list("enterprise_id", "user_id")
        .order_by("user_id")
    ):
        members[enterprise_id].append(user_id)
    return members


def project_context(project: Project) -> dict:
    return {
        "project_id": project.pk,
        "project_reference": project.reference,
        "project_title": project.title,
    }


# --- saved searches ----------------------------------------------------------------------------


def project_facts(project: Project) -> ProjectFacts:
    countries = {project.location_country.code, *(c.code for c in project.target_countries)}
    target_regions = set(project.target_regions.values_list("code", flat=True))
    regions_containing = {
        code
        for code, members in Region.objects.values_list("code", "countries")
        if countries & {str(m) for m in (members or [])}
    }
    rates = exchange_rates_latest()
    names = lambda obj: frozenset({str(obj.pk), obj.name}) if obj else frozenset()  # noqa: E731
    return ProjectFacts(
        sectors=frozenset(project.sectors.values_list("code", flat=True)),
        corridors=frozenset(project.corridors.values_list("code", flat=True)),
        modes=frozenset(project.cooperation_modes.values_list("code", flat=True)),
        places=frozenset(countries | target_regions | regions_containing),
        park=names(project.park),
        opportunity_list=names(project.opportunity_list),
        total_cny=to_cny(project.total_investment, project.currency, rates=rates),
        text=f"{project.reference} {project.title} {project.description}".casefold(),
    )


def saved_search_specs(project: Project) -> list[NotificationSpec]:
    """Owners of saved searches the newly published project fits (not its own staff)."""
    facts = project_facts(project)
    rates = exchange_rates_latest()
    own_staff = set(members_by_enterprise([project.owner_id]).get(project.owner_id, []))
    hits: dict[int, str] = {}
    searches = (
        SavedSearch.objects.filter(is_active=True, user__is_active=True)
        .exclude(user_id__in=own_staff)
        .order_by("pk")
        .values_list("user_id", "name", "filters")
    )
    for user_id, name, filters in searches.iterator(chunk_size=SEARCH_BATCH_SIZE):
        if user_id not in hits and project_fits_search(facts, filters or {}, rates=rates):
            hits[user_id] = name
    return [
        NotificationSpec(
            recipient_id=user_id,
            kind=Kind.SAVED_SEARCH,
            key=f"project:{project.pk}",
            context={**project_context(project), "search_name": name},
            project_id=project.pk,
        )
        for user_id, name in hits.items()
    ]


# --- matches -----------------------------------------------------------------------------------


def notify_threshold() -> float:
    config = MatchingConfig.objects.order_by("-version").only("notify_threshold").first()
    return config.notify_threshold if config else DEFAULT_NOTIFY_THRESHOLD


def match_specs(match_ids: Iterable[int]) -> list[NotificationSpec]:
    """New eligible matches at or above the threshold: the enterprise's members and the
    project's SOE staff. Keyed by the pair, so a match found again never notifies again.

    A full rescore can report hundreds of thousands of new matches at once, most between
    enterprises nobody has signed up for: the ids are read in batches, and only matches with
    an active member on either side are loaded.
    """
    ids = sorted(set(match_ids))
    threshold = notify_threshold()
    active = Membership.objects.filter(user__is_active=True)
    staffed = Q(enterprise_id__in=active.values("enterprise_id")) | Q(
        project__owner_id__in=active.values("enterprise_id")
    )
    specs = []
    for lo in range(0, len(ids), MATCH_BATCH_SIZE):
        matches = list(
            Match.objects.filter(
                staffed, pk__in=ids[lo : lo + MATCH_BATCH_SIZE], eligible=True, score__gte=threshold
            )
            .select_related("project", "enterprise")
            .exclude(project__owner_id=F("enterprise_id"))
            .order_by("pk")
        )
        members = members_by_enterprise(
            {m.enterprise_id for m in matches} | {m.project.owner_id for m in matches}
        )
        for match in matches:
            context = {
                **project_context(match.project),
                "enterprise_name": match.enterprise.name,
                "score": f"{match.score:.0f}",
                "match_id": match.pk,
            }
            recipients = members[match.enterprise_id] + members[match.project.owner_id]
            specs.extend(
                NotificationSpec(
                    recipient_id=user_id,
                    kind=Kind.MATCH,
                    key=f"match:{match.project_id}:{match.enterprise_id}",
                    context=context,
                    project_id=match.project_id,
                )
                for user_id in recipients
            )
    return specs


# --- deals -------------------------------------------------------------------------------------


def interest_created_specs(interest_id: int) -> list[NotificationSpec]:
    """An expression of interest reaches the owner's staff; an invitation the enterprise."""
    interest = (
        Interest.objects.select_related("project__owner", "enterprise")
        .filter(pk=interest_id)
        .first()
    )
    if interest is None:
        return []
    invited = interest.initiated_by == Interest.Initiator.PROJECT_OWNER
    side = interest.enterprise_id if invited else interest.project.owner_id
    context = {
        **project_context(interest.project),
        "enterprise_name": interest.enterprise.name,
        "owner_name": interest.project.owner.name,
        "message": interest.message,
        "interest_id": interest.pk,
    }
    return [
        NotificationSpec(
            recipient_id=user_id,
            kind=Kind.INVITATION if invited else Kind.INTEREST,
            key=f"interest:{interest.pk}",
            context=context,
            project_id=interest.project_id,
        )
        for user_id in members_by_enterprise([side]).get(side, [])
        if user_id != interest.created_by_id
    ]


def transition_specs(interest_id: int, transition_id: int) -> list[NotificationSpec]:
    """A pipeline move reaches both sides, except the person who made it."""
    transition = (
        InterestTransition.objects.select_related("interest__project", "interest__enterprise")
        .filter(pk=transition_id, interest_id=interest_id)
        .first()
    )
    if transition is None:
        return []
    interest = transition.interest
    members = members_by_enterprise([interest.enterprise_id, interest.project.owner_id])
    recipients = dict.fromkeys(
        members.get(interest.enterprise_id, []) + members.get(interest.project.owner_id, [])
    )
    context = {
        **project_context(interest.project),
        "enterprise_name": interest.enterprise.name,
        "from_state": transition.from_state,
        "to_state": transition.to_state,
        "note": transition.note,
        "interest_id": interest.pk,
    }
    return [
        NotificationSpec(
            recipient_id=user_id,
            kind=Kind.TRANSITION,
            key=f"transition:{transition.pk}",
            context=context,
            project_id=interest.project_id,
        )
        for user_id in recipients
        if user_id != transition.by_id
    ]


# --- followed projects -------------------------------------------------------------------------


def follower_specs(
    *,
    projects: Iterable[Project],
    kind: str,
    key: Callable[[Project], str],
    extra: Callable[[Project], dict] | None = None,
    exclude_user_id: int | None = None,
) -> list[NotificationSpec]:
    """The members of every enterprise following each project (two queries in all)."""
    projects = {p.pk: p for p in projects}
    followers: dict[int, list[int]] = defaultdict(list)
    for project_id, enterprise_id in Follow.objects.filter(project_id__in=projects).values_list(
        "project_id", "enterprise_id"
    ):
        followers[project_id].append(enterprise_id)
    members = members_by_enterprise({e for ids in followers.values() for e in ids})
    specs = []
    for project_id, enterprise_ids in followers.items():
        project = projects[project_id]
        context = {**project_context(project), **(extra(project) if extra else {})}
        specs.extend(
            NotificationSpec(
                recipient_id=user_id,
                kind=kind,
                key=key(project),
                context=context,
                project_id=project_id,
            )
            for enterprise_id in enterprise_ids
            if enterprise_id != project.owner_id
            for user_id in members.get(enterprise_id, [])
            if user_id != exclude_user_id
        )
    return specs
