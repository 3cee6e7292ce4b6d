"""Plumbing shared by the services that write records from keyword fields (admin, API, web).

`fields_split` sorts the given fields into plain and many-to-many ones and refuses the rest,
naming each field; `m2m_resolve` turns lists of codes (or objects) into reference rows and
refuses unknown codes, naming the field. Both raise one ValidationError with every problem.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def fields_split(
    *,
    fields: Mapping[str, Any],
    scalar_fields: frozenset[str],
    m2m_fields: Mapping[str, type[models.Model]],
    guarded_fields: frozenset[str],
    guarded_message: str,
    unknown_message: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    scalars: dict[str, Any] = {}
    m2m: dict[str, Any] = {}
    for name, value in fields.items():
        if name in scalar_fields:
            scalars[name] = value
        elif name in m2m_fields:
            m2m[name] = value
        elif name in guarded_fields:
            errors[name] = [guarded_message]
        else:
            errors[name] = [unknown_message]
    if errors:
        raise ValidationError(errors)
    return scalars, m2m


def m2m_resolve(
    *, values: Mapping[str, Any], m2m_fields: Mapping[str, type[models.Model]]
) -> dict[str, list[models.Model]]:
    """Lists of codes or objects -> lists of objects (one query per field, duplicates dropped)."""
    errors: dict[str, list[str]] = {}
    resolved: dict[str, list[models.Model]] = {}
    for name, given in values.items():
        model = m2m_fields[name]
        items = [] if given is None else list(given)
        objects = [item for item in items if isinstance(item, model)]
        codes = [str(item) for item in items if not isinstance(item, model)]
        found = {obj.pk: obj for obj in model._default_manager.filter(pk__in=codes)}
        missing = sorted({code for code in codes if code not in found})
        if missing:
            errors[name] = [_("Unknown codes: %(codes)s.") % {"codes": ", ".join(missing)}]
            continue
        unique: dict[Any, models.Model] = {}
        for obj in [*objects, *(found[code] for code in codes)]:
            unique.setdefault(obj.pk, obj)
        resolved[name] = list(unique.values())
    if errors:
        raise ValidationError(errors)
    return resolved


def m2m_apply(*, instance: models.Model, m2m: Mapping[str, list[models.Model]]) -> dict[str, str]:
    """Set the M2M fields of `instance` that differ; {field: "old codes → new codes"} of those.

    The audit history snapshots plain fields only, so the services record what this returns
    as the change reason of the save that follows: an edit of tags alone leaves a record too.
    """
    changes: dict[str, str] = {}
    for name, objects in m2m.items():
        manager = getattr(instance, name)
        before = sorted(str(pk) for pk in manager.values_list("pk", flat=True))
        after = sorted(str(obj.pk) for obj in objects)
        if before != after:
            manager.set(objects)
            changes[name] = f"{', '.join(before) or '-'} → {', '.join(after) or '-'}"
    return changes


def m2m_change_reason(changes: Mapping[str, str]) -> str | None:
    """The history change reason naming each changed M2M field, or None when none changed."""
    return "; ".join(f"{name}: {change}" for name, change in changes.items()) or None
