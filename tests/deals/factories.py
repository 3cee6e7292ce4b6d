"""Factories for the deal flow and matches (kept here, not in tests/factories.py)."""

from decimal import Decimal

import factory
from django.utils import timezone

from deals.models import Interest
from matchmaking.models import Match
from tests.factories import EnterpriseFactory, ProjectFactory


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    project = factory.SubFactory(ProjectFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    score = 75.0
    eligible = True
    config_version = 1
    computed_at = factory.LazyFunction(timezone.now)


class InterestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interest

    project = factory.SubFactory(ProjectFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    initiated_by = Interest.Initiator.ENTERPRISE
    message = "We operate rail-sea services via Qinzhou."
    indicative_amount = Decimal("100000000")
    currency = "CNY"
