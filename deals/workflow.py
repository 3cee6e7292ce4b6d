"""The interest pipeline as a pure transition table: no Django, no database, no clock.

new -> in_discussion -> meeting_scheduled -> mou_signed -> agreement_signed, and
declined / withdrawn from any open state. Each move says which side may make it:
`enterprise` (members of the interested enterprise) or `owner` (the SOE staff of the
enterprise that owns the project). Both sides move forward; only the owner declines;
only the enterprise withdraws.
"""

import itertools
from types import MappingProxyType

NEW = "new"
IN_DISCUSSION = "in_discussion"
MEETING_SCHEDULED = "meeting_scheduled"
MOU_SIGNED = "mou_signed"
AGREEMENT_SIGNED = "agreement_signed"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

ENTERPRISE = "enterprise"
OWNER = "owner"

FORWARD: tuple[str, ...] = (NEW, IN_DISCUSSION, MEETING_SCHEDULED, MOU_SIGNED, AGREEMENT_SIGNED)
OPEN_STATES = frozenset({NEW, IN_DISCUSSION, MEETING_SCHEDULED, MOU_SIGNED})
CLOSED_STATES = frozenset({AGREEMENT_SIGNED, DECLINED, WITHDRAWN})
BOTH = frozenset({ENTERPRISE, OWNER})


def _table() -> dict[tuple[str, str], frozenset[str]]:
    table: dict[tuple[str, str], frozenset[str]] = {}
    for current, following in itertools.pairwise(FORWARD):
        table[(current, following)] = BOTH
    for state in OPEN_STATES:
        table[(state, DECLINED)] = frozenset({OWNER})
        table[(state, WITHDRAWN)] = frozenset({ENTERPRISE})
    return table


# (from, to) -> the sides allowed to make that move. Anything absent is refused.
TRANSITIONS = MappingProxyType(_table())


def sides_allowed(from_state: str, to_state: str) -> frozenset[str]:
    """The sides that may move an interest from `from_state` to `to_state` (empty: nobody)."""
    return TRANSITIONS.get((from_state, to_state), frozenset())


def is_allowed(from_state: str, to_state: str, *, sides: frozenset[str]) -> bool:
    """True when someone acting for `sides` may make this move."""
    return bool(sides_allowed(from_state, to_state) & sides)


def next_states(from_state: str, *, sides: frozenset[str]) -> list[str]:
    """The states someone acting for `sides` can move to next, forward move first."""
    order = {state: i for i, state in enumerate((*FORWARD, DECLINED, WITHDRAWN))}
    targets = [
        to for (frm, to), allowed in TRANSITIONS.items() if frm == from_state and allowed & sides
    ]
    return sorted(targets, key=order.__getitem__)
