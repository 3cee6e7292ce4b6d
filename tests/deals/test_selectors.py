from decimal import Decimal

import pytest
from django.utils import translation

from deals.selectors import opportunity_list_totals
from tests.deals.factories import InterestFactory
from tests.factories import (
    EnterpriseFactory,
    ForeignEnterpriseFactory,
    OpportunityListFactory,
    ProjectFactory,
    SoeFactory,
)


@pytest.fixture
def conference_list(db):
    """The 2025 list: 36 projects, 14 signed for 12.2 bn yuan, 4 of them with foreign firms."""
    opportunity_list = OpportunityListFactory(name="2025 SOE strategic cooperation list")
    owner = SoeFactory()
    projects = [
        ProjectFactory(
            opportunity_list=opportunity_list,
            owner=owner,
            total_investment=Decimal("2000000000"),
            external_investment_sought=Decimal("1000000000"),
        )
        for _ in range(35)
    ]
    # One project priced in USD: 100 million USD total, 50 million sought.
    projects.append(
        ProjectFactory(
            opportunity_list=opportunity_list,
            owner=owner,
            total_investment=Decimal("100000000"),
            external_investment_sought=Decimal("50000000"),
            currency="USD",
        )
    )
    # 14 agreements: 10 domestic of 900 million CNY (9.0 bn), 3 foreign of 1 bn CNY
    # (3.0 bn) and one foreign (Singapore-headquartered) of 200 million CNY paid in USD.
    for i in range(10):
        InterestFactory(
            project=projects[i],
            enterprise=EnterpriseFactory(),
            state="agreement_signed",
            signed_value=Decimal("900000000"),
            signed_currency="CNY",
        )
    for i in range(10, 13):
        InterestFactory(
            project=projects[i],
            enterprise=ForeignEnterpriseFactory(),
            state="agreement_signed",
            signed_value=Decimal("1000000000"),
            signed_currency="CNY",
        )
    InterestFactory(
        project=projects[13],
        enterprise=EnterpriseFactory(country="SG"),  # private, but headquartered abroad
        state="agreement_signed",
        signed_value=Decimal("27894002.79"),  # x 7.17 = 200,000,000.00 CNY
        signed_currency="USD",
    )
    # Open and closed interests that are not agreements.
    InterestFactory(project=projects[20], enterprise=ForeignEnterpriseFactory(), state="new")
    InterestFactory(project=projects[21], state="in_discussion")
    InterestFactory(project=projects[22], state="declined")
    # A signed agreement on another list does not count.
    InterestFactory(
        project=ProjectFactory(opportunity_list=OpportunityListFactory()),
        state="agreement_signed",
        signed_value=Decimal("5000000000"),
        signed_currency="CNY",
    )
    return opportunity_list


def test_totals_per_list_produce_the_conference_line(conference_list, django_assert_num_queries):
    with django_assert_num_queries(5):
        totals = opportunity_list_totals(opportunity_list=conference_list)

    assert totals.projects == 36
    assert totals.total_investment_cny == Decimal("70717000000.00")  # 35 x 2 bn + 717 m
    assert totals.sought_cny == Decimal("35358500000.00")
    assert totals.agreements_signed == 14
    assert totals.agreements_value_cny == Decimal("12200000000.00")
    assert totals.agreements_with_foreign == 4
    assert totals.interests_by_state == {
        "new": 1,
        "in_discussion": 1,
        "meeting_scheduled": 0,
        "mou_signed": 0,
        "agreement_signed": 14,
        "declined": 1,
        "withdrawn": 0,
    }
    with translation.override("en"):
        assert totals.signed_line() == "14 signed, 12.2 billion yuan, 4 with foreign firms"
    with translation.override("zh-hans"):  # Chinese counts in 亿 (10^8), not in billions
        assert totals.signed_line() == "签约 14 项，金额 122 亿元，其中 4 项涉及外资企业"


def test_totals_of_an_empty_list_are_zero(db):
    totals = opportunity_list_totals(opportunity_list=OpportunityListFactory())
    assert totals.projects == 0
    assert totals.agreements_signed == 0
    assert totals.agreements_value_cny == Decimal(0)
    with translation.override("en"):
        assert totals.signed_line() == "0 signed, 0 yuan, 0 with foreign firms"
