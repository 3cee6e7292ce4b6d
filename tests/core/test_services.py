"""Exchange rates are saved through one service: an upsert that announces the change."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.models import ExchangeRate
from core.services import exchange_rate_save
from core.signals import exchange_rates_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate_events():
    events: list[str] = []

    def receiver(sender, **kwargs):
        events.append(sender.__name__)

    exchange_rates_changed.connect(receiver, dispatch_uid="test-rates-changed")
    yield events
    exchange_rates_changed.disconnect(dispatch_uid="test-rates-changed")


def test_save_creates_then_updates_one_row_per_currency_and_date(rate_events):
    day = dt.date(2026, 2, 1)
    first = exchange_rate_save(currency="sgd", rate_to_cny="5.60", valid_on="2026-02-01")
    assert (first.currency, first.rate_to_cny, first.valid_on) == ("SGD", Decimal("5.6"), day)

    second = exchange_rate_save(currency="SGD", rate_to_cny=Decimal("5.65"), valid_on=day)
    assert second.pk == first.pk
    assert ExchangeRate.objects.get(currency="SGD", valid_on=day).rate_to_cny == Decimal("5.65")
    assert rate_events == ["ExchangeRate", "ExchangeRate"]


def test_saving_the_same_rate_again_changes_nothing(rate_events):
    exchange_rate_save(currency="EUR", rate_to_cny="8.5", valid_on=dt.date(2026, 2, 1))
    exchange_rate_save(currency="EUR", rate_to_cny="8.50", valid_on=dt.date(2026, 2, 1))
    assert ExchangeRate.objects.filter(currency="EUR", valid_on=dt.date(2026, 2, 1)).count() == 1
    assert rate_events == ["ExchangeRate"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"currency": "US", "rate_to_cny": "7", "valid_on": "2026-02-01"}, "currency"),
        ({"currency": "USD", "rate_to_cny": "0", "valid_on": "2026-02-01"}, "rate_to_cny"),
        ({"currency": "USD", "rate_to_cny": "-1", "valid_on": "2026-02-01"}, "rate_to_cny"),
        ({"currency": "USD", "rate_to_cny": "abc", "valid_on": "2026-02-01"}, "rate_to_cny"),
        ({"currency": "USD", "rate_to_cny": "7", "valid_on": "2026-02-30"}, "valid_on"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(kwargs, field, rate_events):
    count = ExchangeRate.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        exchange_rate_save(**kwargs)
    assert list(excinfo.value.message_dict) == [field]
    assert ExchangeRate.objects.count() == count
    assert rate_events == []
