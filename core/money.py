"""Money: Decimal amounts with an ISO 4217 code, converted to CNY with the admin's rate table.

`exchange_rates_latest()` reads the newest rate of every currency (one query);
`to_cny()` is pure, so batch code loads the rates once and converts many amounts.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

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
