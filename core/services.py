"""Writes to the shared kernel's tables: exchange rates.

Sends `core.signals.exchange_rates_changed` inside the transaction after a rate changes;
receivers (matchmaking) defer their work with `transaction.on_commit`.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from core.models import ExchangeRate
from core.signals import exchange_rates_changed


@transaction.atomic
def exchange_rate_save(
    *, currency: str, rate_to_cny: Decimal | str, valid_on: date | str
) -> ExchangeRate:
    """Create or update the rate of `currency` on `valid_on` (one per currency and date).

    Invalid input raises ValidationError naming the field and changes nothing.
    """
    rate = ExchangeRate(currency=(currency or "").strip().upper(), rate_to_cny=rate_to_cny)
    rate.valid_on = valid_on
    rate.full_clean(exclude=["created_at"], validate_unique=False, validate_constraints=False)
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(currency=rate.currency, valid_on=rate.valid_on)
        .first()
    )
    if existing is not None:
        if existing.rate_to_cny == rate.rate_to_cny:
            return existing
        existing.rate_to_cny = rate.rate_to_cny
        existing.save(update_fields=["rate_to_cny"])
        rate = existing
    else:
        # Concurrent first saves of the same key: the unique constraint lets one win.
        rate, _created = ExchangeRate.objects.update_or_create(
            currency=rate.currency,
            valid_on=rate.valid_on,
            defaults={"rate_to_cny": rate.rate_to_cny},
        )
    exchange_rates_changed.send(sender=ExchangeRate)
    return rate
