"""Template helpers of the web pages: money in two currencies, query strings that keep filters."""

from decimal import Decimal

from django import template
from django.http import QueryDict

from core.models import localized
from web.money import amount_in, compact_amount, request_rates, viewer_currency

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context, amount, currency="CNY"):
    """The amount in CNY, and in the viewer's currency when it differs: "CNY 4.2 billion"."""
    if amount is None:
        return ""
    request = context["request"]
    rates = request_rates(request)
    viewer = viewer_currency(request)
    in_cny = amount_in(Decimal(amount), currency, target="CNY", rates=rates)
    if in_cny is None:
        return f"{currency} {compact_amount(Decimal(amount))}"
    text = f"CNY {compact_amount(in_cny)}"
    if viewer != "CNY":
        converted = amount_in(in_cny, "CNY", target=viewer, rates=rates)
        if converted is not None:
            text += f" (≈ {viewer} {compact_amount(converted)})"
    return text


@register.filter
def exact_amount(amount):
    """The amount with comma thousands separators (as both languages write them): 4,200,000,000."""
    if amount is None:
        return ""
    return f"{int(Decimal(amount)):,}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None or "" removes them)."""
    request = context["request"]
    query: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def field_type(bound_field) -> str:
    """The widget's class name in lower case ("checkboxselectmultiple", "select" ...)."""
    return bound_field.field.widget.__class__.__name__.lower()


@register.filter
def local_name(obj) -> str:
    """A list's or park's name in the active language (its Chinese name for zh-*)."""
    if obj is None:
        return ""
    return localized(obj.name, getattr(obj, "name_zh", ""))


@register.filter
def enterprise_name(enterprise) -> str:
    """A Chinese enterprise's Chinese name when the page is in Chinese, else its name."""
    if enterprise is None:
        return ""
    chinese = enterprise.name_local if str(enterprise.country) == "CN" else ""
    return localized(enterprise.name, chinese)
