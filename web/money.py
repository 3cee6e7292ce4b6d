"""Amounts as the web pages show them: in CNY and in the viewer's chosen currency.

Pure formatting over core.money; the rates are read once per request by the views.
"""

from collections.abc import Mapping
from decimal import Decimal

from core.money import UnknownCurrencyError, from_cny, to_cny
from core.money import compact_amount as compact_amount  # the pages' short form, re-exported

DEFAULT_CURRENCY = "CNY"
# Currencies offered in the viewer's currency switch (only those with a rate are kept).
VIEWER_CURRENCIES = ("CNY", "USD", "EUR", "SGD", "THB", "MYR", "HKD", "JPY")


def amount_in(
    amount: Decimal | None, currency: str, *, target: str, rates: Mapping[str, Decimal]
) -> Decimal | None:
    """`amount` of `currency` expressed in `target`, or None when there is no rate."""
    if amount is None:
        return None
    try:
        return from_cny(to_cny(amount, currency, rates=rates), target, rates=rates)
    except UnknownCurrencyError:
        return None


def viewer_currency(request) -> str:
    """The currency the viewer asked for (`?currency=USD`, remembered in the session)."""
    asked = (request.GET.get("currency") or "").upper()
    if asked in VIEWER_CURRENCIES:
        if hasattr(request, "session") and request.session.get("currency") != asked:
            request.session["currency"] = asked
        return asked
    remembered = request.session.get("currency") if hasattr(request, "session") else None
    return remembered if remembered in VIEWER_CURRENCIES else DEFAULT_CURRENCY


def request_rates(request) -> Mapping[str, Decimal]:
    """The newest exchange rates, read once per request."""
    from core.money import exchange_rates_latest

    rates = getattr(request, "_parklink_rates", None)
    if rates is None:
        rates = exchange_rates_latest()
        request._parklink_rates = rates
    return rates
