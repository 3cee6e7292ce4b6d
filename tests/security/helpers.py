"""Objects the hostile-request tests share: a snapshot of a row to compare before/after."""

from django.db import models
from django.forms.models import model_to_dict


def snapshot(instance: models.Model) -> dict:
    """Every concrete field of `instance` as stored now (re-read from the database)."""
    fresh = type(instance).objects.get(pk=instance.pk)
    data = model_to_dict(fresh, fields=[f.name for f in fresh._meta.concrete_fields])
    data["updated_at"] = getattr(fresh, "updated_at", None)
    return data


VALID_PROJECT_POST = {
    "title": "Hijacked title",
    "description": "Hijacked.",
    "sectors": ["logistics.cold_chain"],
    "cooperation_modes": ["equity_investment"],
    "total_investment": "100",
    "external_investment_sought": "50",
    "currency": "CNY",
    "location_country": "CN",
    "action": "draft",
}
