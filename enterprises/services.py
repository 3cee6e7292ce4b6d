"""Every write to an enterprise and its memberships.

Sends `enterprises.signals.enterprise_changed(enterprise_ids=[...])` inside the
transaction when a matching-relevant field changes (receivers defer work with on_commit).
`by=None` means the system (imports, commands).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import history_user_set
from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
from core.writes import fields_split, m2m_apply, m2m_change_reason, m2m_resolve
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_for_user, user_is_platform_admin
from enterprises.signals import enterprise_changed

SCALAR_FIELDS = frozenset(
    {
        "reference",
        "name",
        "name_local",
        "ownership",
        "country",
        "countries",
        "investment_min",
        "investment_max",
        "currency",
        "description",
        "website",
        "contact_email",
    }
)
M2M_MODELS: dict[str, type[models.Model]] = {
    "sectors": Sector,
    "cooperation_modes": CooperationMode,
    "corridors": Corridor,
    "regions": Region,
}
# Fields whose change makes stored candidate partnerships stale.
MATCHING_FIELDS = frozenset(
    {
        "name",
        "ownership",
        "country",
        "countries",
        "investment_min",
        "investment_max",
        "currency",
        "description",
        *M2M_MODELS,
    }
)
ADMIN_ONLY_FIELDS = frozenset({"is_verified", "verified_at"})


def _check_can_edit(*, user: AbstractBaseUser | None, enterprise: Enterprise) -> None:
    """Platform admins and the enterprise's own members may change its profile."""
    if user is None or user_is_platform_admin(user=user):
        return
    mine = enterprise_for_user(user=user)
    if mine is None or mine.pk != enterprise.pk:
        raise PermissionDenied(_("You may change only your own enterprise."))


def _validate(enterprise: Enterprise, *, m2m: dict[str, list[models.Model]]) -> None:
    errors: dict[str, list[str]] = {}
    try:
        enterprise.full_clean(validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for name in ("investment_min", "investment_max"):
        value = getattr(enterprise, name)
        if name not in errors and value is not None and value < 0:
            errors[name] = [_("Amounts cannot be negative.")]
    low, high = enterprise.investment_min, enterprise.investment_max
    if not errors and low is not None and high is not None and low > high:
        errors["investment_min"] = [
            _("The smallest commitment cannot exceed the largest commitment.")
        ]
    if "sectors" in m2m and not m2m["sectors"]:
        errors["sectors"] = [_("Give at least one.")]
    if errors:
        raise ValidationError(errors)


def _split_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return fields_split(
        fields=fields,
        scalar_fields=SCALAR_FIELDS,
        m2m_fields=M2M_MODELS,
        guarded_fields=ADMIN_ONLY_FIELDS,
        guarded_message=_("Verification changes only through the verify action."),
        unknown_message=_("Unknown enterprise field."),
    )


def _resolve_ownership(scalars: dict[str, Any]) -> None:
    """An ownership given as its code becomes the OwnershipType row."""
    code = scalars.get("ownership")
    if isinstance(code, str):
        ownership = OwnershipType.objects.filter(pk=code).first()
        if ownership is None:
            raise ValidationError({"ownership": [_("Unknown codes: %(codes)s.") % {"codes": code}]})
        scalars["ownership"] = ownership


@transaction.atomic
def enterprise_create(*, by: AbstractBaseUser | None, **fields: Any) -> Enterprise:
    """A new, unverified enterprise (sign-up, admin). M2M fields take codes or objects.

    Anyone may apply; an administrator verifies it afterwards (`enterprise_verify`).
    """
    scalars, m2m_raw = _split_fields(fields)
    m2m = m2m_resolve(values=m2m_raw, m2m_fields=M2M_MODELS)
    _resolve_ownership(scalars)
    enterprise = Enterprise(**scalars, is_verified=False)
    history_user_set(instance=enterprise, user=by)
    _validate(enterprise, m2m={"sectors": [], **m2m})
    enterprise.save()
    for name, objects in m2m.items():
        getattr(enterprise, name).set(objects)
    enterprise_changed.send(sender=Enterprise, enterprise_ids=[enterprise.pk])
    return enterprise


@transaction.atomic
def enterprise_update(
    *, enterprise: Enterprise, by: AbstractBaseUser | None, **fields: Any
) -> Enterprise:
    """Change an enterprise's profile; M2M fields take lists of codes or objects."""
    scalars, m2m_raw = _split_fields(fields)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _check_can_edit(user=by, enterprise=locked)
    _resolve_ownership(scalars)
    m2m = m2m_resolve(values=m2m_raw, m2m_fields=M2M_MODELS)
    before = {name: getattr(locked, name) for name in scalars}
    for name, value in scalars.items():
        setattr(locked, name, value)
    _validate(locked, m2m=m2m)
    changed = {name for name in scalars if getattr(locked, name) != before[name]}
    m2m_changes = m2m_apply(instance=locked, m2m=m2m)
    if changed or m2m_changes:
        history_user_set(instance=locked, user=by)
        locked._change_reason = m2m_change_reason(m2m_changes)
        locked.save(update_fields=[*sorted(changed), "updated_at"])
    changed |= set(m2m_changes)
    if changed & MATCHING_FIELDS:
        enterprise_changed.send(sender=Enterprise, enterprise_ids=[locked.pk])
    if locked is not enterprise:
        for field in Enterprise._meta.concrete_fields:
            setattr(enterprise, field.attname, getattr(locked, field.attname))
    return enterprise


@transaction.atomic
def enterprise_verify(*, enterprise: Enterprise, by: AbstractBaseUser | None) -> bool:
    """Mark an enterprise verified (its members may then express interest). Idempotent.

    Returns False when it was already verified (nothing changes).
    """
    if by is not None and not user_is_platform_admin(user=by):
        raise PermissionDenied(_("Only platform administrators verify enterprises."))
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if locked.is_verified:
        enterprise.is_verified, enterprise.verified_at = True, locked.verified_at
        return False
    locked.is_verified = True
    locked.verified_at = timezone.now()
    history_user_set(instance=locked, user=by)
    locked.save(update_fields=["is_verified", "verified_at", "updated_at"])
    enterprise.is_verified, enterprise.verified_at = True, locked.verified_at
    enterprise_changed.send(sender=Enterprise, enterprise_ids=[locked.pk])
    return True


@transaction.atomic
def membership_add(*, enterprise: Enterprise, user: AbstractBaseUser, role: str) -> Membership:
    """Make `user` a member of `enterprise` with `role` (or change the role).

    A user belongs to one enterprise only: a member of another one is refused.
    """
    if role not in Membership.Role.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    existing = Membership.objects.select_for_update().filter(user_id=user.pk).first()
    if existing is not None and existing.enterprise_id != enterprise.pk:
        raise ValidationError({"user": [_("This user already belongs to another enterprise.")]})
    if existing is not None:
        if existing.role != role:
            existing.role = role
            existing.save(update_fields=["role"])
        return existing
    return Membership.objects.create(enterprise=enterprise, user=user, role=role)
