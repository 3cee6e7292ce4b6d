"""Translated reasons of a match (matchmaking.explain turns reason codes into text)."""

from matchmaking.models import Match


def reasons_text(match: Match) -> list[str]:
    try:
        from matchmaking import explain
    except ImportError:  # TEMPORARY until matchmaking.explain lands
        return [str(reason.get("code", reason)) for reason in match.reasons]
    return list(explain.reasons_text(match.reasons))
