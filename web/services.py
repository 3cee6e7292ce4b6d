"""Writes that only the web sign-up needs: a user and their enterprise's application.

The enterprises app has no "create" service yet (imports create enterprises through
their own validator), so the application is created here with the model's validation,
and the membership through enterprises.services.membership_add. An administrator then
verifies the enterprise (enterprises.services.enterprise_verify) before its members may
express interest.
"""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.models import OwnershipType, Sector
from enterprises.models import Enterprise, Membership
from enterprises.services import membership_add

REFERENCE_PREFIX = "ENT-W"


def _new_reference() -> str:
    while True:
        reference = f"{REFERENCE_PREFIX}{secrets.token_hex(4).upper()}"
        if not Enterprise.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def enterprise_application_submit(
    *,
    user: AbstractBaseUser,
    name: str,
    ownership: OwnershipType,
    country: str,
    sectors: list[Sector],
    website: str = "",
    description: str = "",
) -> Enterprise:
    """Create an unverified enterprise with `user` as its administrator."""
    enterprise = Enterprise(
        reference=_new_reference(),
        name=name.strip(),
        ownership=ownership,
        country=country,
        website=website,
        description=description,
        contact_email=getattr(user, "email", "") or "",
        is_verified=False,
    )
    enterprise.full_clean(validate_constraints=False)
    enterprise.save()
    enterprise.sectors.set(sectors)
    membership_add(enterprise=enterprise, user=user, role=Membership.Role.ADMIN)
    return enterprise
