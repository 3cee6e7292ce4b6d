"""Test helpers for the web pages: objects the shared factories do not make."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.models import ExchangeRate
from deals.models import Interest
from matchmaking.models import Match


def rate_set(currency: str, rate: str) -> None:
    ExchangeRate.objects.update_or_create(
        currency=currency, valid_on=date(2099, 1, 1), defaults={"rate_to_cny": Decimal(rate)}
    )


def match_make(*, project, enterprise, score=80.0, eligible=True, reasons=None, reason=""):
    return Match.objects.create(
        project=project,
        enterprise=enterprise,
        score=score,
        eligible=eligible,
        ineligibility_reason=reason,
        reasons=reasons or [],
        components={},
        config_version=1,
        computed_at=timezone.now(),
    )


def interest_make(*, project, enterprise, state="new", by=None):
    return Interest.objects.create(
        project=project,
        enterprise=enterprise,
        initiated_by=Interest.Initiator.ENTERPRISE,
        state=state,
        created_by=by,
    )
