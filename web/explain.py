"""A match as the pages show it: translated reasons, and any eligibility warning apart.

matchmaking.explain turns reason codes into sentences in the active language; reasons on
the "rule" side (the negative list) are the eligibility warning.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matchmaking import explain
from matchmaking.models import Match

RULE_SIDE = "rule"


@dataclass(frozen=True)
class Explained:
    reasons: list[str]
    warnings: list[str]


def match_explain(match: Match, *, labels: Mapping[str, str] | None = None) -> Explained:
    labels = explain.reason_labels() if labels is None else labels
    rule = [r for r in match.reasons if r.get("side") == RULE_SIDE]
    other = [r for r in match.reasons if r.get("side") != RULE_SIDE]
    warnings = explain.reasons_text(rule, labels=labels)
    if not match.eligible and not warnings and match.ineligibility_reason:
        warnings = explain.reasons_text(
            [{"code": match.ineligibility_reason, "params": {}}], labels=labels
        )
    return Explained(explain.reasons_text(other, labels=labels), warnings)


def matches_explain(matches: Iterable[Match]) -> list[Explained]:
    """Explain many matches with one load of the reference labels."""
    labels = explain.reason_labels()
    return [match_explain(match, labels=labels) for match in matches]
