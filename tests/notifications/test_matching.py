from decimal import Decimal

import pytest

from notifications.matching import ProjectFacts, project_fits_search

RATES = {"CNY": Decimal(1), "USD": Decimal("7.17")}
FACTS = ProjectFacts(
    sectors=frozenset({"logistics.cold_chain", "services"}),
    corridors=frozenset({"ilstc_rail_sea"}),
    modes=frozenset({"joint_venture", "operation"}),
    places=frozenset({"CN", "TH", "ASEAN"}),
    park=frozenset({"7", "Guoyuan Port"}),
    opportunity_list=frozenset({"3", "2025 SOE list"}),
    total_cny=Decimal("800000000"),
    text="cq-01 rail-sea cold chain hub bonded warehouse in guoyuan",
)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"sector": "logistics"},  # a parent covers its children
        {"sector": "services.finance"},  # a child fits a project posted under the parent
        {"sector": ["energy", "logistics.cold_chain"]},  # any of several values
        {"corridor": "ilstc_rail_sea", "mode": ["epc", "operation"]},
        {"place": "th"},
        {"place": "ASEAN"},
        {"park": "7", "list": "2025 SOE list"},
        {"min_amount": "800000000", "max_amount": "800000000"},
        {"max_amount": "120000000", "currency": "USD"},  # 860.4 m CNY
        {"q": "Cold  HUB"},
        {"q": "", "sector": ""},  # empty parameters filter nothing
    ],
)
def test_projects_fit_searches_whose_every_filter_they_pass(filters):
    assert project_fits_search(FACTS, filters, rates=RATES) is True


@pytest.mark.parametrize(
    "filters",
    [
        {"sector": "manufacturing"},
        {"sector": "logistics.rail"},
        {"corridor": "air_cargo"},
        {"mode": "epc"},
        {"place": "SG"},
        {"park": "8"},
        {"list": "2024 list"},
        {"min_amount": "800000000.01"},
        {"max_amount": "100000000", "currency": "USD"},  # 717 m CNY
        {"q": "cold airport"},  # every word must appear
        {"sector": "logistics", "mode": "epc"},  # one failing filter is enough
    ],
)
def test_projects_do_not_fit_searches_with_a_failing_filter(filters):
    assert project_fits_search(FACTS, filters, rates=RATES) is False
