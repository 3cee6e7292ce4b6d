"""Amounts as the web pages show them: in CNY and in the viewer's chosen currency.

Pure formatting over core.money; the rates are read once per request by the views.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.money import UnknownCurrencyError, from_cny, to_cny

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


def compact_amount(amount: Decimal | None) -> str:
    """A short human form: "4.2 billion" in English, "42 亿" in Chinese."""
    if amount is None:
        return ""
    value = Decimal(amount)
    language = get_language() or "en"
    if language.startswith("zh"):
        # Chinese counts in 万 (10^4) and 亿 (10^8): a number format of the language, like
        # Django's formats.py, so it is written here rather than translated from English.
        if abs(value) >= Decimal(10) ** 8:
            return f"{_short(value / Decimal(10) ** 8)} 亿"
        if abs(value) >= Decimal(10) ** 4:
            return f"{_short(value / Decimal(10) ** 4)} 万"
        return f"{int(value):,}"
    if abs(value) >= Decimal(10) ** 9:
        return _("%(value)s billion") % {"value": _short(value / Decimal(10) ** 9)}
    if abs(value) >= Decimal(10) ** 6:
        return _("%(value)s million") % {"value": _short(value / Decimal(10) ** 6)}
    return f"{int(value):,}"


def _short(value: Decimal) -> str:
    """Up to two decimals, trailing zeros dropped: 4.20 -> 4.2, 70.00 -> 70."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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
