"""Money: Decimal amounts with an ISO 4217 code, converted to CNY with the admin's rate table.

`exchange_rates_latest()` reads the newest rate of every currency (one query);
`to_cny()` is pure, so batch code loads the rates once and converts many amounts.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


class UnknownCurrencyError(ValueError):
    def __init__(self, currency: str) -> None:
        super().__init__(_("No exchange rate for currency %(currency)s.") % {"currency": currency})
        self.currency = currency


def exchange_rates_latest() -> dict[str, Decimal]:
    """The newest CNY rate of every currency in the rate table: {"USD": Decimal("7.17"), ...}."""
    from core.models import ExchangeRate

    rates: dict[str, Decimal] = {}
    for currency, rate in ExchangeRate.objects.order_by("currency", "-valid_on").values_list(
        "currency", "rate_to_cny"
    ):
        rates.setdefault(currency, rate)
    rates.setdefault("CNY", Decimal(1))
    return rates


def to_cny(amount: Decimal, currency: str, *, rates: Mapping[str, Decimal]) -> Decimal:
    """`amount` of `currency` in CNY, rounded to the fen."""
    if currency == "CNY":
        return amount
    try:
        rate = rates[currency]
    except KeyError:
        raise UnknownCurrencyError(currency) from None
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def from_cny(amount_cny: Decimal, currency: str, *, rates: Mapping[str, Decimal]) -> Decimal:
    """`amount_cny` expressed in `currency`, rounded to two decimals."""
    if currency == "CNY":
        return amount_cny
    try:
        rate = rates[currency]
    except KeyError:
        raise UnknownCurrencyError(currency) from None
    return (amount_cny / rate).quantize(CENT, rounding=ROUND_HALF_UP)


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
