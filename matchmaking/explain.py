"""Reason codes (from matchmaking.scoring.reasons) -> translated sentences, in the active language.

Codes name the evidence with parameters (sector, corridor, mode and place codes, amounts in
CNY); this module turns them into one short sentence each with gettext and the reference
labels admins maintain.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector

# Reference labels change rarely (admins edit them); a page explaining 20 matches should not
# read five tables 20 times. Cached per process and language for LABELS_TTL seconds.
LABELS_TTL = 60.0
_label_cache: dict[str, tuple[float, dict[str, str]]] = {}


def _labels() -> dict[str, str]:
    language = get_language() or "en"
    cached = _label_cache.get(language)
    if cached is not None and time.monotonic() - cached[0] < LABELS_TTL:
        return cached[1]
    labels: dict[str, str] = {}
    for model in (Sector, Corridor, CooperationMode, OwnershipType, Region):
        for obj in model.objects.all():
            labels[obj.code] = obj.label
    _label_cache[language] = (time.monotonic(), labels)
    return labels


def _place(code: str, labels: Mapping[str, str]) -> str:
    return labels.get(code) or countries.name(code) or code


def _join(items: Iterable[str]) -> str:
    return ", ".join(items)


def _money(amount: float | int | None) -> str:
    if amount is None:
        return "-"
    millions = Decimal(amount) / Decimal(1_000_000)
    return _("CNY %(amount)s million") % {
        "amount": intcomma(f"{millions:.0f}" if millions >= 10 else f"{millions:.1f}")
    }


def reason_text(reason: Mapping, labels: Mapping[str, str]) -> str:
    code = reason.get("code", "")
    p = dict(reason.get("params") or {})
    codes = _join(labels.get(c, c) for c in p.get("codes", []))
    modes = _join(labels.get(c, c) for c in p.get("modes", []))
    sector = labels.get(p.get("sector", ""), p.get("sector", ""))
    places = _join(_place(c, labels) for c in p.get("places", []))
    country = _place(p.get("country", ""), labels)
    ownership = labels.get(p.get("ownership", ""), p.get("ownership", ""))
    texts = {
        "negative_list_prohibited": lambda: (
            _(
                "Ineligible: the negative list closes %(sector)s to foreign investors and the "
                "project is in China."
            )
            % {"sector": sector}
        ),
        "negative_list_control_only": lambda: (
            _(
                "Ineligible: %(sector)s requires Chinese control and the project asks only for "
                "%(modes)s."
            )
            % {"sector": sector, "modes": modes}
        ),
        "negative_list_control_no_mode": lambda: (
            _(
                "Ineligible: %(sector)s requires Chinese control and the enterprise offers none of "
                "the project's other modes (%(modes)s)."
            )
            % {"sector": sector, "modes": modes}
        ),
        "negative_list_minority": lambda: (
            _(
                "Eligible only as a minority partner (%(sector)s requires Chinese control), "
                "through %(modes)s."
            )
            % {"sector": sector, "modes": modes}
        ),
        "sector_same": lambda: _("Same sector: %(codes)s.") % {"codes": codes},
        "sector_related": lambda: _("Related sector (same family): %(codes)s.") % {"codes": codes},
        "sector_none": lambda: _("No sector in common with %(codes)s.") % {"codes": codes},
        "sector_breadth": lambda: (
            _("Only %(matched)s of the enterprise's %(total)s sectors concerns this project.")
            % {"matched": p.get("matched"), "total": p.get("total")}
        ),
        "text_terms": lambda: (
            _("Its description mentions %(terms)s.") % {"terms": _join(p.get("terms", []))}
        ),
        "corridor_shared": lambda: (
            _("Works on the project's corridors: %(codes)s.") % {"codes": codes}
        ),
        "corridor_missing": lambda: _("Not on %(codes)s.") % {"codes": codes},
        "corridor_unstated": lambda: (
            _("States no corridors (the project uses %(codes)s).") % {"codes": codes}
        ),
        "mode_unstated": lambda: (
            _("States no cooperation modes (the project asks for %(codes)s).") % {"codes": codes}
        ),
        "region_hq": lambda: (
            _("Headquartered in %(country)s, where the project seeks partners.")
            % {"country": country}
        ),
        "region_operates": lambda: (
            _("Operates where the project seeks partners: %(places)s.") % {"places": places}
        ),
        "region_outside": lambda: (
            _("Neither based nor operating in %(places)s.") % {"places": places}
        ),
        "region_anywhere": lambda: _("The project seeks partners anywhere."),
        "region_location": lambda: (
            _("Works where the project is located (%(country)s).") % {"country": country}
        ),
        "capacity_within": lambda: (
            _("Its investment range (%(min)s to %(max)s) fits the %(sought)s sought.")
            % {
                "min": _money(p.get("min_cny")),
                "max": _money(p.get("max_cny")),
                "sought": _money(p.get("sought_cny")),
            }
        ),
        "capacity_below": lambda: (
            _("Its largest commitment (%(max)s) is below the %(sought)s sought.")
            % {"max": _money(p.get("max_cny")), "sought": _money(p.get("sought_cny"))}
        ),
        "capacity_above": lambda: (
            _("Its smallest commitment (%(min)s) is above the %(sought)s sought.")
            % {"min": _money(p.get("min_cny")), "sought": _money(p.get("sought_cny"))}
        ),
        "capacity_unknown": lambda: _("Investment capacity or amount sought not stated."),
        "mode_shared": lambda: (
            _("Offers the cooperation modes asked for: %(codes)s.") % {"codes": codes}
        ),
        "mode_missing": lambda: (
            _("Offers none of the cooperation modes asked for: %(codes)s.") % {"codes": codes}
        ),
        "ownership_sought": lambda: (
            _("Its ownership (%(ownership)s) is one the project seeks.") % {"ownership": ownership}
        ),
        "ownership_not_sought": lambda: (
            _("Its ownership (%(ownership)s) is not one the project seeks.")
            % {"ownership": ownership}
        ),
    }
    make = texts.get(code)
    return make() if make else code


def reasons_text(
    reasons: Iterable[Mapping], *, labels: Mapping[str, str] | None = None
) -> list[str]:
    """One translated sentence per reason, in order."""
    labels = _labels() if labels is None else labels
    return [reason_text(r, labels) for r in reasons]


def reason_labels() -> dict[str, str]:
    """The code -> label table `reasons_text` uses; load once when explaining many matches."""
    return _labels()
