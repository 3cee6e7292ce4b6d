"""Shapes for the pipeline board and the candidate list, shared by both sides' pages."""

from dataclasses import dataclass, field

from deals import workflow as deal_workflow
from deals.models import Interest
from matchmaking.models import Match
from matchmaking.selectors import match_list_for_project
from projects.models import Project
from web.explain import Explained, matches_explain

CANDIDATES_SHOWN = 20
# Board columns, in pipeline order; closed states are shown after the open ones.
BOARD_STATES = (*deal_workflow.FORWARD, deal_workflow.DECLINED, deal_workflow.WITHDRAWN)


@dataclass
class Card:
    interest: Interest
    next_states: list[tuple[str, str]]


@dataclass
class Column:
    state: str
    label: str
    cards: list[Card] = field(default_factory=list)


def board_columns(interests: list[Interest], *, sides: frozenset[str]) -> list[Column]:
    """One column per pipeline state, each card with the moves `sides` may make next."""
    columns = {state: Column(state, Interest.State(state).label) for state in BOARD_STATES}
    for interest in interests:
        moves = [
            (state, Interest.State(state).label)
            for state in deal_workflow.next_states(interest.state, sides=sides)
        ]
        columns[interest.state].cards.append(Card(interest, moves))
    return list(columns.values())


@dataclass
class Candidate:
    match: Match
    explained: Explained
    interest: Interest | None


def candidate_list(*, project: Project, interests: list[Interest]) -> list[Candidate]:
    """The project's best candidate partners with their translated reasons."""
    by_enterprise = {i.enterprise_id: i for i in interests if i.is_open}
    matches = (
        match_list_for_project(project=project)
        .exclude(enterprise_id=project.owner_id)
        .select_related("enterprise__ownership")[:CANDIDATES_SHOWN]
    )
    matches = list(matches)
    return [
        Candidate(match, explained, by_enterprise.get(match.enterprise_id))
        for match, explained in zip(matches, matches_explain(matches), strict=True)
    ]
