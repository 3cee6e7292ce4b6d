"""Does a project fit a saved search? Pure: facts and filters in, a boolean out.

Filters are the opportunity browser's query parameters, each a string or a list of
strings (any of them fits): `sector` (a parent code covers its children, a child code
fits a project posted under its parent), `corridor`, `mode`, `place` (a country or
region code: fits where the project is located or where it seeks partners), `park` and
`list` (id or name), `min_amount` / `max_amount` with `currency` (compared in CNY with
the project's total investment, as the browser's amount filter does) and `q` (words in the reference, title or
description; every word must appear).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.money import UnknownCurrencyError, to_cny


@dataclass(frozen=True)
class ProjectFacts:
    sectors: frozenset[str]
    corridors: frozenset[str]
    modes: frozenset[str]
    # Every country the project is located in or seeks partners in, plus region codes.
    places: frozenset[str]
    park: frozenset[str]  # id and name
    opportunity_list: frozenset[str]  # id and name
    total_cny: Decimal  # total investment, the amount the browser's range filters on
    text: str


def _values(filters: Mapping[str, object], name: str) -> list[str]:
    raw = filters.get(name)
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def _sector_fits(wanted: str, sectors: frozenset[str]) -> bool:
    return any(
        code == wanted or code.startswith(f"{wanted}.") or wanted.startswith(f"{code}.")
        for code in sectors
    )


def _amount(value: str, currency: str, rates: Mapping[str, Decimal]) -> Decimal | None:
    try:
        return to_cny(Decimal(value), currency, rates=rates)
    except (InvalidOperation, UnknownCurrencyError):
        return None


def project_fits_search(
    facts: ProjectFacts, filters: Mapping[str, object], *, rates: Mapping[str, Decimal]
) -> bool:
    """True when the project passes every filter of the saved search."""
    sectors = _values(filters, "sector")
    if sectors and not any(_sector_fits(code, facts.sectors) for code in sectors):
        return False
    for name, have in (
        ("corridor", facts.corridors),
        ("mode", facts.modes),
        ("park", facts.park),
        ("list", facts.opportunity_list),
    ):
        wanted = _values(filters, name)
        if wanted and not set(wanted) & have:
            return False
    places = [p.upper() for p in _values(filters, "place")]
    if places and not set(places) & facts.places:
        return False
    currency = (_values(filters, "currency") or ["CNY"])[0].upper()
    for name, fits in (
        ("min_amount", lambda limit: facts.total_cny >= limit),
        ("max_amount", lambda limit: facts.total_cny <= limit),
    ):
        for value in _values(filters, name)[:1]:
            limit = _amount(value, currency, rates)
            if limit is not None and not fits(limit):
                return False
    words = " ".join(_values(filters, "q")).casefold().split()
    return all(word in facts.text for word in words)
